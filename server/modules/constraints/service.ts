/** The constraint check: ad hoc for a posted site, and stored on a case (site, layer versions, hit snapshots)
 *  so it can be shown exactly as it was, re-run to see what changed, and its hits confirmed or dismissed. */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors.ts';
import { createLogger } from '../../logger.ts';
import {
  buildReport,
  diffReports,
  type CheckRow,
  type ConstraintReport,
  type LayerInfo,
} from '../../../shared/domain/constraints.ts';
import { listLayers, type LayerRow } from '../layers/definitions.ts';
import { cachedLayers, reloadLayers } from '../layers/cache.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { currentSiteForWork } from '../cases/repo.ts';
import { intakeSite, judgeIntake, prepareIntake, type IntakeOptions, type SiteIntake } from '../geometry/intake.ts';
import * as repo from './repo.ts';
import {
  layerChangesSince,
  stalenessOf,
  type CheckedLayer,
  type Staleness,
} from '../../../shared/domain/check-staleness.ts';

// the statement that runs the intake and the check together, for the benchmarks (tests/bench/constraints.ts)
export { checkSiteStatement } from './repo.ts';

/** Where a check's problems that do not stop it are logged: the fallbacks when a statement fails. */
export type CheckLog = Pick<Logger, 'warn'>;
let fallbackLog: CheckLog | undefined;
/** The log used when the caller passes none (made on first use: only a failure needs it). */
const defaultLog = (): CheckLog => (fallbackLog ??= createLogger(process.env.LOG_LEVEL ?? 'warn'));

// a LayerRow is a LayerInfo (its lastLoad typed loosely): no copy needed
const asInfos = (rows: LayerRow[]): LayerInfo[] => rows as unknown as LayerInfo[];

function missingLayers(ids: string[]): AppError {
  return new AppError(
    'LAYER_NOT_FOUND',
    `There is no layer ${ids.map((m) => `"${m}"`).join(', ')}. GET /api/layers lists them.`,
    { missing: ids },
  );
}

async function layersFor(db: Knex | Knex.Transaction, ids?: string[]): Promise<LayerInfo[]> {
  const rows = await listLayers(db, ids);
  if (ids) {
    const missing = ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw missingLayers(missing);
  }
  return asInfos(rows);
}

/** The database's own words for a failed query: knex puts the (multi-line) statement in front of them. */
function dbErrorMessage(e: unknown): string {
  const message = String((e as Error)?.message ?? e);
  const sqlState = (e as { code?: unknown })?.code;
  const i = message.lastIndexOf(' - ');
  const own = typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) && i >= 0 ? message.slice(i + 3) : message;
  return own.split('\n')[0]!.slice(0, 300);
}

/**
 * The layers the check rows answer, from the layer cache (server/modules/layers/cache.ts), in listLayers order
 * (category, id); `ids` null means every layer. 'stale' when the rows show the cache is out of date: a layer
 * whose data_version or definition_hash differs, one the statement answered that the cache lacks, or a cached one
 * it did not answer. A named layer that neither knows is LAYER_NOT_FOUND.
 */
const layersById = new WeakMap<LayerRow[], Map<string, LayerRow>>();
function layersOfRows(all: LayerRow[], ids: string[] | null, rows: CheckRow[]): LayerInfo[] | 'stale' {
  const answered = new Map<string, CheckRow>();
  for (const r of rows) if (!answered.has(r.layer_id)) answered.set(r.layer_id, r);
  let byId = layersById.get(all);
  if (!byId) layersById.set(all, (byId = new Map(all.map((l) => [l.id, l]))));
  for (const id of answered.keys()) if (!byId.has(id)) return 'stale';
  const wanted = ids ? new Set(ids) : null;
  const layers = wanted ? all.filter((l) => wanted.has(l.id)) : all;
  for (const l of layers) {
    const r = answered.get(l.id);
    if (!r || r.data_version !== l.dataVersion || r.definition_hash !== l.definitionHash) return 'stale';
  }
  if (ids) {
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw missingLayers(missing);
  }
  return asInfos(layers);
}

/** buildReport over check rows with the cached layer definitions, reloaded when the rows show they are out of
 *  date; null when they changed again between the statement and the reload (the caller runs the check again). */
async function reportOfRows(
  db: Knex,
  rows: CheckRow[],
  ids: string[] | null,
  siteArea: () => Promise<number>,
): Promise<ConstraintReport | null> {
  for (const all of [() => cachedLayers(db), () => reloadLayers(db)]) {
    const layers = layersOfRows(await all(), ids, rows);
    if (layers === 'stale') continue;
    return buildReport(rows.length ? rows[0]!.site_area_m2 : await siteArea(), layers, rows);
  }
  return null;
}

