/** The public register's SQL. It reads ONLY the public_* views of sql/migrations/0018_public_register.sql (an
 *  allow-list of fields) and, to find where a typed address is, the address table's lines and points. */
import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

export interface SearchFilter {
  authorityId: number;
  q?: string | undefined;
  reference?: string | undefined;
  /** address text or a postcode */
  address?: string | undefined;
  postcode?: string | undefined;
  type?: string | undefined;
  status?: string | undefined;
  decision?: string | undefined;
  receivedFrom?: string | undefined;
  receivedTo?: string | undefined;
  decidedFrom?: string | undefined;
  decidedTo?: string | undefined;
  near?: { x: number; y: number; radiusM: number } | undefined;
  bbox?: [number, number, number, number] | undefined;
}

export type SortKey = 'received-desc' | 'received-asc' | 'decided-desc' | 'reference' | 'distance';

export interface ApplicationRow {
  id: number;
  reference: string;
  slug: string;
  applicationType: string;
  applicationTypeLabel: string;
  proposal: string;
  siteAddress: string | null;
  postcode: string | null;
  status: string;
  decision: string | null;
  decisionDate: string | null;
  receivedDate: string;
  validDate: string | null;
  consultationEndDate: string | null;
  earliestDecisionDate: string | null;
  targetDate: string | null;
  x: number | null;
  y: number | null;
  distanceM: number | null;
  dataVersion: number;
  updatedAt: Date;
}

const COLUMNS = [
  'p.id',
  'p.reference',
  'p.slug',
  'p.application_type as applicationType',
  'p.application_type_label as applicationTypeLabel',
  'p.proposal',
  'p.site_address as siteAddress',
  'p.postcode',
  'p.status',
  'p.decision',
  'p.decision_date as decisionDate',
  'p.received_date as receivedDate',
  'p.valid_date as validDate',
  'p.consultation_end_date as consultationEndDate',
  'p.earliest_decision_date as earliestDecisionDate',
  'p.target_date as targetDate',
  'p.data_version as dataVersion',
  'p.updated_at as updatedAt',
];

const like = (s: string) => `%${s.replace(/[\\%_]/g, (m) => '\\' + m)}%`;
const postcodeKey = (s: string) => s.replace(/\s+/g, '').toUpperCase();

function filtered(db: Q, f: SearchFilter) {
  const q = db('public_application as p').where('p.authority_id', f.authorityId);
  if (f.q) q.whereILike('p.proposal', like(f.q));
  if (f.reference) q.whereILike('p.reference', like(f.reference.replace(/-/g, '/')));
  if (f.postcode) q.whereRaw(`upper(replace(p.postcode, ' ', '')) LIKE ?`, [postcodeKey(f.postcode) + '%']);
  if (f.address) {
    const a = f.address;
    q.where((w) => {
      w.whereILike('p.site_address', like(a));
      if (/^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*([0-9][A-Za-z]{0,2})?$/.test(a.trim()))
        w.orWhereRaw(`upper(replace(p.postcode, ' ', '')) LIKE ?`, [postcodeKey(a) + '%']);
    });
  }
  if (f.type) q.where('p.application_type', f.type);
  if (f.status) q.where('p.status', f.status);
  if (f.decision) q.where('p.decision', f.decision);
  if (f.receivedFrom) q.where('p.received_date', '>=', f.receivedFrom);
  if (f.receivedTo) q.where('p.received_date', '<=', f.receivedTo);
  if (f.decidedFrom) q.where('p.decision_date', '>=', f.decidedFrom);
  if (f.decidedTo) q.where('p.decision_date', '<=', f.decidedTo);
  if (f.near)
    q.whereRaw('ST_DWithin(p.point_geom, ST_SetSRID(ST_MakePoint(?, ?), 27700), ?)', [
      f.near.x,
      f.near.y,
      f.near.radiusM,
    ]);
  if (f.bbox) q.whereRaw('p.site_geom && ST_MakeEnvelope(?, ?, ?, ?, 27700)', f.bbox);
  return q;
}

/** Searches say "more than 1,000 applications" rather than counting a million rows (the count stops here). */
export const COUNT_CAP = 1000;

