/** Neighbour notification storage and statements (knex and the pg driver): the selection
 *  (sql/queries/neighbour_selection.sql), outlines with no address, notification runs and their recipients, and the
 *  address data version. Case rows (case_record) are reached through server/modules/cases/repo.ts. */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { sqlQuery } from '../../db/queries.ts';
import { authorityCaseIds } from '../cases/repo.ts';

type Q = Knex | Knex.Transaction;

export type Mode = 'adjoining' | 'radius' | 'polygon' | 'manual' | 'sameBuilding';

/** A row of sql/queries/neighbour_selection.sql: the data versions (first), or one reason an address was chosen. */
export interface SelectionRow {
  uprn: number | null;
  parent_uprn: number | null;
  address_lines: string[];
  postcode: string | null;
  classification: string | null;
  x: number;
  y: number;
  distance_m: number;
  mode: Exclude<Mode, 'sameBuilding'> | 'same-building' | 'same-building-as-site';
  property_id: number | null;
  reason_distance_m: number | null;
  /** For a point inside or on the red line or a same-building-as-site row on a site outline (an outline the site is
   *  on with several addresses): 'named' (it holds one of the case's UPRNs), 'unnamed' (every address of it is
   *  inside or on the red line and none is the case's), 'partial'; otherwise null. */
  site_outline: 'named' | 'unnamed' | 'partial' | null;
  address_version: number | null;
  property_version: number | null;
}

/** A recipient as stored (recipient table) and read back. */
export interface RecipientRow {
  number: number;
  uprn: number;
  parentUprn: number | null;
  addressLines: string[];
  postcode: string | null;
  distanceM: number;
  reasons: Array<{ mode: string; detail: string; distanceM: number }>;
  /** EPSG:27700 */
  x: number;
  y: number;
}

/** The loaded address points' data version (reference_dataset 'address'), or null when none are loaded. */
export async function addressDataVersion(db: Q): Promise<number | null> {
  const loaded = await db('reference_dataset').where({ id: 'address' }).first('data_version');
  return loaded?.data_version ?? null;
}

/** A reference dataset's state (its data version is its ETag). */
export async function datasetState(db: Q, id: 'address' | 'property') {
  const r = await db('reference_dataset')
    .where({ id })
    .first('data_version', 'source_hash', 'loaded_at', 'feature_count');
  return {
    dataVersion: Number(r?.data_version ?? 0),
    sourceHash: (r?.source_hash as string | null) ?? null,
    loadedAt: (r?.loaded_at as Date | null) ?? null,
    featureCount: Number(r?.feature_count ?? 0),
  };
}

/** The statement with only the blocks of the modes asked for (see the header of neighbour_selection.sql). */
const MODE_BLOCK = /\/\*(adjoining|radius|polygon|manual|sameBuilding)\*\/([\s\S]*?)\/\*end \1\*\//g;
const statements = new Map<string, string>();
function selectionSql(modes: Mode[]): string {
  const key = modes.join(',');
  let sql = statements.get(key);
  if (sql === undefined) {
    sql = sqlQuery('neighbour_selection').replace(MODE_BLOCK, (_block, mode: Mode, body: string) =>
      modes.includes(mode) ? body : '',
    );
    statements.set(key, sql);
  }
  return sql;
}

/**
 * Runs the selection for `modes` (sql/queries/neighbour_selection.sql, with the blocks of the other modes left out)
 * as a named prepared statement on a connection of the pool (outside a transaction): PostgreSQL then parses and
 * plans it once per connection and mode combination, not on every call. (The plan does not depend on the site: the
 * red line is a materialised CTE, so the same plan serves every site and radius.)
 */
export async function runSelection(
  db: Knex,
  modes: Mode[],
  bindings: Record<string, unknown>,
): Promise<SelectionRow[]> {
  const sql = selectionSql(modes);
  if (db.isTransaction) return (await db.raw<{ rows: SelectionRow[] }>(sql, bindings)).rows;
  const native = db.raw(sql, bindings).toSQL().toNative();
  const name = `redline_neighbours_${crypto.createHash('sha1').update(native.sql).digest('hex').slice(0, 16)}`;
  const conn = await db.client.acquireConnection();
  try {
    return (await conn.query({ name, text: native.sql, values: native.bindings })).rows as SelectionRow[];
  } finally {
    await db.client.releaseConnection(conn);
  }
}

export interface UnaddressedOutline {
  propertyId: number;
  reference: string;
  name: string | null;
  distanceM: number;
}

/** Property outlines within `toleranceM` of the red line (not the site's own) with no address point in them. */
export async function unaddressedOutlines(db: Q, siteEwkb: string, toleranceM: number): Promise<UnaddressedOutline[]> {
  return (
    await db.raw(
      `SELECT p.id AS "propertyId", p.source_ref AS reference, p.name, round(ST_Distance(p.geom, s.g)::numeric, 2)::float8 AS "distanceM"
         FROM property p, (SELECT ST_GeomFromEWKB(decode(?, 'hex')) AS g) s
         WHERE ST_DWithin(p.geom, s.g, ?) AND NOT ST_Intersects(p.geom, ST_PointOnSurface(s.g))
           AND NOT EXISTS (SELECT 1 FROM address a WHERE ST_Intersects(p.geom, a.geom))
         ORDER BY 4, p.id`,
      [siteEwkb, toleranceM],
    )
  ).rows as UnaddressedOutline[];
}

