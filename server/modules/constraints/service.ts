/** The constraint check: ad hoc for a posted site, and stored on a case (site, layer versions, hit snapshots)
 *  so it can be shown exactly as it was, re-run to see what changed, and its hits confirmed or dismissed. */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { preparedStatement, runPrepared, sqlQuery, type PreparedStatement } from '../../db/queries.ts';
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
import {
  intakeSite,
  judgeIntake,
  prepareIntake,
  type IntakeOptions,
  type IntakeRow,
  type SiteIntake,
} from '../geometry/intake.ts';

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

/** The check statement (sql/queries/constraint_check.sql) as a named prepared statement: parsed once per
 *  connection, and after a few runs planned once (its CTEs are materialized so the generic plan is the good one). */
let checkStatement: PreparedStatement | undefined;
async function query(db: Knex | Knex.Transaction, siteEwkb: string, layerIds: string[] | null): Promise<CheckRow[]> {
  checkStatement ??= preparedStatement('redline_constraint_check', sqlQuery('constraint_check'));
  return runPrepared<CheckRow>(db, checkStatement, { site: siteEwkb, layerIds });
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

const areaOf = (db: Knex, siteEwkb: string) => async () =>
  (await db.raw<{ rows: Array<{ a: number }> }>(`SELECT ST_Area(ST_GeomFromEWKB(decode(?, 'hex'))) AS a`, [siteEwkb]))
    .rows[0]!.a;

/** Every layer in one statement (twice at most: once more if the layers changed while it ran); if that fails,
 *  each layer alone, so one broken layer is "unknown" and the others still answer. */
export async function runCheck(db: Knex, siteEwkb: string, layerIds?: string[]): Promise<ConstraintReport> {
  const ids = layerIds ? [...new Set(layerIds)] : null;
  for (let attempt = 0; attempt < 2; attempt++) {
    let rows: CheckRow[];
    try {
      rows = await query(db, siteEwkb, ids);
    } catch {
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
      rows.push(...(await query(db, siteEwkb, [l.id])));
    } catch (e) {
      failures.set(l.id, dbErrorMessage(e));
    }
  }
  // every row of the check carries the site's area (site_area_m2, the same ST_Area); asked for alone only without rows
  const area = rows.length ? rows[0]!.site_area_m2 : await areaOf(db, siteEwkb)();
  return buildReport(area, layers, rows, failures);
}

let checkSiteText: PreparedStatement | undefined;
/** sql/queries/constraint_check_site.sql with the intake and the check statements put in place. */
export function checkSiteStatement(): PreparedStatement {
  if (checkSiteText === undefined) {
    const statement = (name: string) => sqlQuery(name).trim().replace(/;$/, '');
    const check = statement('constraint_check');
    if (check.split(':site::text').length !== 2)
      throw new Error('sql/queries/constraint_check.sql must use :site exactly once, as :site::text');
    const text = sqlQuery('constraint_check_site');
    if (text.split('{{site_intake}}').length !== 2 || text.split('{{constraint_check}}').length !== 2)
      throw new Error('constraint_check_site.sql: one {{site_intake}} and one {{constraint_check}}');
    checkSiteText = preparedStatement(
      'redline_constraint_check_site',
      text
        .replace('{{site_intake}}', () => statement('site_intake'))
        .replace('{{constraint_check}}', () => check.replace(':site::text', () => '(SELECT site_ewkb FROM accepted)')),
    );
  }
  return checkSiteText;
}

type CheckSiteRow = CheckRow & { intake: IntakeRow | null; accepted: boolean };

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
): Promise<{ site: SiteIntake; report: ConstraintReport }> {
  const { shape, bindings } = prepareIntake(input, opts);
  const ids = layerIds ? [...new Set(layerIds)] : null;
  let rows: CheckSiteRow[];
  try {
    rows = await runPrepared<CheckSiteRow>(db, checkSiteStatement(), {
      ...bindings,
      crossBoundary: Boolean(opts.crossBoundary),
      layerIds: ids,
    });
  } catch {
    const site = await intakeSite(db, input, opts);
    return { site, report: await runCheck(db, site.ewkb, layerIds) };
  }
  const site = judgeIntake(shape, rows.find((r) => r.intake)!.intake!, opts);
  // the statement ran the check only on a site it judged accepted too (they agree; if ever not, check it now)
  if (!rows[0]!.accepted) return { site, report: await runCheck(db, site.ewkb, layerIds) };
  const checkRows = rows.filter((r) => r.layer_id !== null);
  const report =
    (await reportOfRows(db, checkRows, ids, areaOf(db, site.ewkb))) ?? (await runCheck(db, site.ewkb, layerIds));
  return { site, report };
}