/** Filters an index other than the received-date one should drive: with them, `ORDER BY received_date` must not
 *  walk the date index through the whole table looking for the few matches (EXPLAIN on a million applications:
 *  seconds), so the sort key is made an expression (received_date + 0) and the spatial / trigram index filters. */
const selective = (f: SearchFilter) => Boolean(f.bbox || f.near || f.q || f.address || f.postcode || f.reference);

const ST_PT = 'ST_SetSRID(ST_MakePoint(?, ?), 27700)';

function ordered(db: Q, q: Knex.QueryBuilder, sort: SortKey, f: SearchFilter) {
  const near = f.near;
  const date = selective(f) ? 'p.received_date + 0' : 'p.received_date';
  if (sort === 'distance' && near) q.orderByRaw(`p.point_geom <-> ${ST_PT}`, [near.x, near.y]);
  else if (sort === 'received-asc') q.orderByRaw(`${date} ASC`);
  else if (sort === 'decided-desc') q.orderByRaw('p.decision_date DESC NULLS LAST');
  else if (sort === 'reference') q.orderBy('p.reference', 'asc');
  else q.orderByRaw(`${date} DESC`);
  return q.orderBy('p.reference', 'asc').orderBy('p.id', 'asc');
}

function pointColumns(db: Q, near: SearchFilter['near']) {
  const cols = [db.raw('ST_X(p.point_geom) AS x'), db.raw('ST_Y(p.point_geom) AS y')];
  cols.push(
    near
      ? db.raw(`ST_Distance(p.point_geom, ${ST_PT}) AS "distanceM"`, [near.x, near.y])
      : db.raw('NULL::float8 AS "distanceM"'),
  );
  return cols;
}

export interface Total {
  /** the matches counted, up to COUNT_CAP + 1 (or the end of the page asked for, + 1, when that is further) */
  total: number;
  /** true when the count stopped: there are at least `total` matches (the page says "more than total - 1") */
  totalIsLowerBound: boolean;
}

/** The number of matches, counted over `LIMIT cap` so a search matching a million rows stops at the cap. */
const capOf = (page: { limit: number; offset: number }) => Math.max(COUNT_CAP, page.offset + page.limit) + 1;

async function countCapped(db: Q, f: SearchFilter, page: { limit: number; offset: number }): Promise<Total> {
  const cap = capOf(page);
  const matches = filtered(db, f).select(db.raw('1')).limit(cap);
  const r = (await db.from(matches.as('m')).count<{ n: string }[]>({ n: '*' }).first()) as { n: string | number };
  const total = Number(r.n);
  return { total, totalIsLowerBound: total >= cap };
}

/**
 * "Near me", nearest first, by the KNN order of the point index: the nearest offset + limit matches by
 * `point_geom <-> pt LIMIT n` (the GiST index gives them in distance order, no sort of everything in the circle),
 * whose farthest distance then bounds the page's own query (a subquery: one statement), sorted exactly by
 * distance, reference, id. Every application at that distance (a tie) is in the bounded set, so the page is the
 * one the full sort would give. Fewer than n in the circle: the radius bounds it.
 */
function nearestFirst(db: Q, f: SearchFilter, q: Knex.QueryBuilder, page: { limit: number; offset: number }) {
  const near = f.near!;
  const n = page.offset + page.limit;
  const knn = filtered(db, f)
    .select(db.raw(`ST_Distance(p.point_geom, ${ST_PT}) AS d`, [near.x, near.y]))
    .orderByRaw(`p.point_geom <-> ${ST_PT}`, [near.x, near.y])
    .limit(n);
  const edge = db.from(knn.as('k')).select(db.raw('CASE WHEN count(*) < ? THEN NULL ELSE max(k.d) END', [n]));
  // a micrometre over the farthest: a rounding in the distance never drops a tie from the page
  return q
    .whereRaw(`ST_DWithin(p.point_geom, ${ST_PT}, coalesce((?) + 1e-6, ?::float8))`, [
      near.x,
      near.y,
      edge,
      near.radiusM,
    ])
    .orderByRaw(`ST_Distance(p.point_geom, ${ST_PT})`, [near.x, near.y])
    .orderBy('p.reference', 'asc')
    .orderBy('p.id', 'asc');
}

