/**
 * The SQL of OGC API – Features (/ogc). Four kinds of collection, each one FROM / WHERE over what it may show:
 *  - layer:        the current data version of an active constraint layer (constraint_feature, layer.data_version)
 *  - properties:   the property outlines (property)
 *  - applications: the public register's applications (the public_application view only: its allow-list of fields)
 *  - cases:        staff only: every case of the authority with a current site (case_record + case_site with
 *                  superseded_at NULL), no party (case_party is never read here)
 * Geometry is stored in EPSG:27700; answers are CRS84 (ST_Transform to 4326, 9 decimals: 0.1 mm) or EPSG:27700
 * (4 decimals: 0.1 mm). Pages are keyset pages on the feature id (id > cursor ORDER BY id), never OFFSET.
 * Every value is bound (named bindings :p0, :p1 …); only the fixed fragments below are SQL text.
 */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type SourceKind = 'layer' | 'properties' | 'applications' | 'cases';
export type QueryableType = 'string' | 'integer' | 'date';

interface SourceSql {
  from: string;
  /** always applied; binds :layerId, :dataVersion (layer) or :authorityId */
  where: string;
  id: string;
  geom: string;
  /** the feature's properties, as named columns (snake-free names: they are the GeoJSON property names) */
  props: string;
  /** first and last day the feature is valid / happened (dates), or null: no temporal extent */
  timeFrom: string | null;
  timeTo: string | null;
  queryables: Record<string, { sql: string; type: QueryableType; title: string }>;
}

const SOURCES: Record<SourceKind, SourceSql> = {
  layer: {
    from: 'constraint_feature f',
    where: 'f.layer_id = :layerId AND f.data_version = :dataVersion',
    id: 'f.id',
    geom: 'f.geom',
    props: `f.name, f.source_ref AS "sourceRef", f.valid_from::text AS "validFrom", f.valid_to::text AS "validTo",
            f.properties AS attributes`,
    timeFrom: 'f.valid_from',
    timeTo: 'f.valid_to',
    queryables: {
      name: { sql: 'f.name', type: 'string', title: 'Name' },
      sourceRef: { sql: 'f.source_ref', type: 'string', title: 'Reference in the source data' },
    },
  },
  properties: {
    from: 'property p',
    where: 'TRUE',
    id: 'p.id',
    geom: 'p.geom',
    props: `p.source_ref AS "sourceRef", p.uprns`,
    timeFrom: null,
    timeTo: null,
    queryables: {
      sourceRef: { sql: 'p.source_ref', type: 'string', title: 'Reference in the source data (e.g. INSPIRE id)' },
      uprn: { sql: 'p.uprns', type: 'integer', title: 'A UPRN of the property (matches any of its UPRNs)' },
    },
  },
  applications: {
    from: 'public_application a',
    where: 'a.authority_id = :authorityId',
    id: 'a.id',
    geom: 'coalesce(a.site_geom, a.point_geom)',
    props: `a.reference, a.slug, a.application_type AS "applicationType",
            a.application_type_label AS "applicationTypeLabel", a.proposal, a.site_address AS "siteAddress",
            a.postcode, a.status, a.decision, a.decision_date::text AS "decisionDate",
            a.received_date::text AS "receivedDate", a.valid_date::text AS "validDate",
            a.consultation_end_date::text AS "consultationEndDate", a.target_date::text AS "targetDate"`,
    timeFrom: 'a.received_date',
    timeTo: 'a.received_date',
    queryables: {
      reference: { sql: 'a.reference', type: 'string', title: 'Application reference' },
      applicationType: { sql: 'a.application_type', type: 'string', title: 'planning.data.gov.uk application type' },
      status: { sql: 'a.status', type: 'string', title: 'Status' },
      decision: { sql: 'a.decision', type: 'string', title: 'Decision' },
      postcode: { sql: 'a.postcode', type: 'string', title: 'Postcode' },
      receivedDate: { sql: 'a.received_date', type: 'date', title: 'Date received' },
      decisionDate: { sql: 'a.decision_date', type: 'date', title: 'Date decided' },
    },
  },
  cases: {
    from: 'case_record c JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL',
    where: 'c.authority_id = :authorityId',
    id: 'c.id',
    geom: 's.geom',
    props: `c.reference, c.kind, c.application_type AS "applicationType", c.breach_type AS "breachType",
            c.description, c.site_address AS "siteAddress", c.status, c.publication,
            c.received_date::text AS "receivedDate", c.valid_date::text AS "validDate",
            c.target_date::text AS "targetDate", c.decision, c.decision_date::text AS "decisionDate",
            s.area_m2 AS "siteAreaM2", s.source AS "siteSource"`,
    timeFrom: 'c.received_date',
    timeTo: 'c.received_date',
    queryables: {
      reference: { sql: 'c.reference', type: 'string', title: 'Case reference' },
      kind: { sql: 'c.kind', type: 'string', title: 'application or enforcement' },
      applicationType: { sql: 'c.application_type', type: 'string', title: 'Application type' },
      breachType: { sql: 'c.breach_type', type: 'string', title: 'Alleged breach' },
      status: { sql: 'c.status', type: 'string', title: 'Status' },
      decision: { sql: 'c.decision', type: 'string', title: 'Decision' },
      publication: { sql: 'c.publication', type: 'string', title: 'published, unpublished or withdrawn' },
      receivedDate: { sql: 'c.received_date', type: 'date', title: 'Date received' },
    },
  },
};