const areaOf = (db: Knex, siteEwkb: string) => () => repo.areaM2(db, siteEwkb);

/** What is logged when a statement fails and the check falls back: the database's own words (never the site). */
const failure = (e: unknown) => ({ code: (e as { code?: unknown })?.code, message: dbErrorMessage(e) });

/** Every layer in one statement (twice at most: once more if the layers changed while it ran); if that fails,
 *  each layer alone, so one broken layer is "unknown" and the others still answer. */
export async function runCheck(
  db: Knex,
  siteEwkb: string,
  layerIds?: string[],
  log?: CheckLog,
): Promise<ConstraintReport> {
  const ids = layerIds ? [...new Set(layerIds)] : null;
  for (let attempt = 0; attempt < 2; attempt++) {
    let rows: CheckRow[];
    try {
      rows = await repo.runCheckStatement(db, siteEwkb, ids);
    } catch (e) {
      // handled: the layer-by-layer fallback below finds the layer that fails and reports it as "unknown" (with
      // the database's words); the one-statement failure itself is logged, as it costs a round trip per layer
      (log ?? defaultLog()).warn(
        { err: failure(e) },
        'constraint check: the one-statement check failed; checking layer by layer',
      );
      break;
    }
    const report = await reportOfRows(db, rows, ids, areaOf(db, siteEwkb));
    if (report) return report;
  }
  return checkLayerByLayer(db, siteEwkb, ids);
}

/** The fallback: fresh definitions, then one statement per layer; a layer whose statement fails is "unknown". */
async function checkLayerByLayer(db: Knex, siteEwkb: string, ids: string[] | null): Promise<ConstraintReport> {
  const layers = await layersFor(db, ids ?? undefined);
  const failures = new Map<string, string>();
  const rows: CheckRow[] = [];
  for (const l of layers) {
    try {
      rows.push(...(await repo.runCheckStatement(db, siteEwkb, [l.id])));
    } catch (e) {
      failures.set(l.id, dbErrorMessage(e));
    }
  }
  // every row of the check carries the site's area (site_area_m2, the same ST_Area); asked for alone only without rows
  const area = rows.length ? rows[0]!.site_area_m2 : await areaOf(db, siteEwkb)();
  return buildReport(area, layers, rows, failures);
}

/**
 * POST /api/constraints/check: the posted site through the geometry intake (the same refusals as every other
 * endpoint) and the check, in one round trip (sql/queries/constraint_check_site.sql). If that statement fails
 * (a broken layer, say), the intake and the check run on their own as before, the check layer by layer.
 */
export async function checkPostedSite(
  db: Knex,
  input: unknown,
  opts: IntakeOptions,
  layerIds?: string[],
  log?: CheckLog,
): Promise<{ site: SiteIntake; report: ConstraintReport }> {
  const { shape, bindings } = prepareIntake(input, opts);
  const ids = layerIds ? [...new Set(layerIds)] : null;
  let rows: repo.CheckSiteRow[];
  try {
    rows = await repo.runCheckSiteStatement(db, {
      ...bindings,
      crossBoundary: Boolean(opts.crossBoundary),
      layerIds: ids,
    });
  } catch (e) {
    // handled: the intake and the check run on their own instead (README, Decisions: one round trip), so a broken
    // layer is answered "unknown" and a refused site gets the intake's own error; the failure is logged
    (log ?? defaultLog()).warn(
      { err: failure(e) },
      'constraint check: the intake-and-check statement failed; running them apart',
    );
    const site = await intakeSite(db, input, opts);
    return { site, report: await runCheck(db, site.ewkb, layerIds, log) };
  }
  const site = judgeIntake(shape, rows.find((r) => r.intake)!.intake!, opts);
  // the statement ran the check only on a site it judged accepted too (they agree; if ever not, check it now)
  if (!rows[0]!.accepted) return { site, report: await runCheck(db, site.ewkb, layerIds, log) };
  const checkRows = rows.filter((r) => r.layer_id !== null);
  const report =
    (await reportOfRows(db, checkRows, ids, areaOf(db, site.ewkb))) ?? (await runCheck(db, site.ewkb, layerIds, log));
  return { site, report };
}

/** A stored check as shown: the stored row with its report, its hits, the setting triggers officers added, and
 *  whether it is stale (made before the current site boundary or a layer's data; see shared/domain/check-staleness.ts). */
export interface StoredCheckView extends Omit<repo.StoredCheckRow, 'result'>, Staleness {
  report: ConstraintReport;
  hits: Array<Record<string, unknown>>;
  settingTriggers: repo.SettingTriggerRow[];
}

/** Whether the check is stale, and why (site boundary replaced, or the point of a case located at one moved; a
 *  layer reloaded, redefined, retired, removed or added since). */