/** The count and the page in one statement: the capped count is an uncorrelated subquery (run once) beside the
 *  page's columns. An empty page past the first has no row to carry it: then the count runs on its own. */
async function pageOf<T>(
  db: Q,
  f: SearchFilter,
  sort: SortKey,
  page: { limit: number; offset: number },
  columns: Array<string | Knex.Raw>,
): Promise<{ rows: T[] } & Total> {
  const cap = capOf(page);
  const matches = filtered(db, f).select(db.raw('1')).limit(cap);
  const q = filtered(db, f)
    .select([...columns, db.raw('(SELECT count(*) FROM ? m)::int AS "countedTo"', [matches])])
    .limit(page.limit)
    .offset(page.offset);
  const rows = (await (sort === 'distance' && f.near
    ? nearestFirst(db, f, q, page)
    : ordered(db, q, sort, f))) as Array<T & { countedTo?: number }>;
  if (!rows.length)
    return {
      rows: [],
      ...(page.offset === 0 ? { total: 0, totalIsLowerBound: false } : await countCapped(db, f, page)),
    };
  const total = Number(rows[0]!.countedTo);
  for (const r of rows) delete r.countedTo;
  return { rows, total, totalIsLowerBound: total >= cap };
}

export async function searchApplications(
  db: Q,
  f: SearchFilter,
  sort: SortKey,
  page: { limit: number; offset: number },
): Promise<{ rows: ApplicationRow[] } & Total> {
  return pageOf<ApplicationRow>(db, f, sort, page, [...COLUMNS, ...pointColumns(db, f.near)]);
}

export interface GeoRow extends ApplicationRow {
  site: string | null;
  point: string | null;
}

/** The same page of results with their site outlines and points as GeoJSON geometry text, in `srid`. */
export async function searchApplicationsGeo(
  db: Q,
  f: SearchFilter,
  sort: SortKey,
  page: { limit: number; offset: number },
  srid: 4326 | 27700,
): Promise<{ rows: GeoRow[] } & Total> {
  const digits = srid === 4326 ? 7 : 2;
  return pageOf<GeoRow>(db, f, sort, page, [
    ...COLUMNS,
    ...pointColumns(db, f.near),
    db.raw('ST_AsGeoJSON(ST_Transform(p.site_geom, ?::int), ?) AS site', [srid, digits]),
    db.raw('ST_AsGeoJSON(ST_Transform(p.point_geom, ?::int), ?) AS point', [srid, digits]),
  ]);
}

export async function findBySlug(db: Q, authorityId: number, slug: string): Promise<GeoRow | undefined> {
  return db('public_application as p')
    .where({ 'p.authority_id': authorityId, 'p.slug': slug })
    .first([
      ...COLUMNS,
      ...pointColumns(db, undefined),
      db.raw('ST_AsGeoJSON(p.site_geom, 2) AS site'),
      db.raw('ST_AsGeoJSON(p.point_geom, 2) AS point'),
    ]) as Promise<GeoRow | undefined>;
}

export async function siteSummary(
  db: Q,
  id: number,
): Promise<{ areaM2: number; bbox: [number, number, number, number]; vertices: number } | null> {
  const r = (await db('public_application as p')
    .where('p.id', id)
    .whereNotNull('p.site_geom')
    .first([
      db.raw('ST_Area(p.site_geom) AS "areaM2"'),
      db.raw('ST_XMin(p.site_geom) AS x0'),
      db.raw('ST_YMin(p.site_geom) AS y0'),
      db.raw('ST_XMax(p.site_geom) AS x1'),
      db.raw('ST_YMax(p.site_geom) AS y1'),
      db.raw('ST_NPoints(p.site_geom) AS vertices'),
    ])) as { areaM2: number; x0: number; y0: number; x1: number; y1: number; vertices: number } | undefined;
  return r ? { areaM2: r.areaM2, bbox: [r.x0, r.y0, r.x1, r.y1], vertices: r.vertices } : null;
}

export async function publicityDone(db: Q, applicationId: number): Promise<Array<{ kind: string; date: string }>> {
  return db('public_publicity_event')
    .where({ application_id: applicationId })
    .orderBy([{ column: 'date' }, { column: 'kind' }])
    .select('kind', 'date');
}

