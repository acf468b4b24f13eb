/** Constraint check storage and statements (knex and the pg driver). Only this file and sql/queries/*.sql know the
 *  layout of constraint_check and constraint_hit; the check itself is sql/queries/constraint_check.sql, and with the
 *  geometry intake sql/queries/constraint_check_site.sql, both run as named prepared statements (runPrepared).
 *  Case rows (case_record) are reached through server/modules/cases/repo.ts. */
import type { Knex } from 'knex';
import { preparedStatement, runPrepared, sqlQuery, type PreparedStatement } from '../../db/queries.ts';
import type { CheckRow, ConstraintReport } from '../../../shared/domain/constraints.ts';
import type { CheckedLayer, LayerState, SiteState } from '../../../shared/domain/check-staleness.ts';
import type { IntakeRow } from '../geometry/intake.ts';
import { authorityCaseIds, LOCATED_SITE_SQL } from '../cases/repo.ts';

type Q = Knex | Knex.Transaction;

/** The check statement (sql/queries/constraint_check.sql) as a named prepared statement: parsed once per
 *  connection, and after a few runs planned once (its CTEs are materialized so the generic plan is the good one). */
let checkStatement: PreparedStatement | undefined;
export async function runCheckStatement(db: Q, siteEwkb: string, layerIds: string[] | null): Promise<CheckRow[]> {
  checkStatement ??= preparedStatement('redline_constraint_check', sqlQuery('constraint_check'));
  return runPrepared<CheckRow>(db, checkStatement, { site: siteEwkb, layerIds });
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

/** A row of constraint_check_site.sql: a check row (layer_id null on the intake's own row), the intake row on one
 *  of them, and whether the statement accepted the site (and so ran the check). */
export type CheckSiteRow = CheckRow & { intake: IntakeRow | null; accepted: boolean };

/** The intake and the check in one statement (sql/queries/constraint_check_site.sql); `bindings` are the intake's
 *  (prepareIntake) with crossBoundary and layerIds. */
export async function runCheckSiteStatement(db: Q, bindings: Record<string, unknown>): Promise<CheckSiteRow[]> {
  return runPrepared<CheckSiteRow>(db, checkSiteStatement(), bindings);
}

/** Planar area in m² of a hex EWKB geometry (EPSG:27700). */
export async function areaM2(db: Q, siteEwkb: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ a: number }> }>(
    `SELECT ST_Area(ST_GeomFromEWKB(decode(?, 'hex'))) AS a`,
    [siteEwkb],
  );
  return rows[0]!.a;
}

export interface NewCheck {
  caseId: number;
  siteId: number | null;
  siteEwkb: string;
  report: ConstraintReport;
  layerVersions: unknown[];
  previousId: number | null;
  createdBy: number | null;
}

/** Stores a check (with the check statement's text as it ran) and returns its id. */
export async function insertCheck(trx: Knex.Transaction, c: NewCheck): Promise<number> {
  const [row] = await trx('constraint_check')
    .insert({
      case_id: c.caseId,
      site_id: c.siteId,
      site_geom: trx.raw("ST_GeomFromEWKB(decode(?, 'hex'))", [c.siteEwkb]),
      site_area_m2: c.report.siteAreaM2,
      layers: JSON.stringify(c.layerVersions),
      result: JSON.stringify(c.report),
      query_sql: sqlQuery('constraint_check'),
      previous_id: c.previousId,
      created_by: c.createdBy,
    })
    .returning('id');
  return row.id as number;
}

type Hit = ConstraintReport['layers'][number]['hits'][number];

