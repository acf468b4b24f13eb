/**
 * OGC API – Features (Part 1 core + GeoJSON + OpenAPI 3.0, Part 2 CRS, Part 3 queryables as query parameters)
 * under /ogc. The collections:
 *  - layer-<id>    each active constraint layer's current data (retired layers are not served)
 *  - properties    the property outlines
 *  - applications  the public register's published applications (public_application: the public allow-list)
 *  - cases         staff only (a session or an API token): every case of the authority with a current site, no
 *                  personal data. Anonymous callers do not see it listed and get 401 from its URLs.
 * Paging is keyset paging on the feature id: `next` / `prev` links carry an opaque cursor, never an offset.
 * numberMatched is exact; for a filtered request (bbox, datetime, properties) matching more than COUNT_CAP features
 * it is left out (OGC allows that) rather than guessed. An unfiltered request's count comes from the collection's
 * stats, computed once per data version.
 */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import type { User } from '../users/service.ts';
import * as repo from './repo.ts';

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
export const EPSG27700 = 'http://www.opengis.net/def/crs/EPSG/0/27700';
export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
];
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;
/** a filtered request counts at most this many matches; beyond it numberMatched is left out */
export const COUNT_CAP = 10_000;

const MEDIA_GEOJSON = 'application/geo+json';
const MEDIA_JSON = 'application/json';

export interface Collection {
  id: string;
  title: string;
  description: string;
  staffOnly: boolean;
  scope: repo.Scope;
}

const canSeeStaff = (user: User | undefined) =>
  Boolean(user && (PERMISSIONS.caseRead as readonly string[]).includes(user.role));

/** The collections this caller may see, in order: the constraint layers, then outlines, applications, cases. */
export async function listCollections(db: Knex, authorityId: number, user: User | undefined): Promise<Collection[]> {
  const layers = await repo.activeLayers(db);
  const out: Collection[] = layers.map((l) => layerCollection(l, authorityId));
  out.push(...fixedCollections(authorityId).filter((c) => !c.staffOnly || canSeeStaff(user)));
  return out;
}

function layerCollection(l: repo.LayerInfo, authorityId: number): Collection {
  return {
    id: `layer-${l.id}`,
    title: l.title,
    description:
      `Constraint layer "${l.id}" (${l.category}${l.dataset ? `, dataset ${l.dataset}` : ''}): ` +
      (l.dataVersion > 0
        ? `data version ${l.dataVersion}${l.loadedAt ? `, loaded ${l.loadedAt.toISOString()}` : ''}.`
        : 'not loaded yet.'),
    staffOnly: false,
    scope: { kind: 'layer', authorityId, layerId: l.id, dataVersion: l.dataVersion },
  };
}

function fixedCollections(authorityId: number): Collection[] {
  return [
    {
      id: 'properties',
      title: 'Property outlines',
      description: 'Property outlines (e.g. HM Land Registry INSPIRE index polygons) and the UPRNs within each.',
      staffOnly: false,
      scope: { kind: 'properties', authorityId },
    },
    {
      id: 'applications',
      title: 'Planning applications (public register)',
      description:
        'Published planning applications: the public register’s fields, the current site (or its point). ' +
        'Time: the date received.',
      staffOnly: false,
      scope: { kind: 'applications', authorityId },
    },
    {
      id: 'cases',
      title: 'Cases with sites (staff)',
      description:
        'Every planning application and enforcement case with a current site, published or not; no personal ' +
        'data. Staff only: sign in or send an API token (Authorization: Bearer …).',
      staffOnly: true,
      scope: { kind: 'cases', authorityId },
    },
  ];
}