export async function constraintSummary(
  db: Q,
  applicationId: number,
): Promise<Array<{ checkedOn: string; layerId: string; title: string; category: string; status: string }>> {
  return db('public_constraint_summary')
    .where({ application_id: applicationId })
    .orderBy([{ column: 'category' }, { column: 'title' }])
    .select('checked_on as checkedOn', 'layer_id as layerId', 'title', 'category', 'status');
}

export interface PublicDocumentMeta {
  id: number;
  kind: string;
  title: string;
  bytes: number;
  pages: number;
  sha256: string;
}

export async function decisionNotice(db: Q, applicationId: number): Promise<PublicDocumentMeta | undefined> {
  return db('public_document')
    .where({ application_id: applicationId })
    .first('id', 'kind', 'title', 'bytes', 'pages', 'sha256');
}

export async function decisionNoticePdf(
  db: Q,
  applicationId: number,
): Promise<{ pdf: Buffer; sha256: string } | undefined> {
  return db('public_document').where({ application_id: applicationId }).first('pdf', 'sha256');
}

export async function postcodePoint(
  db: Q,
  postcode: string,
): Promise<{ postcode: string; x: number; y: number } | undefined> {
  return db('public_postcode')
    .where({ postcode_key: postcodeKey(postcode) })
    .first('postcode', 'x', 'y');
}

/** Where a typed address is: the best trigram match of the address points' text (the lines are not returned). */
export async function addressPoint(
  db: Q,
  authorityId: number,
  text: string,
): Promise<{ x: number; y: number } | undefined> {
  const t = text.toLowerCase().trim();
  return db('address as a')
    .where((w) => w.where('a.authority_id', authorityId).orWhereNull('a.authority_id'))
    .whereRaw('place_search_text(a.address_lines, a.postcode) ILIKE ?', [like(t)])
    .orderByRaw('similarity(place_search_text(a.address_lines, a.postcode), ?) DESC', [t])
    .first(db.raw('ST_X(a.geom) AS x'), db.raw('ST_Y(a.geom) AS y'));
}

export interface EnforcementRow {
  reference: string;
  slug: string;
  street: string | null;
  status: string;
  openedDate: string;
  x: number | null;
  y: number | null;
  distanceM: number | null;
}

/** Published enforcement (only when the authority publishes it) near a point, at street level. */
export async function enforcementNear(
  db: Q,
  authorityId: number,
  near: { x: number; y: number; radiusM: number },
): Promise<EnforcementRow[]> {
  return db('public_enforcement as e')
    .where('e.authority_id', authorityId)
    .whereRaw('ST_DWithin(e.point_geom, ST_SetSRID(ST_MakePoint(?, ?), 27700), ?)', [near.x, near.y, near.radiusM])
    .orderByRaw('e.point_geom <-> ST_SetSRID(ST_MakePoint(?, ?), 27700)', [near.x, near.y])
    .limit(100)
    .select(
      'e.reference',
      'e.slug',
      'e.street',
      'e.status',
      'e.opened_date as openedDate',
      db.raw('ST_X(e.point_geom) AS x'),
      db.raw('ST_Y(e.point_geom) AS y'),
      db.raw('ST_Distance(e.point_geom, ST_SetSRID(ST_MakePoint(?, ?), 27700)) AS "distanceM"', [near.x, near.y]),
    );
}

/** The publicity dates the register shows (computed by the publicity rules in the service; see refreshPublicDates).
 *  The one write this module makes, and not from a public route. */
export async function storePublicDates(db: Q, caseId: number, end: string | null, earliest: string | null) {
  await db('case_record')
    .where({ id: caseId })
    .whereRaw('(consultation_end_date, earliest_decision_date) IS DISTINCT FROM (?::date, ?::date)', [end, earliest])
    .update({ consultation_end_date: end, earliest_decision_date: earliest, public_dates_at: db.fn.now() });
}

/** Staff side (not for public routes): a case's publication, for the audit of a PATCH that changes it. */
export async function publicationOf(db: Q, caseId: number): Promise<string | undefined> {
  const r = (await db('case_record').where({ id: caseId }).first('publication')) as { publication: string } | undefined;
  return r?.publication;
}
