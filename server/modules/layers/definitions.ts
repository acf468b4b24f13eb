/** Layer definitions: the built-in ones in layers/definitions/*.json, synchronised into the `layer` table at
 *  start, and local ones an admin adds through the API or CLI (same schema, stored in the table). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../../config/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { LayerDefinition } from '../../../shared/layer-schema.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { invalidateLayerCache } from './cache.ts';

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
) {
  const hash = definitionHash(d);
  const existing = await db('layer').where({ id: d.id }).forUpdate().first('definition', 'definition_hash', 'origin');
  if (existing && existing.definition_hash === hash) return { changed: false };
  if (existing && existing.origin !== origin) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Layer "${d.id}" is a ${existing.origin} layer; choose another id for a local layer.`,
      { issues: [{ path: 'definition.id', message: 'already used' }] },
    );
  }
  const row = {
    title: d.title,
    category: d.category,
    dataset: d.dataset,
    definition: JSON.stringify(d),
    definition_hash: hash,
    origin,
    updated_at: db.fn.now(),
  };
  if (existing) await db('layer').where({ id: d.id }).update(row);
  else await db('layer').insert({ id: d.id, ...row });
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

export interface LayerRow {
  id: string;
  title: string;
  category: string;
  dataset: string | null;
  definition: LayerDefinition;
  definitionHash: string;
  origin: string;
  dataVersion: number;
  sourceHash: string | null;
  loadedAt: Date | null;
  featureCount: number;
  lastLoad: unknown;
}

const LAYER_COLUMNS = [
  'id',
  'title',
  'category',
  'dataset',
  'definition',
  'definition_hash as definitionHash',
  'origin',
  'data_version as dataVersion',
  'source_hash as sourceHash',
  'loaded_at as loadedAt',
  'feature_count as featureCount',
  'last_load as lastLoad',
];

export async function listLayers(db: Knex | Knex.Transaction, ids?: string[]): Promise<LayerRow[]> {
  const q = db('layer').orderBy(['category', 'id']).select(LAYER_COLUMNS);
  if (ids) q.whereIn('id', ids);
  return q;
}

export async function getLayer(db: Knex | Knex.Transaction, id: string): Promise<LayerRow> {
  const row = await db('layer').where({ id }).first(LAYER_COLUMNS);
  if (!row) throw new AppError('LAYER_NOT_FOUND', `There is no layer "${id}". GET /api/layers lists them.`, { id });
  return row;
}
