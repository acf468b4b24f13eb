/** Layer definitions: the built-in ones in layers/definitions/*.json, synchronised into the `layer` table at
 *  start, and local ones an admin adds through the API or CLI (same schema, stored in the table). */
import crypto from 'node:crypto';
import { checkVersion, type IfMatch } from '../../http/if-match.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../../config/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { LayerDefinition } from '../../../shared/layer-schema.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { invalidateLayerCache } from './cache.ts';
import { findLayer, listLayers, lockLayerDefinition, saveLayerDefinition, type LayerRow } from './repo.ts';

export const DEFINITIONS_DIR = path.join(repoRoot, 'layers', 'definitions');

/** Canonical JSON (sorted keys) so the hash changes only when the definition does. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
export const definitionHash = (d: LayerDefinition) =>
  crypto.createHash('sha256').update(canonical(d)).digest('hex').slice(0, 16);

/** Parses a definition; a bad one is a 400 naming each field. */
export function parseDefinition(input: unknown, where = 'definition'): LayerDefinition {
  const r = LayerDefinition.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
    throw new AppError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  return r.data;
}

export function readBuiltinDefinitions(dir = DEFINITIONS_DIR): LayerDefinition[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const d = parseDefinition(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), f);
      if (`${d.id}.json` !== f)
        throw new Error(`layers/definitions/${f} defines layer "${d.id}": the file name must be the id`);
      return d;
    });
}

/** Inserts or updates the built-in layers' definitions; audits each change. */
export async function syncBuiltinLayers(
  db: Knex,
  actor: Actor = { id: null, username: 'system:layers' },
): Promise<void> {
  const defs = readBuiltinDefinitions();
  await db.transaction(async (trx) => {
    for (const d of defs) await upsertDefinition(trx, actor, d, 'builtin');
  });
}

export async function upsertDefinition(
  db: Knex | Knex.Transaction,
  actor: Actor,
  d: LayerDefinition,
  origin: 'builtin' | 'local',
  requestId?: string,
  ifMatch: IfMatch = '*',
) {
  const hash = definitionHash(d);
  const existing = await lockLayerDefinition(db, d.id);
  if (existing && existing.definition_hash === hash) return { changed: false };
  if (existing && existing.origin !== origin) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Layer "${d.id}" is a ${existing.origin} layer; choose another id for a local layer.`,
      { issues: [{ path: 'definition.id', message: 'already used' }] },
    );
  }
  // changing a stored definition: the API sends the definition version it edited (If-Match; 428 without, 412 stale)
  if (existing) checkVersion(`layer "${d.id}"`, existing.definition_version, ifMatch);
  await saveLayerDefinition(db, d, hash, origin, Boolean(existing));
  // the cached definitions (./cache.ts) go now and again once the transaction is over (a check in between reads
  // the old definition, which the check statement's definition_hash shows is out of date once this commits)
  invalidateLayerCache();
  if (db.isTransaction) void (db as Knex.Transaction).executionPromise.then(invalidateLayerCache, invalidateLayerCache);
  await writeAudit(db, {
    actor,
    action: existing ? 'layer.define.update' : 'layer.define.create',
    entityType: 'layer',
    entityId: d.id,
    before: existing ? existing.definition : null,
    after: d,
    requestId,
  });
  return { changed: true };
}

export { listLayers, type LayerRow };

export async function getLayer(db: Knex | Knex.Transaction, id: string): Promise<LayerRow> {
  const row = await findLayer(db, id);
  if (!row) throw new AppError('LAYER_NOT_FOUND', `There is no layer "${id}". GET /api/layers lists them.`, { id });
  return row;
}