/** The id of a case's latest notification run, if it has one. */
export async function latestRunId(db: Q, caseId: number): Promise<number | null> {
  const previous = await db('notification_run').where({ case_id: caseId }).orderBy('id', 'desc').first('id');
  return previous?.id ?? null;
}

export interface NewRun {
  caseId: number;
  /** null for an enforcement case located at a point (no case_site) */
  siteId: number | null;
  siteEwkb: string;
  params: unknown;
  addressVersion: number;
  propertyVersion: number;
  recipientCount: number;
  unaddressed: unknown;
  previousId: number | null;
  createdBy: number | null;
}

/** Stores a run (without its recipients) and returns its id. */
export async function insertRun(trx: Knex.Transaction, r: NewRun): Promise<number> {
  const [row] = await trx('notification_run')
    .insert({
      case_id: r.caseId,
      site_id: r.siteId,
      site_geom: trx.raw("ST_GeomFromEWKB(decode(?, 'hex'))", [r.siteEwkb]),
      params: JSON.stringify(r.params),
      address_version: r.addressVersion,
      property_version: r.propertyVersion,
      recipient_count: r.recipientCount,
      unaddressed: JSON.stringify(r.unaddressed),
      previous_id: r.previousId,
      created_by: r.createdBy,
    })
    .returning('id');
  return row.id as number;
}

/** Stores a run's recipients, 1000 rows a statement. */
export async function insertRecipients(trx: Knex.Transaction, runId: number, recipients: RecipientRow[]) {
  for (let i = 0; i < recipients.length; i += 1000) {
    await trx('recipient').insert(
      recipients.slice(i, i + 1000).map((r) => ({
        run_id: runId,
        number: r.number,
        uprn: r.uprn,
        parent_uprn: r.parentUprn,
        address_lines: r.addressLines,
        postcode: r.postcode,
        reasons: JSON.stringify(r.reasons),
        distance_m: r.distanceM,
        geom: trx.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [r.x, r.y]),
      })),
    );
  }
}

export interface RunRow {
  id: number;
  caseId: number;
  siteId: number | null;
  params: unknown;
  addressVersion: number;
  propertyVersion: number;
  recipientCount: number;
  unaddressed: unknown;
  previousId: number | null;
  createdBy: string | null;
  createdAt: Date;
}

/** A notification run of a case of the authority, or undefined. */
export async function findRun(db: Q, authorityId: number, caseId: number, runId: number): Promise<RunRow | undefined> {
  return db('notification_run as r')
    .leftJoin('app_user as u', 'u.id', 'r.created_by')
    .where({ 'r.id': runId, 'r.case_id': caseId })
    .whereIn('r.case_id', authorityCaseIds(db, authorityId))
    .first(
      'r.id',
      'r.case_id as caseId',
      'r.site_id as siteId',
      'r.params',
      'r.address_version as addressVersion',
      'r.property_version as propertyVersion',
      'r.recipient_count as recipientCount',
      'r.unaddressed',
      'r.previous_id as previousId',
      'u.username as createdBy',
      'r.created_at as createdAt',
    );
}

/** A run's recipients in number order, with their points (EPSG:27700). */
export async function listRecipients(db: Q, runId: number): Promise<RecipientRow[]> {
  return db('recipient')
    .where({ run_id: runId })
    .orderBy('number')
    .select(
      'number',
      'uprn',
      'parent_uprn as parentUprn',
      'address_lines as addressLines',
      'postcode',
      'distance_m as distanceM',
      'reasons',
      db.raw('ST_X(geom) AS x'),
      db.raw('ST_Y(geom) AS y'),
    );
}

/** A case's notification runs, newest first. */
export async function listRuns(db: Q, authorityId: number, caseId: number) {
  return db('notification_run as r')
    .leftJoin('app_user as u', 'u.id', 'r.created_by')
    .where('r.case_id', caseId)
    .whereIn('r.case_id', authorityCaseIds(db, authorityId))
    .orderBy('r.id', 'desc')
    .select(
      'r.id',
      'r.recipient_count as recipientCount',
      'r.previous_id as previousId',
      'u.username as createdBy',
      'r.created_at as createdAt',
    );
}

/** EPSG:27700 points (x[i], y[i]) in CRS84, transformed by PostGIS, in the same order. */
export async function toLonLat(db: Q, xs: number[], ys: number[]): Promise<Array<{ lon: number; lat: number }>> {
  const { rows } = await db.raw<{ rows: Array<{ lon: number; lat: number }> }>(
    `SELECT ST_X(g) AS lon, ST_Y(g) AS lat FROM (
       SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 27700), 4326) AS g, n
       FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS t(x, y, n)) s ORDER BY n`,
    [xs, ys],
  );
  return rows;
}