export async function checkStaleness(
  db: Knex | Knex.Transaction,
  caseId: number,
  check: { id?: number; siteId: number | null; createdAt: Date | string; layers: unknown },
  states?: Awaited<ReturnType<typeof repo.layerStates>>,
  site?: Awaited<ReturnType<typeof repo.currentSiteState>> | null,
): Promise<Staleness> {
  const s = site === undefined ? await repo.currentSiteState(db, caseId) : site;
  const out = stalenessOf(
    { siteId: check.siteId, createdAt: check.createdAt, layers: (check.layers ?? []) as CheckedLayer[] },
    s ?? null,
    states ?? (await repo.layerStates(db)),
  );
  if (check.siteId !== null || s) return out;
  // made on the case's point (no site polygon then or now): stale when the point has moved since
  const loc = await repo.locationState(db, caseId, check.id ?? null);
  const moved = loc && (loc.moved ?? new Date(loc.setAt).getTime() > new Date(check.createdAt).getTime());
  if (!loc || !moved) return out;
  const setAt = new Date(loc.setAt).toISOString();
  return {
    stale: true,
    staleBecause: [
      {
        reason: 'site-replaced',
        message: `The case's location was moved on ${setAt.slice(0, 10)} (${setAt}), after this check: it answers for the old point. Run a new check on the current location.`,
      },
      ...out.staleBecause,
    ],
  };
}

async function storeCheck(
  trx: Knex.Transaction,
  caseId: number,
  siteId: number | null,
  siteEwkb: string,
  report: ConstraintReport,
  actor: Actor,
  previousId: number | null,
  requestId?: string,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const layerVersions = report.layers.map((l) => ({
    id: l.layerId,
    dataVersion: l.dataVersion,
    definitionHash: l.definitionHash,
    loadedAt: l.loadedAt,
  }));
  const checkId = await repo.insertCheck(trx, {
    caseId,
    siteId,
    siteEwkb,
    report,
    layerVersions,
    previousId,
    createdBy: actor.id,
  });
  for (const l of report.layers) {
    for (const h of l.hits) await repo.insertHitSnapshot(trx, checkId, l, h, siteEwkb);
  }
  await writeAudit(trx, {
    actor,
    action: previousId ? 'constraint-check.rerun' : 'constraint-check.create',
    entityType: 'constraint_check',
    entityId: checkId,
    requestId,
    after: { caseId, siteId, summary: report.summary, layers: layerVersions.length, previousId, ...extra },
  });
  return checkId;
}

export async function createStoredCheck(
  db: Knex,
  authorityId: number,
  caseId: number,
  actor: Actor,
  layerIds?: string[],
  requestId?: string,
) {
  const site = await currentSiteForWork(db, authorityId, caseId, 'checking constraints');
  const report = await runCheck(db, site.ewkb, layerIds);
  const id = await db.transaction((trx) => storeCheck(trx, caseId, site.id, site.ewkb, report, actor, null, requestId));
  return getStoredCheck(db, authorityId, caseId, id);
}

export async function rerunStoredCheck(
  db: Knex,
  authorityId: number,
  caseId: number,
  checkId: number,
  actor: Actor,
  requestId?: string,
) {
  const before = await getStoredCheck(db, authorityId, caseId, checkId);
  const row = await repo.checkedSite(db, checkId);
  // the layers that exist now: those the check answered that are still active, and those added since
  const checked = before.report.layers.map((l) => ({ id: l.layerId, dataVersion: l.dataVersion }));
  const layerChanges = layerChangesSince(checked, before.createdAt, await repo.layerStates(db));
  const ids = [...layerChanges.kept, ...layerChanges.added];
  const report = await runCheck(db, row.ewkb, ids);
  const { id, carried, triggers } = await db.transaction(async (trx) => {
    const newId = await storeCheck(trx, caseId, row.site_id, row.ewkb, report, actor, checkId, requestId, {
      layerChanges,
    });
    const carriedDecisions = await repo.carryDecisions(trx, newId, checkId);
    const copied = await repo.copySettingTriggers(trx, newId, checkId);
    if (carriedDecisions.length || copied)
      await writeAudit(trx, {
        actor,
        action: 'constraint-check.carry-decisions',
        entityType: 'constraint_check',
        entityId: newId,
        requestId,
        after: { previousId: checkId, decisions: carriedDecisions, settingTriggers: copied },
      });
    return { id: newId, carried: carriedDecisions, triggers: copied };
  });
  const after = await getStoredCheck(db, authorityId, caseId, id);
  return {
    check: after,
    changes: diffReports(before.report, after.report),
    layerChanges: { added: layerChanges.added, retired: layerChanges.retired, removed: layerChanges.removed },
    carriedDecisions: carried,
    carriedSettingTriggers: triggers,
  };
}