/** The queryable property names of a kind of collection, with their JSON types. */
export function queryablesOf(kind: SourceKind): Record<string, { type: QueryableType; title: string }> {
  return Object.fromEntries(
    Object.entries(SOURCES[kind].queryables).map(([name, q]) => [name, { type: q.type, title: q.title }]),
  );
}

export const hasTime = (kind: SourceKind) => SOURCES[kind].timeFrom !== null;

/** Which collection: the kind and what its fixed WHERE binds. */
export interface Scope {
  kind: SourceKind;
  authorityId: number;
  layerId?: string;
  dataVersion?: number;
}

export interface ItemFilter {
  /** the box in EPSG:27700 metres or CRS84 degrees (min x, min y, max x, max y) */
  bbox?: { srid: 27700 | 4326; box: [number, number, number, number] };
  /** days, inclusive; null: open */
  dateFrom?: string | null;
  dateTo?: string | null;
  props: Array<{ name: string; value: string | number }>;
}

/** Where EPSG:27700 is meant to be used (with a wide margin): a CRS84 box is cut to this before it is projected. */
const BNG_AREA = { minX: -15, minY: 45, maxX: 5, maxY: 65 };

function whereOf(scope: Scope, filter: ItemFilter): { sql: string; bindings: Record<string, unknown> } {
  const src = SOURCES[scope.kind];
  const bindings: Record<string, unknown> = {
    authorityId: scope.authorityId,
    layerId: scope.layerId ?? null,
    dataVersion: scope.dataVersion ?? null,
  };
  const parts = [src.where];
  let n = 0;
  const bind = (v: unknown) => {
    const name = `p${n++}`;
    bindings[name] = v;
    return `:${name}`;
  };
  if (filter.bbox) {
    const [x1, y1, x2, y2] = filter.bbox.box;
    if (filter.bbox.srid === 27700) {
      // (from a box2d: a box of no width or height is the line or point it is, and still touches)
      const env = `ST_SetSRID(ST_MakeBox2D(ST_Point(${bind(x1)}, ${bind(y1)}), ST_Point(${bind(x2)}, ${bind(y2)}))::geometry, 27700)`;
      parts.push(`${src.geom} && ${env} AND ST_Intersects(${src.geom}, ${env})`);
    } else {
      // the index finds candidates in the projected, densified box (grown by a metre for the curvature left
      // between its vertices); the exact test is in CRS84, on the coordinates the answer shows
      const cx1 = Math.max(x1, BNG_AREA.minX);
      const cy1 = Math.max(y1, BNG_AREA.minY);
      const cx2 = Math.min(x2, BNG_AREA.maxX);
      const cy2 = Math.min(y2, BNG_AREA.maxY);
      if (cx1 > cx2 || cy1 > cy2) {
        parts.push('FALSE');
      } else {
        const step = Math.max((cx2 - cx1) / 1000, (cy2 - cy1) / 1000, 1e-5);
        const near = `ST_Expand(ST_Envelope(ST_Transform(ST_Segmentize(ST_MakeEnvelope(${bind(cx1)}, ${bind(cy1)},
          ${bind(cx2)}, ${bind(cy2)}, 4326), ${bind(step)}), 27700)), 1)`;
        const exact = `ST_SetSRID(ST_MakeBox2D(ST_Point(${bind(x1)}, ${bind(y1)}), ST_Point(${bind(x2)}, ${bind(y2)}))::geometry, 4326)`;
        parts.push(`${src.geom} && ${near} AND ST_Intersects(ST_Transform(${src.geom}, 4326), ${exact})`);
      }
    }
  }
  if (filter.dateFrom !== undefined || filter.dateTo !== undefined) {
    if (!src.timeFrom || !src.timeTo) {
      parts.push('FALSE');
    } else {
      // a day (or a span of days; NULL: open) matches when it overlaps the asked interval
      if (filter.dateFrom) parts.push(`(${src.timeTo} IS NULL OR ${src.timeTo} >= ${bind(filter.dateFrom)}::date)`);
      if (filter.dateTo) parts.push(`(${src.timeFrom} IS NULL OR ${src.timeFrom} <= ${bind(filter.dateTo)}::date)`);
    }
  }
  for (const p of filter.props) {
    const q = src.queryables[p.name];
    if (!q) throw new Error(`not a queryable: ${p.name}`);
    if (q.sql === 'p.uprns') parts.push(`${bind(p.value)}::bigint = ANY(p.uprns)`);
    else if (q.type === 'date') parts.push(`${q.sql} = ${bind(p.value)}::date`);
    else if (q.type === 'integer') parts.push(`${q.sql} = ${bind(p.value)}::bigint`);
    else parts.push(`${q.sql} = ${bind(p.value)}::text`);
  }
  return { sql: parts.join(' AND '), bindings };
}