/** The collection of `id` for this caller: 404 when there is none, 401 for a staff collection without a user. */
export async function findCollection(
  db: Knex,
  authorityId: number,
  user: User | undefined,
  id: string,
): Promise<Collection> {
  let found: Collection | undefined;
  if (id.startsWith('layer-')) {
    const layerId = id.slice('layer-'.length);
    if (/^[a-z0-9][a-z0-9-]*$/.test(layerId)) {
      const [l] = await repo.activeLayers(db, layerId);
      if (l) found = layerCollection(l, authorityId);
    }
  } else {
    found = fixedCollections(authorityId).find((c) => c.id === id);
  }
  if (!found) throw new AppError('NOT_FOUND', `There is no collection "${id}". GET /ogc/collections lists them.`);
  if (found.staffOnly && !user) {
    throw new AppError(
      'AUTHENTICATION_REQUIRED',
      `The collection "${id}" is for staff: sign in or send an API token (Authorization: Bearer …).`,
    );
  }
  if (found.staffOnly && !canSeeStaff(user)) {
    throw new AppError(
      'FORBIDDEN',
      `The collection "${id}" needs one of the roles ${PERMISSIONS.caseRead.join(', ')}.`,
    );
  }
  return found;
}

// ---- stats, kept per signature (a layer's data version, the register's data version, …) ----

export class StatsCache {
  private readonly entries = new Map<string, { sig: string; stats: Promise<repo.CollectionStats> }>();
  async get(db: Knex, c: Collection): Promise<repo.CollectionStats> {
    const sig = await repo.signatureOf(db, c.scope);
    const hit = this.entries.get(c.id);
    if (hit && hit.sig === sig) return hit.stats;
    const stats = repo.collectionStats(db, c.scope);
    this.entries.set(c.id, { sig, stats });
    stats.catch(() => {
      if (this.entries.get(c.id)?.stats === stats) this.entries.delete(c.id);
    });
    return stats;
  }
}

// ---- parameters ----

type Query = Record<string, unknown>;

function badParam(name: string, message: string, code: 'VALIDATION_FAILED' | 'CRS_UNSUPPORTED' = 'VALIDATION_FAILED') {
  return new AppError(code, `${name}: ${message}`, { issues: [{ path: `query.${name}`, message }] }, 400);
}

/** The query's parameters as single strings; 400 for a repeated parameter or one not in `allowed`. */
export function singleParams(query: Query, allowed: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (!allowed(k) && k !== 'crs') throw badParam(k, 'is not a parameter of this resource');
    // the same value twice is one value (GDAL appends the dataset URL's own parameters to every link it follows)
    const values = Array.isArray(v) ? [...new Set(v)] : [v];
    if (values.length !== 1 || typeof values[0] !== 'string') throw badParam(k, 'is given more than once');
    out[k] = values[0];
  }
  if (out.f !== undefined && out.f !== 'json') throw badParam('f', 'only json is offered (GeoJSON for features)');
  // crs is accepted everywhere (a client may put it in the API's address); where nothing has geometry it is only
  // checked
  parseCrs('crs', out.crs);
  return out;
}

export function parseCrs(name: string, v: string | undefined): 27700 | 4326 {
  if (v === undefined) return 4326;
  const s = v.trim().replace(/^\[(.*)\]$/, '$1');
  if ([CRS84, 'CRS84', 'OGC:CRS84', 'http://www.opengis.net/def/crs/OGC/0/CRS84'].includes(s)) return 4326;
  if ([EPSG27700, 'EPSG:27700', 'urn:ogc:def:crs:EPSG::27700'].includes(s)) return 27700;
  throw badParam(name, `must be ${CRS84} or ${EPSG27700}`, 'CRS_UNSUPPORTED');
}

export function parseLimit(v: string | undefined): number {
  if (v === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1)
    throw badParam('limit', `must be a whole number from 1 (at most ${MAX_LIMIT} are returned)`);
  // OGC: a limit above the maximum is not an error; the maximum is used
  return Math.min(Number(v), MAX_LIMIT);
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export function parseBbox(v: string | undefined, srid: 27700 | 4326): repo.ItemFilter['bbox'] {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim());
  if ((parts.length !== 4 && parts.length !== 6) || !parts.every((p) => NUMBER.test(p))) {
    throw badParam('bbox', 'must be four numbers (min x, min y, max x, max y) or six with heights, comma-separated');
  }
  const n = parts.map(Number);
  if (!n.every(Number.isFinite)) throw badParam('bbox', 'numbers must be finite');
  const [x1, y1, x2, y2] = parts.length === 6 ? [n[0]!, n[1]!, n[3]!, n[4]!] : [n[0]!, n[1]!, n[2]!, n[3]!];
  if (y1 > y2) throw badParam('bbox', 'the lower bound is above the upper bound');
  if (x1 > x2)
    throw badParam('bbox', 'the left bound is beyond the right (boxes across the antimeridian are not supported)');
  if (srid === 4326 && (x1 < -180 || x2 > 180 || y1 < -90 || y2 > 90)) {
    throw badParam('bbox', 'CRS84 longitudes are -180..180 and latitudes -90..90');
  }
  return { srid, box: [x1, y1, x2, y2] };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[-+]\d{2}:\d{2})$/;