/** Stores a hit with a snapshot of its feature: properties, and the geometry within 500 m of the site. */
export async function insertHitSnapshot(
  trx: Knex.Transaction,
  checkId: number,
  layer: ConstraintReport['layers'][number],
  h: Hit,
  siteEwkb: string,
): Promise<void> {
  await trx.raw(
    `INSERT INTO constraint_hit (check_id, layer_id, data_version, feature_id, feature_key, source_ref, name, properties, feature_geom,
                                 relation, overlap_m2, overlap_pct, distance_m, fired, reason)
     SELECT ?, ?, ?, f.id, ?, f.source_ref, f.name, f.properties,
            ST_ClipByBox2D(f.geom, ST_Expand(ST_GeomFromEWKB(decode(?, 'hex')), 500)), ?, ?, ?, ?, ?, ?
     FROM constraint_feature f WHERE f.id = ?`,
    [
      checkId,
      layer.layerId,
      layer.dataVersion,
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

/** The site a stored check was made on (hex EWKB) and its case_site id. */
export async function checkedSite(db: Q, checkId: number): Promise<{ site_id: number | null; ewkb: string }> {
  return db('constraint_check')
    .where({ id: checkId })
    .first('site_id', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb"));
}

export interface StoredCheckRow {
  id: number;
  caseId: number;
  siteId: number | null;
  createdAt: Date;
  createdBy: string | null;
  previousId: number | null;
  layers: unknown;
  result: ConstraintReport;
}

/** A stored check of a case of the authority, or undefined. */
export async function findCheck(
  db: Q,
  authorityId: number,
  caseId: number,
  checkId: number,
): Promise<StoredCheckRow | undefined> {
  return db('constraint_check as k')
    .leftJoin('app_user as u', 'u.id', 'k.created_by')
    .where({ 'k.id': checkId, 'k.case_id': caseId })
    .whereIn('k.case_id', authorityCaseIds(db, authorityId))
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
}

/** A stored check's hits as snapshotted, with their decisions; geometry as GeoJSON in CRS84. */
export async function listHits(db: Q, checkId: number): Promise<Array<Record<string, unknown>>> {
  return db('constraint_hit as h')
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
      'h.decision_from as decisionFrom',
      db.raw('ST_AsGeoJSON(ST_Transform(h.feature_geom, 4326), 7)::json AS geometry'),
    );
}

/** A case's stored checks, newest first, with their summaries. */
export async function listChecks(db: Q, authorityId: number, caseId: number) {
  return db('constraint_check as k')
    .leftJoin('app_user as u', 'u.id', 'k.created_by')
    .where('k.case_id', caseId)
    .whereIn('k.case_id', authorityCaseIds(db, authorityId))
    .orderBy('k.id', 'desc')
    .select(
      'k.id',
      'k.site_id as siteId',
      'k.created_at as createdAt',
      'u.username as createdBy',
      'k.previous_id as previousId',
      db.raw("k.result->'summary' AS summary"),
      'k.layers',
    );
}

/** The latest stored check of a case (id, result: the report as shown, created_at), or undefined. */
export async function latestCheck(
  db: Q,
  caseId: number,
): Promise<
  { id: number; result: ConstraintReport; created_at: Date; site_id: number | null; layers: CheckedLayer[] } | undefined
> {
  return db('constraint_check')
    .where({ case_id: caseId })
    .orderBy('id', 'desc')
    .first('id', 'result', 'created_at', 'site_id', 'layers');
}

export interface HitDecision {
  decision: string | null;
  decision_reason: string | null;
  layer_id: string;
  feature_key: string;
}

/** A hit of a check, locked for its decision to be changed; undefined when the check has no such hit. */
export async function hitForUpdate(
  trx: Knex.Transaction,
  checkId: number,
  hitId: number,
): Promise<HitDecision | undefined> {
  return trx('constraint_hit')
    .where({ id: hitId, check_id: checkId })
    .forUpdate()
    .first('decision', 'decision_reason', 'layer_id', 'feature_key');
}

export async function decideHitRow(
  trx: Knex.Transaction,
  hitId: number,
  decision: 'confirmed' | 'dismissed',
  reason: string,
  decidedBy: number | null,
): Promise<void> {
  await trx('constraint_hit').where({ id: hitId }).update({
    decision,
    decision_reason: reason,
    decided_by: decidedBy,
    decided_at: trx.fn.now(),
    decision_from: null,
  });
}

// ---------------------------------------------------------------- staleness, carried decisions, setting triggers

/** Every layer as it is now (retired and active), for telling whether a stored check is stale. */
export async function layerStates(db: Q): Promise<LayerState[]> {
  return db('layer').select(
    'id',
    'data_version as dataVersion',
    'definition_hash as definitionHash',
    'loaded_at as loadedAt',
    'retired_at as retiredAt',
    'created_at as createdAt',
  );
}

/** The case's current site (id, when it was set), or undefined when it has none. */
export async function currentSiteState(db: Q, caseId: number): Promise<SiteState | undefined> {
  return db('case_site').where({ case_id: caseId }).whereNull('superseded_at').first('id', 'set_at as setAt');
}

/** An enforcement case located at a point with no site polygon (issue 11 item 7b): when its location was set, and
 *  whether a check made on it (checkId, else not asked: null) was made on another point (its site is not the located
 *  site now). Undefined when the case has no location. */
export async function locationState(
  db: Q,
  caseId: number,
  checkId: number | null,
): Promise<{ setAt: Date; moved: boolean | null } | undefined> {
  const { rows } = await db.raw<{ rows: Array<{ setAt: Date; moved: boolean | null }> }>(
    `SELECT case_record.location_set_at AS "setAt",
            CASE WHEN k.id IS NULL THEN NULL ELSE NOT ST_Equals(k.site_geom, ${LOCATED_SITE_SQL}) END AS moved
       FROM case_record
       LEFT JOIN constraint_check k ON k.id = ? AND k.case_id = case_record.id
      WHERE case_record.id = ? AND case_record.location IS NOT NULL`,
    [checkId, caseId],
  );
  return rows[0];
}

/**
 * Copies the decisions of the previous check's hits to the new check's unchanged hits: the same layer, feature key,
 * properties, relation, overlap (m² and %), distance (m) and fired. Hits that share all of these are paired one to
 * one in id order. Returns the new hits that got a decision and the hit each came from.
 */
export async function carryDecisions(
  trx: Knex.Transaction,
  newCheckId: number,
  previousCheckId: number,
): Promise<Array<{ id: number; from: number; layerId: string; featureKey: string; decision: string }>> {
  const same = 'layer_id, feature_key, properties, relation, overlap_m2, overlap_pct, distance_m, fired';
  const { rows } = await trx.raw(
    `WITH o AS (
       SELECT id, ${same}, decision, decision_reason, decided_by, decided_at,
              row_number() OVER (PARTITION BY ${same} ORDER BY id) AS n
       FROM constraint_hit WHERE check_id = ?
     ), nw AS (
       SELECT id, ${same}, row_number() OVER (PARTITION BY ${same} ORDER BY id) AS n
       FROM constraint_hit WHERE check_id = ?
     )
     UPDATE constraint_hit h
     SET decision = o.decision, decision_reason = o.decision_reason, decided_by = o.decided_by,
         decided_at = o.decided_at, decision_from = o.id
     FROM nw JOIN o USING (${same}, n)
     WHERE h.id = nw.id AND o.decision IS NOT NULL
     RETURNING h.id, o.id AS "from", h.layer_id AS "layerId", h.feature_key AS "featureKey", h.decision`,
    [previousCheckId, newCheckId],
  );
  return rows;
}

/** The decisions on a check's hits, by the feature they were made on (layer id and feature id as checked). */
export async function hitDecisions(
  db: Q,
  checkId: number,
): Promise<
  Array<{ layerId: string; featureId: number | null; featureKey: string; decision: string; reason: string | null }>
> {
  return db('constraint_hit')
    .where({ check_id: checkId })
    .whereNotNull('decision')
    .orderBy('id')
    .select(
      'layer_id as layerId',
      'feature_id as featureId',
      'feature_key as featureKey',
      'decision',
      'decision_reason as reason',
    );
}

export interface SettingTriggerRow {
  id: number;
  checkId: number;
  trigger: 'listed-building-setting' | 'conservation-area';
  layerId: string | null;
  reference: string | null;
  description: string;
  grade: 'I' | 'II*' | 'II' | null;
  reason: string;
  copiedFrom: number | null;
  createdBy: string | null;
  createdAt: Date;
}

/** A check's officer-added setting triggers, oldest first. */
export async function listSettingTriggers(db: Q, checkId: number): Promise<SettingTriggerRow[]> {
  return db('constraint_setting_trigger as s')
    .leftJoin('app_user as u', 'u.id', 's.created_by')
    .where('s.check_id', checkId)
    .orderBy('s.id')
    .select(
      's.id',
      's.check_id as checkId',
      's.trigger',
      's.layer_id as layerId',
      's.reference',
      's.description',
      's.grade',
      's.reason',
      's.copied_from as copiedFrom',
      'u.username as createdBy',
      's.created_at as createdAt',
    );
}

export async function insertSettingTrigger(
  trx: Knex.Transaction,
  t: {
    checkId: number;
    trigger: SettingTriggerRow['trigger'];
    layerId: string | null;
    reference: string | null;
    description: string;
    grade: SettingTriggerRow['grade'];
    reason: string;
    createdBy: number | null;
  },
): Promise<number> {
  const [row] = await trx('constraint_setting_trigger')
    .insert({
      check_id: t.checkId,
      trigger: t.trigger,
      layer_id: t.layerId,
      reference: t.reference,
      description: t.description,
      grade: t.grade,
      reason: t.reason,
      created_by: t.createdBy,
    })
    .returning('id');
  return row.id as number;
}

/** Copies the previous check's setting triggers to the new check (a re-run); returns how many. */
export async function copySettingTriggers(
  trx: Knex.Transaction,
  newCheckId: number,
  previousCheckId: number,
): Promise<number> {
  const { rowCount } = await trx.raw(
    `INSERT INTO constraint_setting_trigger (check_id, trigger, layer_id, reference, description, grade, reason, copied_from, created_by, created_at)
     SELECT ?, trigger, layer_id, reference, description, grade, reason, id, created_by, created_at
     FROM constraint_setting_trigger WHERE check_id = ? ORDER BY id`,
    [newCheckId, previousCheckId],
  );
  return rowCount ?? 0;
}