export interface FeatureRow {
  id: number;
  /** GeoJSON geometry text, or null (an application without a site) */
  geometry: string | null;
  [prop: string]: unknown;
}

const geomOut = (geom: string, srid: 27700 | 4326) =>
  srid === 4326 ? `ST_AsGeoJSON(ST_Transform(${geom}, 4326), 9)` : `ST_AsGeoJSON(${geom}, 4)`;

/**
 * One keyset page: `after` (id > after, ascending) or `before` (id < before, read descending and returned
 * ascending); `limit + 1` rows are read so the caller knows whether there is more in that direction.
 */
export async function pageFeatures(
  db: Db,
  scope: Scope,
  filter: ItemFilter,
  page: { after?: number; before?: number; limit: number; srid: 27700 | 4326 },
): Promise<FeatureRow[]> {
  const src = SOURCES[scope.kind];
  const w = whereOf(scope, filter);
  const bindings: Record<string, unknown> = { ...w.bindings, lim: page.limit + 1 };
  let keyset = '';
  if (page.after !== undefined) {
    keyset = ` AND ${src.id} > :keyAfter::bigint`;
    bindings.keyAfter = page.after;
  } else if (page.before !== undefined) {
    keyset = ` AND ${src.id} < :keyBefore::bigint`;
    bindings.keyBefore = page.before;
  }
  const order = page.before !== undefined ? 'DESC' : 'ASC';
  const { rows } = await db.raw<{ rows: FeatureRow[] }>(
    `SELECT ${src.id} AS id, ${geomOut(src.geom, page.srid)} AS geometry, ${src.props}
       FROM ${src.from}
      WHERE ${w.sql}${keyset}
      ORDER BY ${src.id} ${order}
      LIMIT :lim`,
    bindings,
  );
  return page.before !== undefined ? rows.reverse() : rows;
}

/** One feature by id, or undefined. */
export async function oneFeature(
  db: Db,
  scope: Scope,
  id: number,
  srid: 27700 | 4326,
): Promise<FeatureRow | undefined> {
  const src = SOURCES[scope.kind];
  const w = whereOf(scope, { props: [] });
  const { rows } = await db.raw<{ rows: FeatureRow[] }>(
    `SELECT ${src.id} AS id, ${geomOut(src.geom, srid)} AS geometry, ${src.props}
       FROM ${src.from}
      WHERE ${w.sql} AND ${src.id} = :featureId::bigint`,
    { ...w.bindings, featureId: id },
  );
  return rows[0];
}