/** A day (YYYY-MM-DD, UTC) from an RFC 3339 date or date-time; null for an open end (".." or empty). */
function instantDay(s: string): string | null {
  if (s === '..' || s === '') return null;
  let day: string | undefined;
  if (DATE.test(s)) {
    const d = new Date(`${s}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s) day = s;
  } else if (DATE_TIME.test(s)) {
    const d = new Date(s);
    const [, y, mo, da, h, mi, se] = DATE_TIME.exec(s)!;
    const valid = Number(mo) <= 12 && Number(da) <= 31 && Number(h) <= 23 && Number(mi) <= 59 && Number(se) <= 60;
    if (valid && !Number.isNaN(d.getTime()) && y) day = d.toISOString().slice(0, 10);
  }
  if (!day)
    throw badParam('datetime', `"${s}" is not an RFC 3339 date or date-time (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)`);
  return day;
}

/**
 * datetime: an instant or an interval start/end (".." or empty for an open end). Features' times are days, so
 * bounds are taken to their day (UTC) and a feature matches when its day (or span of days) overlaps the interval.
 */
export function parseDatetime(v: string | undefined): { dateFrom: string | null; dateTo: string | null } | undefined {
  if (v === undefined) return undefined;
  const parts = v.split('/');
  if (parts.length > 2) throw badParam('datetime', 'must be an instant or start/end');
  if (parts.length === 1) {
    if (parts[0] === '..' || parts[0] === '') throw badParam('datetime', 'an instant cannot be open');
    const d = instantDay(parts[0]!);
    return { dateFrom: d, dateTo: d };
  }
  const from = instantDay(parts[0]!);
  const to = instantDay(parts[1]!);
  if (from && to && from > to) throw badParam('datetime', 'the start is after the end');
  return { dateFrom: from, dateTo: to };
}

/** The opaque cursor of a page: after id n ("a") or before id n ("b"). */
export function encodeCursor(dir: 'a' | 'b', id: number): string {
  return Buffer.from(`${dir}${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(v: string | undefined): { after?: number; before?: number } {
  if (v === undefined) return {};
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(v) ? Buffer.from(v, 'base64url').toString('utf8') : '';
  const m = /^([ab])(\d{1,15})$/.exec(text);
  if (!m) throw badParam('cursor', 'is not a cursor this server gave (use the next and prev links as they are)');
  return m[1] === 'a' ? { after: Number(m[2]) } : { before: Number(m[2]) };
}

export function parsePropertyFilters(kind: repo.SourceKind, params: Record<string, string>): repo.ItemFilter['props'] {
  const q = repo.queryablesOf(kind);
  const out: repo.ItemFilter['props'] = [];
  for (const [name, value] of Object.entries(params)) {
    const def = q[name];
    if (!def) continue;
    if (def.type === 'integer') {
      if (!/^-?\d{1,15}$/.test(value)) throw badParam(name, 'must be a whole number');
      out.push({ name, value: Number(value) });
    } else if (def.type === 'date') {
      const d = DATE.exec(value) ? new Date(`${value}T00:00:00Z`) : null;
      if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
        throw badParam(name, 'must be a date YYYY-MM-DD');
      }
      out.push({ name, value });
    } else {
      if (value.length > 500) throw badParam(name, 'is longer than 500 characters');
      out.push({ name, value });
    }
  }
  return out;
}

export const ITEMS_PARAMS = ['limit', 'bbox', 'bbox-crs', 'datetime', 'crs', 'cursor', 'f'];

// ---- documents ----

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

export function landingPage(base: string) {
  return {
    title: 'Redline – OGC API – Features',
    description:
      'Constraint layers, property outlines and the public register’s planning applications as OGC API – Features ' +
      '(GeoJSON, CRS84 or EPSG:27700). Staff collections need a session or an API token.',
    links: [
      { href: `${base}`, rel: 'self', type: MEDIA_JSON, title: 'This document' },
      {
        href: `${base}/api`,
        rel: 'service-desc',
        type: 'application/vnd.oai.openapi+json;version=3.0',
        title: 'The API definition (OpenAPI 3.0)',
      },
      { href: `${base}/conformance`, rel: 'conformance', type: MEDIA_JSON, title: 'Conformance classes' },
      { href: `${base}/collections`, rel: 'data', type: MEDIA_JSON, title: 'The collections' },
    ],
  };
}

const round = (v: number, d: number) => Number(v.toFixed(d));

export async function collectionDocument(db: Knex, base: string, c: Collection, stats: StatsCache) {
  const s = await stats.get(db, c);
  const url = `${base}/collections/${c.id}`;
  const extent: Record<string, unknown> = {};
  if (s.bboxCrs84) {
    // outward by the printed precision, so the box still holds every feature
    const [a, b, cc, d] = s.bboxCrs84;
    extent.spatial = {
      bbox: [[round(a - 5e-10, 9), round(b - 5e-10, 9), round(cc + 5e-10, 9), round(d + 5e-10, 9)]],
      crs: CRS84,
    };
  }
  if (s.time) {
    extent.temporal = {
      interval: [[s.time[0] ? `${s.time[0]}T00:00:00Z` : null, s.time[1] ? `${s.time[1]}T23:59:59Z` : null]],
      trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian',
    };
  }
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    itemType: 'feature',
    ...(Object.keys(extent).length ? { extent } : {}),
    crs: [CRS84, EPSG27700],
    storageCrs: EPSG27700,
    /** not an OGC member: the number of features (numberMatched of an unfiltered items request) */
    featureCount: s.count,
    ...(s.bbox27700 ? { storageCrsBbox: s.bbox27700 } : {}),
    ...(c.staffOnly ? { staffOnly: true } : {}),
    links: [
      { href: url, rel: 'self', type: MEDIA_JSON, title: 'This collection' },
      { href: `${url}/items`, rel: 'items', type: MEDIA_GEOJSON, title: 'Features (GeoJSON)' },
      {
        href: `${url}/queryables`,
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables',
        type: 'application/schema+json',
        title: 'Queryables',
      },
      { href: `${url}/queryables`, rel: 'queryables', type: 'application/schema+json', title: 'Queryables' },
    ] satisfies Link[],
  };
}

export function queryablesDocument(base: string, c: Collection) {
  const q = repo.queryablesOf(c.scope.kind);
  const props: Record<string, unknown> = {
    geometry: { $ref: 'https://geojson.org/schema/Geometry.json', title: 'Geometry' },
  };
  for (const [name, def] of Object.entries(q)) {
    props[name] =
      def.type === 'date' ? { type: 'string', format: 'date', title: def.title } : { type: def.type, title: def.title };
  }
  return {
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    $id: `${base}/collections/${c.id}/queryables`,
    type: 'object',
    title: c.title,
    properties: props,
    additionalProperties: false,
  };
}

/** The GeoJSON text of a feature row (its geometry text spliced in as PostGIS wrote it). */
export function featureText(row: repo.FeatureRow, links?: Link[]): string {
  const { id, geometry, ...props } = row;
  return (
    `{"type":"Feature","id":${Number(id)},"geometry":${geometry ?? 'null'},"properties":${JSON.stringify(props)}` +
    (links ? `,"links":${JSON.stringify(links)}` : '') +
    '}'
  );
}

export interface ItemsRequest {
  collection: Collection;
  params: Record<string, string>;
}

export interface ItemsAnswer {
  body: string;
  srid: 27700 | 4326;
}

export async function itemsPage(db: Knex, base: string, req: ItemsRequest, stats: StatsCache): Promise<ItemsAnswer> {
  const { collection: c, params } = req;
  const queryables = repo.queryablesOf(c.scope.kind);
  for (const k of Object.keys(params)) {
    if (!ITEMS_PARAMS.includes(k) && !(k in queryables)) {
      throw badParam(k, `is not a parameter of this resource (queryables: ${Object.keys(queryables).join(', ')})`);
    }
  }
  const srid = parseCrs('crs', params.crs);
  const bboxSrid = parseCrs('bbox-crs', params['bbox-crs']);
  if (params['bbox-crs'] !== undefined && params.bbox === undefined)
    throw badParam('bbox-crs', 'is given without bbox');
  const limit = parseLimit(params.limit);
  const cursor = decodeCursor(params.cursor);
  const filter: repo.ItemFilter = {
    bbox: parseBbox(params.bbox, bboxSrid),
    ...parseDatetime(params.datetime),
    props: parsePropertyFilters(c.scope.kind, params),
  };
  const filtered = Boolean(
    filter.bbox || filter.dateFrom !== undefined || filter.dateTo !== undefined || filter.props.length,
  );

  const rows = await repo.pageFeatures(db, c.scope, filter, { ...cursor, limit, srid });
  const more = rows.length > limit;
  // the extra row is the one beyond the page: at its end going forward, at its start going back
  const page = more ? (cursor.before !== undefined ? rows.slice(1) : rows.slice(0, limit)) : rows;

  let matched: number | undefined;
  if (!filtered) matched = (await stats.get(db, c)).count;
  else {
    const n = await repo.countFeatures(db, c.scope, filter, COUNT_CAP);
    if (n <= COUNT_CAP) matched = n;
  }

  const url = `${base}/collections/${c.id}/items`;
  const qs = (extra: Record<string, string>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (k !== 'cursor') p.set(k, v);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    const s = p.toString();
    return s ? `${url}?${s}` : url;
  };
  const links: Link[] = [
    { href: qs(params.cursor ? { cursor: params.cursor } : {}), rel: 'self', type: MEDIA_GEOJSON, title: 'This page' },
    { href: `${base}/collections/${c.id}`, rel: 'collection', type: MEDIA_JSON, title: 'The collection' },
  ];
  const first = page[0];
  const last = page[page.length - 1];
  const hasNext = cursor.before !== undefined ? true : more;
  const hasPrev = cursor.before !== undefined ? more : cursor.after !== undefined;
  if (hasNext && (last || cursor.before !== undefined)) {
    const afterId = last ? Number(last.id) : cursor.before! - 1;
    links.push({
      href: qs({ cursor: encodeCursor('a', afterId) }),
      rel: 'next',
      type: MEDIA_GEOJSON,
      title: 'Next page',
    });
  }
  if (hasPrev) {
    const beforeId = first ? Number(first.id) : cursor.after! + 1;
    links.push({
      href: qs({ cursor: encodeCursor('b', beforeId) }),
      rel: 'prev',
      type: MEDIA_GEOJSON,
      title: 'Previous page',
    });
  }
  const head = {
    type: 'FeatureCollection',
    timeStamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(matched !== undefined ? { numberMatched: matched } : {}),
    numberReturned: page.length,
    links,
  };
  const headText = JSON.stringify(head);
  const body = `${headText.slice(0, -1)},"features":[${page.map((r) => featureText(r)).join(',')}]}`;
  return { body, srid };
}

export async function oneItem(
  db: Knex,
  base: string,
  c: Collection,
  featureId: string,
  params: Record<string, string>,
) {
  for (const k of Object.keys(params)) {
    if (k !== 'crs' && k !== 'f') throw badParam(k, 'is not a parameter of this resource');
  }
  const srid = parseCrs('crs', params.crs);
  if (!/^\d{1,15}$/.test(featureId)) {
    throw new AppError('NOT_FOUND', `There is no feature "${featureId}" in the collection "${c.id}".`);
  }
  const row = await repo.oneFeature(db, c.scope, Number(featureId), srid);
  if (!row) throw new AppError('NOT_FOUND', `There is no feature "${featureId}" in the collection "${c.id}".`);
  const url = `${base}/collections/${c.id}/items/${featureId}`;
  const links: Link[] = [
    { href: srid === 27700 ? `${url}?crs=${encodeURIComponent(EPSG27700)}` : url, rel: 'self', type: MEDIA_GEOJSON },
    { href: `${base}/collections/${c.id}`, rel: 'collection', type: MEDIA_JSON },
  ];
  return { body: featureText(row, links), srid };
}