export interface StoredCheckView {
  id: number;
  caseId: number;
  siteId: number | null;
  createdAt: Date;
  createdBy: string | null;
  previousId: number | null;
  layers: unknown;
  report: ConstraintReport;
  hits: Array<Record<string, unknown>>;
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
): Promise<number> {
  const layerVersions = report.layers.map((l) => ({
    id: l.layerId,
    dataVersion: l.dataVersion,
    definitionHash: l.definitionHash,
    loadedAt: l.loadedAt,
  }));
  const [row] = await trx('constraint_check')
    .insert({
      case_id: caseId,
      site_id: siteId,
      site_geom: trx.raw("ST_GeomFromEWKB(decode(?, 'hex'))", [siteEwkb]),
      site_area_m2: report.siteAreaM2,
      layers: JSON.stringify(layerVersions),
      result: JSON.stringify(report),
      query_sql: sqlQuery('constraint_check'),
      previous_id: previousId,
      created_by: actor.id,
    })
    .returning('id');
  const checkId = row.id as number;
  for (const l of report.layers) {
    for (const h of l.hits) {
      await trx.raw(
        `INSERT INTO constraint_hit (check_id, layer_id, data_version, feature_id, feature_key, source_ref, name, properties, feature_geom,
                                     relation, overlap_m2, overlap_pct, distance_m, fired, reason)
         SELECT ?, ?, ?, f.id, ?, f.source_ref, f.name, f.properties,
                ST_ClipByBox2D(f.geom, ST_Expand(ST_GeomFromEWKB(decode(?, 'hex')), 500)), ?, ?, ?, ?, ?, ?
         FROM constraint_feature f WHERE f.id = ?`,
        [
          checkId,
          l.layerId,
          l.dataVersion,
          h.reference ?? h.name ?? String(h.featureId),
          siteEwkb,
          h.relation,
          h.overlapM2,
          h.overlapPct,
          h.distanceM,
          h.fired,
          h.why,
          h.featureId,
        ],
      );
    }
  }
  await writeAudit(trx, {
    actor,
    action: previousId ? 'constraint-check.rerun' : 'constraint-check.create',
    entityType: 'constraint_check',
    entityId: checkId,
    requestId,
    after: { caseId, siteId, summary: report.summary, layers: layerVersions.length, previousId },
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
  const row = await db('constraint_check')
    .where({ id: checkId })
    .first('site_id', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb"));
  const ids = before.report.layers.map((l) => l.layerId);
  const existing = (await listLayers(db, ids)).map((l) => l.id);
  const report = await runCheck(db, row.ewkb, existing);
  const id = await db.transaction((trx) =>
    storeCheck(trx, caseId, row.site_id, row.ewkb, report, actor, checkId, requestId),
  );
  const after = await getStoredCheck(db, authorityId, caseId, id);
  return { check: after, changes: diffReports(before.report, after.report) };
}

export async function getStoredCheck(
  db: Knex,
  authorityId: number,
  caseId: number,
  checkId: number,
): Promise<StoredCheckView> {
  const row = await db('constraint_check as k')
    .join('case_record as c', 'c.id', 'k.case_id')
    .leftJoin('app_user as u', 'u.id', 'k.created_by')
    .where({ 'k.id': checkId, 'k.case_id': caseId, 'c.authority_id': authorityId })
    .first(
      'k.id',
      'k.case_id as caseId',
      'k.site_id as siteId',
      'k.created_at as createdAt',
      'u.username as createdBy',
      'k.previous_id as previousId',
      'k.layers',
      'k.result',
    );
  if (!row)
    throw new AppError('CHECK_NOT_FOUND', `Case ${caseId} has no constraint check ${checkId}.`, { caseId, checkId });
  const hits = await db('constraint_hit as h')
    .leftJoin('app_user as u', 'u.id', 'h.decided_by')
    .where('h.check_id', checkId)
    .orderBy('h.id')
    .select(
      'h.id',
      'h.layer_id as layerId',
      'h.data_version as dataVersion',
      'h.feature_key as featureKey',
      'h.source_ref as reference',
      'h.name',
      'h.properties',
      'h.relation',
      'h.overlap_m2 as overlapM2',
      'h.overlap_pct as overlapPct',
      'h.distance_m as distanceM',
      'h.fired',
      'h.reason',
      'h.decision',
      'h.decision_reason as decisionReason',
      'u.username as decidedBy',
      'h.decided_at as decidedAt',
      db.raw('ST_AsGeoJSON(ST_Transform(h.feature_geom, 4326), 7)::json AS geometry'),
    );
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
  };
}

export async function listStoredChecks(db: Knex, authorityId: number, caseId: number) {
  return db('constraint_check as k')
    .join('case_record as c', 'c.id', 'k.case_id')
    .leftJoin('app_user as u', 'u.id', 'k.created_by')
    .where({ 'k.case_id': caseId, 'c.authority_id': authorityId })
    .orderBy('k.id', 'desc')
    .select(
      'k.id',
      'k.site_id as siteId',
      'k.created_at as createdAt',
      'u.username as createdBy',
      'k.previous_id as previousId',
      db.raw("k.result->'summary' AS summary"),
    );
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
    const before = await trx('constraint_hit')
      .where({ id: hitId, check_id: checkId })
      .forUpdate()
      .first('decision', 'decision_reason', 'layer_id', 'feature_key');
    if (!before) throw new AppError('HIT_NOT_FOUND', `Check ${checkId} has no hit ${hitId}.`, { checkId, hitId });
    await trx('constraint_hit')
      .where({ id: hitId })
      .update({ decision, decision_reason: reason, decided_by: actor.id, decided_at: trx.fn.now() });
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
