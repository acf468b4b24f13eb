/** Case storage (knex). Only this file and sql/queries/*.sql know the table layout. */
import type { Knex } from 'knex';
import { sqlQuery } from '../../db/queries.ts';
import { AppError } from '../../../shared/errors.ts';

export const CASE_COLUMNS = [
  'c.id',
  'c.authority_id as authorityId',
  'c.kind',
  'c.reference',
  'c.application_type as applicationType',
  'c.breach_type as breachType',
  'c.description',
  'c.site_address as siteAddress',
  'c.uprns',
  'c.status',
  'c.received_date as receivedDate',
  'c.valid_date as validDate',
  'c.target_date as targetDate',
  'c.extensions_of_time as extensionsOfTime',
  'c.decision',
  'c.decision_date as decisionDate',
  'c.decision_override_reason as decisionOverrideReason',
  'c.site_visits as siteVisits',
  'c.development',
  'c.notices_served as noticesServed',
  'c.decision_maker as decisionMaker',
  'c.ppa',
  'c.appeals',
  'c.officer_id as officerId',
  'c.version',
  'c.created_at as createdAt',
  'c.updated_at as updatedAt',
  'u.username as officerUsername',
  'u.display_name as officerName',
];

export interface CaseRow {
  id: number;
  authorityId: number;
  kind: 'application' | 'enforcement';
  reference: string;
  applicationType: string | null;
  breachType: string | null;
  description: string;
  siteAddress: string | null;
  uprns: number[];
  status: string;
  receivedDate: string;
  validDate: string | null;
  targetDate: string | null;
  extensionsOfTime: Array<{ agreedOn: string; newTargetDate: string; reason?: string }>;
  decision: string | null;
  decisionDate: string | null;
  decisionOverrideReason: string | null;
  siteVisits: unknown[];
  noticesServed: unknown[];
  development: Record<string, unknown>;
  decisionMaker: 'delegated' | 'committee' | null;
  ppa: { agreedOn: string; targetDate: string } | null;
  appeals: unknown[];
  officerId: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  officerUsername: string | null;
  officerName: string | null;
}

/** Column values for an insert or update, from the API's field names. */
export interface CaseColumns {
  kind?: string;
  reference?: string;
  application_type?: string | null;
  breach_type?: string | null;
  description?: string;
  site_address?: string | null;
  uprns?: number[];
  status?: string;
  received_date?: string;
  valid_date?: string | null;
  target_date?: string | null;
  extensions_of_time?: string;
  decision?: string | null;
  decision_date?: string | null;
  decision_override_reason?: string | null;
  site_visits?: string;
  development?: string;
  notices_served?: string;
  decision_maker?: string | null;
  ppa?: string | null;
  appeals?: string;
  officer_id?: number | null;
}

export interface SiteRow {
  id: number;
  caseId: number;
  areaM2: number;
  source: string;
  inputCrs: string;
  repair: unknown;
  note: string | null;
  setAt: Date;
  supersededAt: Date | null;
  setBy: string | null;
  geometry: string;
}

export interface PartyRow {
  role: string;
  name: string | null;
  organisation: string | null;
  address: string | null;
  postcode: string | null;
  email: string | null;
  phone: string | null;
}

type Q = Knex | Knex.Transaction;

const caseQuery = (db: Q) => db('case_record as c').leftJoin('app_user as u', 'u.id', 'c.officer_id');

export async function findCase(
  db: Q,
  authorityId: number,
  id: number,
  forUpdate = false,
): Promise<CaseRow | undefined> {
  const q = caseQuery(db).where({ 'c.id': id, 'c.authority_id': authorityId }).first(CASE_COLUMNS);
  if (forUpdate) q.forUpdate('c');
  return q as Promise<CaseRow | undefined>;
}

export async function referenceExists(db: Q, authorityId: number, reference: string): Promise<boolean> {
  return Boolean(await db('case_record').where({ authority_id: authorityId, reference }).first('id'));
}

export async function nextReferenceNumber(db: Q, authorityId: number, year: number, prefix: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ last_value: number }> }>(
    `INSERT INTO reference_counter (authority_id, year, prefix, last_value) VALUES (:authorityId, :year, :prefix, 1)
     ON CONFLICT (authority_id, year, prefix) DO UPDATE SET last_value = reference_counter.last_value + 1
     RETURNING last_value`,
    { authorityId, year, prefix },
  );
  return rows[0]!.last_value;
}

export async function insertCase(db: Q, authorityId: number, cols: CaseColumns): Promise<number> {
  const [row] = await db('case_record')
    .insert({ ...cols, authority_id: authorityId })
    .returning('id');
  return row.id as number;
}