/** How many features match, counting at most `cap` + 1 (more than `cap`: the answer is cap + 1). */
export async function countFeatures(db: Db, scope: Scope, filter: ItemFilter, cap: number): Promise<number> {
  const src = SOURCES[scope.kind];
  const w = whereOf(scope, filter);
  const { rows } = await db.raw<{ rows: Array<{ n: number }> }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${src.from} WHERE ${w.sql} LIMIT :cap) x`,
    { ...w.bindings, cap: cap + 1 },
  );
  return rows[0]!.n;
}

export interface CollectionStats {
  count: number;
  /** exact bounds of the geometries in EPSG:27700 and in CRS84 (each geometry transformed), null when none */
  bbox27700: [number, number, number, number] | null;
  bboxCrs84: [number, number, number, number] | null;
  /** first and last day (null: open at that end), or null when no feature has a date */
  time: [string | null, string | null] | null;
}

/** Count, exact extents (from the coordinates, not the float4 index boxes) and time span of a whole collection. */
export async function collectionStats(db: Db, scope: Scope): Promise<CollectionStats> {
  const src = SOURCES[scope.kind];
  const w = whereOf(scope, { props: [] });
  const { rows } = await db.raw<{
    rows: Array<{
      n: number;
      x0: number | null;
      y0: number | null;
      x1: number | null;
      y1: number | null;
      lon0: number | null;
      lat0: number | null;
      lon1: number | null;
      lat1: number | null;
      t0: string | null;
      open0: boolean | null;
      t1: string | null;
      open1: boolean | null;
    }>;
  }>(
    `SELECT count(*)::int AS n,
            min(ST_XMin(b)) AS x0, min(ST_YMin(b)) AS y0, max(ST_XMax(b)) AS x1, max(ST_YMax(b)) AS y1,
            min(ST_XMin(d)) AS lon0, min(ST_YMin(d)) AS lat0, max(ST_XMax(d)) AS lon1, max(ST_YMax(d)) AS lat1,
            min(t_from)::text AS t0, bool_or(t_from IS NULL) AS open0,
            max(t_to)::text AS t1, bool_or(t_to IS NULL) AS open1
       FROM (SELECT ${src.timeFrom ?? 'NULL::date'} AS t_from, ${src.timeTo ?? 'NULL::date'} AS t_to,
                    Box3D(${src.geom}) AS b, Box3D(ST_Transform(${src.geom}, 4326)) AS d
               FROM ${src.from} WHERE ${w.sql}) q`,
    w.bindings,
  );
  const r = rows[0]!;
  const hasBox = r.x0 !== null && r.n > 0;
  const anyTime = r.t0 !== null || r.t1 !== null;
  return {
    count: r.n,
    bbox27700: hasBox ? [r.x0!, r.y0!, r.x1!, r.y1!] : null,
    bboxCrs84: hasBox ? [r.lon0!, r.lat0!, r.lon1!, r.lat1!] : null,
    time: anyTime ? [r.open0 ? null : r.t0, r.open1 ? null : r.t1] : null,
  };
}

/** What changes whenever a collection's features may have changed: a cache of its stats is kept per signature. */
export async function signatureOf(db: Db, scope: Scope): Promise<string> {
  if (scope.kind === 'layer') return `layer:${scope.layerId}:${scope.dataVersion}`;
  if (scope.kind === 'applications') {
    const row = await db('public_data_state').first('version');
    return `applications:${row?.version ?? 0}`;
  }
  if (scope.kind === 'properties') {
    const { rows } = await db.raw<{ rows: Array<{ s: string }> }>(
      `SELECT concat_ws(':', (SELECT data_version FROM reference_dataset WHERE id = 'property'), count(*), max(id)) AS s
         FROM property`,
    );
    return `properties:${rows[0]!.s}`;
  }
  const { rows } = await db.raw<{ rows: Array<{ s: string }> }>(
    `SELECT concat_ws(':', count(*), max(c.data_version), max(s.id)) AS s
       FROM case_record c JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL
      WHERE c.authority_id = :authorityId`,
    { authorityId: scope.authorityId },
  );
  return `cases:${rows[0]!.s}`;
}

export interface LayerInfo {
  id: string;
  title: string;
  category: string;
  dataset: string | null;
  dataVersion: number;
  loadedAt: Date | null;
}

/** The active (not retired) constraint layers, by category and id; or the one of `id`. */
export async function activeLayers(db: Db, id?: string): Promise<LayerInfo[]> {
  const q = db('layer')
    .whereNull('retired_at')
    .orderBy(['category', 'id'])
    .select('id', 'title', 'category', 'dataset', 'data_version as dataVersion', 'loaded_at as loadedAt');
  if (id !== undefined) q.where({ id });
  return q;
}