export async function getStoredCheck(
  db: Knex,
  authorityId: number,
  caseId: number,
  checkId: number,
): Promise<StoredCheckView> {
  const row = await repo.findCheck(db, authorityId, caseId, checkId);
  if (!row)
    throw new AppError('CHECK_NOT_FOUND', `Case ${caseId} has no constraint check ${checkId}.`, { caseId, checkId });
  const hits = await repo.listHits(db, checkId);
  const staleness = await checkStaleness(db, caseId, row);
  const settingTriggers = await repo.listSettingTriggers(db, checkId);
  return {
    id: row.id,
    caseId: row.caseId,
    siteId: row.siteId,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    previousId: row.previousId,
    layers: row.layers,
    report: row.result,
    hits,
    settingTriggers,
    ...staleness,
  };
}

export async function listStoredChecks(db: Knex, authorityId: number, caseId: number) {
  const rows = await repo.listChecks(db, authorityId, caseId);
  if (!rows.length) return rows;
  const [states, site] = [await repo.layerStates(db), (await repo.currentSiteState(db, caseId)) ?? null];
  const out = [];
  for (const { layers, ...r } of rows)
    out.push({ ...r, ...(await checkStaleness(db, caseId, { ...r, layers }, states, site)) });
  return out;
}

export async function decideHit(
  db: Knex,
  authorityId: number,
  caseId: number,
  checkId: number,
  hitId: number,
  decision: 'confirmed' | 'dismissed',
  reason: string,
  actor: Actor,
  requestId?: string,
) {
  await getStoredCheck(db, authorityId, caseId, checkId);
  return db.transaction(async (trx) => {
    const before = await repo.hitForUpdate(trx, checkId, hitId);
    if (!before) throw new AppError('HIT_NOT_FOUND', `Check ${checkId} has no hit ${hitId}.`, { checkId, hitId });
    await repo.decideHitRow(trx, hitId, decision, reason, actor.id);
    await writeAudit(trx, {
      actor,
      action: 'constraint-hit.decide',
      entityType: 'constraint_hit',
      entityId: hitId,
      requestId,
      before: { decision: before.decision, reason: before.decision_reason },
      after: { decision, reason, layerId: before.layer_id, feature: before.feature_key, checkId },
    });
    return { id: hitId, decision, reason };
  });
}

export interface SettingTriggerInput {
  trigger: 'listed-building-setting' | 'conservation-area';
  description: string;
  reason: string;
  layerId?: string;
  reference?: string;
  grade?: 'I' | 'II*' | 'II';
}

/**
 * Adds a reg 5A setting trigger to a stored check, with the reason (audited): an officer's judgement that the
 * development affects the setting of a listed building, or a conservation area, beyond the layer's screening
 * distance. The case's publicity then treats it as a trigger (while the check is the latest); a re-run copies it.
 */
export async function addSettingTrigger(
  db: Knex,
  authorityId: number,
  caseId: number,
  checkId: number,
  input: SettingTriggerInput,
  actor: Actor,
  requestId?: string,
): Promise<repo.SettingTriggerRow> {
  await getStoredCheck(db, authorityId, caseId, checkId);
  if (input.grade !== undefined && input.trigger !== 'listed-building-setting')
    throw new AppError('VALIDATION_FAILED', 'body.grade: only a listed building setting trigger has a grade', {
      issues: [{ path: 'body.grade', message: 'only for trigger "listed-building-setting"' }],
    });
  if (input.layerId !== undefined) {
    const [layer] = await listLayers(db, [input.layerId], { includeRetired: true });
    if (!layer) throw missingLayers([input.layerId]);
    if (layer.definition.publicity !== input.trigger)
      throw new AppError(
        'VALIDATION_FAILED',
        `body.layerId: layer "${input.layerId}" triggers ${layer.definition.publicity ? `"${layer.definition.publicity}"` : 'no publicity'}, not "${input.trigger}"`,
        { issues: [{ path: 'body.layerId', message: `does not trigger "${input.trigger}"` }] },
      );
  }
  return db.transaction(async (trx) => {
    const id = await repo.insertSettingTrigger(trx, {
      checkId,
      trigger: input.trigger,
      layerId: input.layerId ?? null,
      reference: input.reference ?? null,
      description: input.description,
      grade: input.grade ?? null,
      reason: input.reason,
      createdBy: actor.id,
    });
    const row = (await repo.listSettingTriggers(trx, checkId)).find((t) => t.id === id)!;
    await writeAudit(trx, {
      actor,
      action: 'constraint-check.setting-trigger.add',
      entityType: 'constraint_check',
      entityId: checkId,
      requestId,
      after: { caseId, ...row },
    });
    return row;
  });
}