export async function updateCase(db: Q, id: number, cols: CaseColumns): Promise<void> {
  await db('case_record')
    .where({ id })
    .update({ ...cols, version: db.raw('version + 1'), updated_at: db.fn.now() });
}

export async function bumpVersion(db: Q, id: number): Promise<void> {
  await db('case_record')
    .where({ id })
    .update({ version: db.raw('version + 1'), updated_at: db.fn.now() });
}

export async function listParties(db: Q, caseId: number): Promise<Array<PartyRow & { id: number }>> {
  return db('case_party')
    .where({ case_id: caseId })
    .orderBy('id')
    .select('id', 'role', 'name', 'organisation', 'address', 'postcode', 'email', 'phone');
}

/** Removes one party of the case; false when the case has no such party. */
export async function removeParty(db: Q, caseId: number, partyId: number): Promise<boolean> {
  return (await db('case_party').where({ case_id: caseId, id: partyId }).delete()) > 0;
}

/** Changes the given fields of one party of the case (null clears a field); false when there is no such party. */
export async function changeParty(
  db: Q,
  caseId: number,
  partyId: number,
  fields: Partial<Record<keyof PartyRow, string | null>>,
): Promise<boolean> {
  const q = db('case_party').where({ case_id: caseId, id: partyId });
  if (Object.keys(fields).length === 0) return (await q.clone().first('id')) !== undefined;
  return (await q.update(fields)) > 0;
}

export async function addParty(db: Q, caseId: number, party: Partial<PartyRow> & { role: string }): Promise<void> {
  await db('case_party').insert({ ...party, case_id: caseId });
}

export async function replaceParties(
  db: Q,
  caseId: number,
  parties: Array<Partial<PartyRow> & { role: string }>,
): Promise<void> {
  await db('case_party').where({ case_id: caseId }).delete();
  if (parties.length) await db('case_party').insert(parties.map((p) => ({ ...p, case_id: caseId })));
}

export async function findUserIdByUsername(db: Q, username: string): Promise<number | undefined> {
  const row = await db('app_user').where({ username }).first('id');
  return row?.id;
}

