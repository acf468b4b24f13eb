/**
 * A layer's end of life. Retire: the layer and its features stay (stored checks and maps that used it still show
 * it), new checks do not answer it (sql/queries/constraint_check.sql), it is listed as retired and can no longer be
 * loaded. Delete: a local layer that no stored check uses goes with its features and pieces. Both audited.
 */
import type { Knex } from 'knex';
import { checkVersion, type IfMatch } from '../../http/if-match.ts';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { invalidateLayerCache } from './cache.ts';
import { checksUsingLayer, deleteLayerRows, findLayer, markRetired, type LayerRow } from './repo.ts';

async function lockedLayer(trx: Knex.Transaction, id: string): Promise<LayerRow> {
  const row = await findLayer(trx, id, true);
  if (!row) throw new AppError('LAYER_NOT_FOUND', `There is no layer "${id}". GET /api/layers lists them.`, { id });
  return row;
}

/** Drops the cached layer definitions now and once the transaction is over (./cache.ts). */
function dropCache(trx: Knex.Transaction): void {
  invalidateLayerCache();
  void trx.executionPromise.then(invalidateLayerCache, invalidateLayerCache);
}

export async function retireLayer(
  db: Knex,
  id: string,
  actor: Actor,
  reason: string | null,
  requestId?: string,
): Promise<LayerRow> {
  return db.transaction(async (trx) => {
    const layer = await lockedLayer(trx, id);
    if (layer.retiredAt)
      throw new AppError('LAYER_RETIRED', `Layer "${id}" was already retired on ${layer.retiredAt.toISOString()}.`, {
        id,
        retiredAt: layer.retiredAt,
      });
    await markRetired(trx, id, reason);
    dropCache(trx);
    await writeAudit(trx, {
      actor,
      action: 'layer.retire',
      entityType: 'layer',
      entityId: id,
      before: { retiredAt: null },
      after: { retired: true, reason },
      requestId,
    });
    return (await findLayer(trx, id))!;
  });
}

export async function deleteLayer(
  db: Knex,
  id: string,
  actor: Actor,
  requestId?: string,
  ifMatch: IfMatch = '*',
): Promise<void> {
  await db.transaction(async (trx) => {
    const layer = await lockedLayer(trx, id);
    // the API sends the definition version it read (If-Match); the CLI deletes whatever is there
    checkVersion(`layer "${id}"`, layer.definitionVersion, ifMatch);
    if (layer.origin !== 'local')
      throw new AppError(
        'LAYER_NOT_LOCAL',
        `Layer "${id}" is a built-in layer (layers/definitions/${id}.json) and cannot be deleted; retire it instead (POST /api/layers/${id}/retire).`,
        { id, origin: layer.origin },
      );
    const usage = await checksUsingLayer(trx, id);
    if (usage.total > 0) {
      const list = usage.checks.map((c) => `check ${c.checkId} on case ${c.caseId}`).join(', ');
      throw new AppError(
        'LAYER_IN_USE',
        `Layer "${id}" is used by ${usage.total} stored constraint check${usage.total === 1 ? '' : 's'} (${list}${usage.total > usage.checks.length ? ', …' : ''}), so it cannot be deleted; retire it instead (POST /api/layers/${id}/retire).`,
        { id, checks: usage.checks, total: usage.total },
      );
    }
    await deleteLayerRows(trx, id);
    dropCache(trx);
    await writeAudit(trx, {
      actor,
      action: 'layer.delete',
      entityType: 'layer',
      entityId: id,
      before: {
        definition: layer.definition,
        dataVersion: layer.dataVersion,
        featureCount: layer.featureCount,
        sourceHash: layer.sourceHash,
        retiredAt: layer.retiredAt,
      },
      after: null,
      requestId,
    });
  });
}