export interface ListFilter {
  kind?: string;
  status?: string;
  applicationType?: string;
  breachType?: string;
  officer?: string;
  reference?: string;
  q?: string;
  receivedFrom?: string;
  receivedTo?: string;
  hasSite?: boolean;
  /** order of the list (default: newest received first); ties by id */
  sort?: { by: 'reference' | 'receivedDate' | 'status' | 'siteAddress'; order: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

const SORT_COLUMNS = {
  reference: 'c.reference',
  receivedDate: 'c.received_date',
  status: 'c.status',
  siteAddress: 'c.site_address',
} as const;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

export async function listCases(
  db: Q,
  authorityId: number,
  f: ListFilter,
): Promise<{ rows: CaseRow[]; total: number }> {
  const base = caseQuery(db).where('c.authority_id', authorityId);
  if (f.kind) base.where('c.kind', f.kind);
  if (f.status) base.where('c.status', f.status);
  if (f.applicationType) base.where('c.application_type', f.applicationType);
  if (f.breachType) base.where('c.breach_type', f.breachType);
  if (f.officer) base.where('u.username', f.officer);
  if (f.reference) base.whereILike('c.reference', likeEscape(f.reference) + '%');
  if (f.receivedFrom) base.where('c.received_date', '>=', f.receivedFrom);
  if (f.receivedTo) base.where('c.received_date', '<=', f.receivedTo);
  if (f.q) {
    const pattern = '%' + likeEscape(f.q) + '%';
    base.where((w) =>
      w
        .whereILike('c.description', pattern)
        .orWhereILike('c.site_address', pattern)
        .orWhereILike('c.reference', pattern),
    );
  }
  if (f.hasSite !== undefined) {
    const exists = db('case_site as s').whereRaw('s.case_id = c.id').whereNull('s.superseded_at').select(db.raw('1'));
    if (f.hasSite) base.whereExists(exists);
    else base.whereNotExists(exists);
  }
  const counted = (await base.clone().clearSelect().count({ total: '*' })) as Array<{ total: string | number }>;
  const total = counted[0]?.total ?? 0;
  const rows = (await base
    .clone()
    .select(CASE_COLUMNS)
    .orderBy([
      { column: SORT_COLUMNS[f.sort?.by ?? 'receivedDate'], order: f.sort?.order ?? 'desc', nulls: 'last' },
      { column: 'c.id', order: f.sort?.order ?? 'desc' },
    ])
    .limit(f.limit)
    .offset(f.offset)) as CaseRow[];
  return { rows, total: Number(total) };
}

function siteColumns(db: Q, srid: number) {
  return [
    's.id',
    's.case_id as caseId',
    's.area_m2 as areaM2',
    's.source',
    's.input_crs as inputCrs',
    's.repair',
    's.note',
    's.set_at as setAt',
    's.superseded_at as supersededAt',
    'u.username as setBy',
    srid === 27700
      ? db.raw('ST_AsGeoJSON(s.geom, 3) as geometry')
      : db.raw('ST_AsGeoJSON(ST_Transform(s.geom, 4326), 9) as geometry'),
  ];
}

export async function currentSite(db: Q, caseId: number, srid: number): Promise<SiteRow | undefined> {
  return db('case_site as s')
    .leftJoin('app_user as u', 'u.id', 's.set_by')
    .where('s.case_id', caseId)
    .whereNull('s.superseded_at')
    .first(siteColumns(db, srid));
}

export async function siteVersions(db: Q, caseId: number, srid: number): Promise<SiteRow[]> {
  return db('case_site as s')
    .leftJoin('app_user as u', 'u.id', 's.set_by')
    .where('s.case_id', caseId)
    .orderBy('s.id', 'desc')
    .select(siteColumns(db, srid));
}

/** The case's current site as hex EWKB (with its id and the case's UPRNs), for work done on it: a missing case
 *  is CASE_NOT_FOUND, a case without a site SITE_NOT_SET saying what it is needed for. */
export async function currentSiteForWork(
  db: Q,
  authorityId: number,
  caseId: number,
  purpose: string,
): Promise<{ id: number | null; uprns: number[]; ewkb: string }> {
  const site = await db('case_site as s')
    .join('case_record as c', 'c.id', 's.case_id')
    .where({ 's.case_id': caseId, 'c.authority_id': authorityId })
    .whereNull('s.superseded_at')
    .first('s.id', 'c.uprns', db.raw("encode(ST_AsEWKB(s.geom), 'hex') AS ewkb"));
  if (site) return site;
  const exists = await db('case_record')
    .where({ id: caseId, authority_id: authorityId })
    .first('id', 'uprns', db.raw(`encode(ST_AsEWKB(${LOCATED_SITE_SQL}), 'hex') AS ewkb`));
  if (!exists) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  // an enforcement case located at a point (no site polygon): the point as a site, with no case_site id
  if (exists.ewkb) return { id: null, uprns: exists.uprns as number[], ewkb: exists.ewkb as string };
  throw new AppError('SITE_NOT_SET', `The case has no site yet: plot it before ${purpose}.`, { id: caseId });
}

export async function currentSiteSummary(db: Q, caseId: number) {
  return db('case_site')
    .where({ case_id: caseId })
    .whereNull('superseded_at')
    .first('id', 'area_m2 as areaM2', 'source');
}

export async function supersedeSite(db: Q, caseId: number): Promise<void> {
  await db('case_site')
    .where({ case_id: caseId })
    .whereNull('superseded_at')
    .update({ superseded_at: db.raw('clock_timestamp()') });
}

export async function insertSite(
  db: Q,
  s: {
    caseId: number;
    ewkb: string;
    areaM2: number;
    source: string;
    inputCrs: string;
    repair: unknown;
    note?: string;
    setBy: number | null;
  },
): Promise<number> {
  const [row] = await db('case_site')
    .insert({
      case_id: s.caseId,
      geom: db.raw("ST_GeomFromEWKB(decode(?, 'hex'))", [s.ewkb]),
      area_m2: s.areaM2,
      source: s.source,
      input_crs: s.inputCrs,
      repair: s.repair === null ? null : JSON.stringify(s.repair),
      note: s.note ?? null,
      set_by: s.setBy,
    })
    .returning('id');
  return row.id as number;
}

export interface NearbyRow {
  case_id: number;
  reference: string;
  kind: string;
  application_type: string | null;
  breach_type: string | null;
  description: string;
  site_address: string | null;
  status: string;
  received_date: string;
  decision: string | null;
  decision_date: string | null;
  distance_m: number;
  overlap_m2: number;
  relation: 'overlaps' | 'touches' | 'near';
}

export async function nearbyCases(db: Q, caseId: number, withinM: number, limit: number): Promise<NearbyRow[]> {
  const { rows } = await db.raw<{ rows: NearbyRow[] }>(sqlQuery('case_nearby'), { caseId, withinM, limit });
  return rows;
}

/** The ids of an authority's cases as a subquery, for other modules' repos to keep their rows to the authority's
 *  cases in the same statement (`.whereIn('x.case_id', authorityCaseIds(db, authorityId))`). */
export function authorityCaseIds(db: Q, authorityId: number): Knex.QueryBuilder {
  return db('case_record').where({ authority_id: authorityId }).select('id');
}

export interface CasePublicityRow {
  id: number;
  kind: 'application' | 'enforcement';
  applicationType: string | null;
  validDate: string | null;
  extensionsOfTime: Array<{ agreedOn: string; newTargetDate: string; reason?: string }> | null;
  development: Record<string, unknown> | null;
  /** the authority's Statement of Community Involvement policy (authority.sci_policy) */
  sci: Record<string, unknown> | null;
}

/** What a case's publicity is worked out from (server/modules/publicity), with its authority's SCI policy. */
export async function casePublicityRow(
  db: Q,
  authorityId: number,
  caseId: number,
): Promise<CasePublicityRow | undefined> {
  return db('case_record as c')
    .join('authority as a', 'a.id', 'c.authority_id')
    .where({ 'c.id': caseId, 'c.authority_id': authorityId })
    .first(
      'c.id',
      'c.kind',
      'c.application_type as applicationType',
      'c.valid_date as validDate',
      'c.extensions_of_time as extensionsOfTime',
      'c.development',
      'a.sci_policy as sci',
    );
}

/** An enforcement case's location (issue 11 item 7b) as a site for work that takes a site polygon (the constraint
 *  check, neighbour selection, maps, stored checks and runs, whose site columns are MultiPolygons): the 0.2 mm square
 *  centred on the point (ST_Expand, no buffer: four exact corners 0.1 mm from it along each axis). A layer's polygon
 *  that holds the point holds the square whole (100% of the site: a constraint under any overlap rule); a distance
 *  is the point's less at most 0.14 mm, so a within-N-metres rule measured from the point is never missed and the
 *  figure reported to the millimetre is the point's. NULL when the case has no location. The same expression is
 *  written out in sql/queries/case_nearby.sql. */
export const LOCATED_SITE_SQL = 'ST_Multi(ST_Expand(case_record.location, 0.0001))';

export interface LocationRow {
  x: number;
  y: number;
  lon: number;
  lat: number;
  setAt: Date;
  setBy: string | null;
}

/** The case's location (EPSG:27700 and CRS84, transformed by PostGIS), or undefined. */
export async function findLocation(db: Q, caseId: number): Promise<LocationRow | undefined> {
  return db('case_record as c')
    .leftJoin('app_user as u', 'u.id', 'c.location_set_by')
    .where('c.id', caseId)
    .whereNotNull('c.location')
    .first(
      db.raw('ST_X(c.location) AS x'),
      db.raw('ST_Y(c.location) AS y'),
      db.raw('ST_X(ST_Transform(c.location, 4326)) AS lon'),
      db.raw('ST_Y(ST_Transform(c.location, 4326)) AS lat'),
      'c.location_set_at as setAt',
      'u.username as setBy',
    );
}

export interface PointIntakeRow {
  x: number;
  y: number;
  authority_found: boolean;
  inside: boolean | null;
  distance_to_boundary_m: number | null;
  swapped_inside: boolean | null;
}

/** A point (x, y in `srid`: 4326 lon/lat or 27700) in EPSG:27700, and whether it lies within `toleranceM` of the
 *  authority's boundary (its distance from it when not; whether it would be inside with x and y swapped). */
export async function pointIntake(
  db: Q,
  x: number,
  y: number,
  srid: number,
  authorityId: number,
  toleranceM: number,
): Promise<PointIntakeRow> {
  const { rows } = await db.raw<{ rows: PointIntakeRow[] }>(
    `SELECT ST_X(p.g) AS x, ST_Y(p.g) AS y, a.id IS NOT NULL AS authority_found,
            ST_DWithin(a.boundary, p.g, ?) AS inside,
            CASE WHEN NOT ST_DWithin(a.boundary, p.g, ?) THEN ST_Distance(a.boundary, p.g) END AS distance_to_boundary_m,
            ST_Intersects(a.boundary, ST_SetSRID(ST_MakePoint(?, ?), 27700)) AND ? = 27700 AS swapped_inside
       FROM (SELECT CASE WHEN ?::int = 27700 THEN ST_SetSRID(ST_MakePoint(?, ?), 27700)
                         ELSE ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 4326), 27700) END AS g) p
       LEFT JOIN authority a ON a.id = ?`,
    [toleranceM, toleranceM, y, x, srid, srid, x, y, x, y, authorityId],
  );
  return rows[0]!;
}

/** Sets (or replaces) the case's location: a point in EPSG:27700. */
export async function setLocation(db: Q, caseId: number, x: number, y: number, setBy: number | null) {
  await db('case_record')
    .where({ id: caseId })
    .update({
      location: db.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [x, y]),
      location_set_at: db.raw('clock_timestamp()'),
      location_set_by: setBy,
    });
}
