/** The public planning register: search with filters, paging and sorting; "near me" from a postcode, an address,
 *  an OS grid reference, an easting/northing or the browser's latitude/longitude; an application by its slug; weekly
 *  and monthly lists. Everything it reads comes through ./repo.ts from the public_* views, and every item it returns
 *  is built field by field here (nothing is passed through from a row). */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { parsePlace } from '../../../shared/place.ts';
import { APPLICATION_DECISIONS, APPLICATION_STATUSES, APPLICATION_TYPES } from '../../../shared/domain/cases.ts';
import { casePublicity } from '../publicity/service.ts';
import * as repo from './repo.ts';
import { listPublishedComments } from '../comments/service.ts';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(t: T) => z.preprocess(blank, t.optional());
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(s + 'T00:00:00Z');
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'is not a real calendar date')
  .refine((s) => s >= '1900-01-01' && s <= '2200-12-31', 'must be between 1900-01-01 and 2200-12-31');

export const SORTS = ['received-desc', 'received-asc', 'decided-desc', 'reference', 'distance'] as const;
export const RADII = [100, 250, 500, 1000, 2000, 5000] as const;
export const MAX_RADIUS_M = 10_000;

/** The search's query string: the same for the /register pages and /api/public/applications(.geojson). */
export const SearchQuery = z
  .object({
    q: opt(z.string().trim().max(200)),
    reference: opt(z.string().trim().max(64)),
    address: opt(z.string().trim().max(200)),
    postcode: opt(z.string().trim().max(10)),
    type: opt(z.string().max(64)),
    status: opt(z.enum(APPLICATION_STATUSES)),
    decision: opt(z.enum(APPLICATION_DECISIONS)),
    receivedFrom: opt(IsoDate),
    receivedTo: opt(IsoDate),
    decidedFrom: opt(IsoDate),
    decidedTo: opt(IsoDate),
    /** "x,y" (EPSG:27700 metres), a postcode, an address, a grid reference, or "lat,lon" */
    near: opt(z.string().trim().max(200)),
    lat: opt(z.coerce.number().min(-90).max(90)),
    lon: opt(z.coerce.number().min(-180).max(180)),
    radius: opt(z.coerce.number().positive().max(MAX_RADIUS_M)),
    /** minx,miny,maxx,maxy in EPSG:27700 */
    bbox: opt(
      z
        .string()
        .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'must be minx,miny,maxx,maxy in EPSG:27700 metres')
        .transform((s) => s.split(',').map(Number) as [number, number, number, number]),
    ),
    sort: opt(z.enum(SORTS)),
    page: opt(z.coerce.number().int().min(1).max(10_000)),
    pageSize: opt(z.coerce.number().int().min(1).max(100)),
    crs: opt(z.enum(['CRS84', 'EPSG:4326', 'EPSG:27700'])),
  })
  .strict();
export type SearchQueryInput = z.infer<typeof SearchQuery>;

export interface NearPlace {
  x: number;
  y: number;
  radiusM: number;
  label: string;
}

const POSTCODE = /^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}$/;

/** Where "near" is: a place the text names, or the browser's latitude and longitude. A text that names no place
 *  it can find is a 400 saying so (never an empty list that looks like "nothing near you"). */
export async function resolveNear(
  db: Knex,
  authorityId: number,
  q: Pick<SearchQueryInput, 'near' | 'lat' | 'lon' | 'radius'>,
): Promise<NearPlace | undefined> {
  const radiusM = q.radius ?? 500;
  // typed text wins over a browser location left in the form from an earlier search
  if (q.lat !== undefined && q.lon !== undefined && !q.near) {
    const p = parsePlace(`${q.lat}, ${q.lon}`);
    if (!p || !p.ok) throw nearError(p?.message ?? 'That latitude and longitude is not in Great Britain.');
    return { x: p.place.x, y: p.place.y, radiusM, label: 'your location' };
  }
  const text = q.near;
  if (!text) return undefined;
  const xy = /^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)$/.exec(text);
  if (xy && Math.abs(Number(xy[1])) > 180) {
    const place = parsePlace(text);
    if (place && !place.ok) throw nearError(place.message);
    return { x: Number(xy[1]), y: Number(xy[2]), radiusM, label: `${xy[1]}, ${xy[2]}` };
  }
  if (POSTCODE.test(text)) {
    const pc = await repo.postcodePoint(db, text);
    if (!pc) throw nearError(`We could not find the postcode ${text.toUpperCase()}. Check it, or try an address.`);
    return { x: pc.x, y: pc.y, radiusM, label: pc.postcode };
  }
  const place = parsePlace(text);
  if (place) {
    if (!place.ok) throw nearError(place.message);
    return { x: place.place.x, y: place.place.y, radiusM, label: place.place.label };
  }
  const addr = await repo.addressPoint(db, authorityId, text);
  if (!addr) throw nearError(`We could not find "${text}". Try a postcode, or a house number and street.`);
  return { x: addr.x, y: addr.y, radiusM, label: text };
}

const nearError = (message: string) =>
  new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'query.near', message }] });

const typeNames = new Map(APPLICATION_TYPES.map((t) => [t.reference, t.name]));
export const applicationTypeName = (ref: string) => typeNames.get(ref) ?? ref;

/** One application as the public sees it: every field named here (the allow-list's last step). */
export function itemOf(r: repo.ApplicationRow) {
  return {
    reference: r.reference,
    slug: r.slug,
    url: `/register/applications/${r.slug}`,
    applicationType: r.applicationType,
    applicationTypeLabel: r.applicationTypeLabel ?? applicationTypeName(r.applicationType),
    proposal: r.proposal,
    siteAddress: r.siteAddress,
    postcode: r.postcode,
    status: r.status,
    decision: r.decision,
    decisionDate: r.decisionDate,
    receivedDate: r.receivedDate,
    validDate: r.validDate,
    consultationEndDate: r.consultationEndDate,
    earliestDecisionDate: r.earliestDecisionDate,
    targetDate: r.targetDate,
    /** EPSG:27700 metres, the point on the site's surface (null: no site drawn yet) */
    point: r.x === null || r.y === null ? null : [round(r.x, 2), round(r.y, 2)],
    ...(r.distanceM !== null && r.distanceM !== undefined ? { distanceM: round(r.distanceM, 2) } : {}),
  };
}
export type PublicItem = ReturnType<typeof itemOf>;

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;

function filterOf(authorityId: number, q: SearchQueryInput, near: NearPlace | undefined): repo.SearchFilter {
  return {
    authorityId,
    q: q.q,
    reference: q.reference,
    address: q.address,
    postcode: q.postcode,
    type: q.type,
    status: q.status,
    decision: q.decision,
    receivedFrom: q.receivedFrom,
    receivedTo: q.receivedTo,
    decidedFrom: q.decidedFrom,
    decidedTo: q.decidedTo,
    near: near ? { x: near.x, y: near.y, radiusM: near.radiusM } : undefined,
    bbox: q.bbox,
  };
}

function pagingOf(q: SearchQueryInput, near: NearPlace | undefined) {
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const sort: repo.SortKey = q.sort ?? (near ? 'distance' : 'received-desc');
  return { page, pageSize, sort, limit: pageSize, offset: (page - 1) * pageSize };
}

/** The query string for the same search with some parameters changed (paging and sorting links). */
export function searchHref(base: string, q: Record<string, unknown>, change: Record<string, unknown> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...change })) {
    if (v === undefined || v === null || v === '' || k === 'crs') continue;
    params.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

export async function search(db: Knex, authorityId: number, q: SearchQueryInput) {
  const near = await resolveNear(db, authorityId, q);
  const p = pagingOf(q, near);
  if (p.sort === 'distance' && !near) p.sort = 'received-desc';
  const { rows, total, totalIsLowerBound } = await repo.searchApplications(
    db,
    filterOf(authorityId, q, near),
    p.sort,
    p,
  );
  return { items: rows.map(itemOf), total, totalIsLowerBound, page: p.page, pageSize: p.pageSize, sort: p.sort, near };
}

/** "1,234" */
const thousands = (n: number) => n.toLocaleString('en-GB');

/** How many a search found, in words: "1 application", "20 applications", "more than 1,000 applications". */
export function totalText(r: { total: number; totalIsLowerBound?: boolean }): string {
  if (r.totalIsLowerBound) return `more than ${thousands(r.total - 1)} applications`;
  return `${thousands(r.total)} application${r.total === 1 ? '' : 's'}`;
}

/** Paging links. When the total is a lower bound (the count stopped at the cap) there is no `last` link: the last
 *  page is not known; `next` is there whenever a further page may hold something. */
export function linksOf(
  base: string,
  q: SearchQueryInput,
  r: { total: number; totalIsLowerBound?: boolean; page: number; pageSize: number },
) {
  const last = Math.max(1, Math.ceil(r.total / r.pageSize));
  const qs = { ...q, bbox: q.bbox?.join(',') };
  return {
    self: searchHref(base, qs, { page: r.page }),
    first: searchHref(base, qs, { page: 1 }),
    ...(r.totalIsLowerBound ? {} : { last: searchHref(base, qs, { page: last }) }),
    ...(r.page > 1 ? { prev: searchHref(base, qs, { page: Math.min(r.page - 1, last) }) } : {}),
    ...(r.page < last ? { next: searchHref(base, qs, { page: r.page + 1 }) } : {}),
  };
}

/** The same search as a GeoJSON FeatureCollection: CRS84 (longitude, latitude) unless crs=EPSG:27700. */
export async function searchGeoJson(db: Knex, authorityId: number, q: SearchQueryInput) {
  const near = await resolveNear(db, authorityId, q);
  const p = pagingOf(q, near);
  if (p.sort === 'distance' && !near) p.sort = 'received-desc';
  const bng = q.crs === 'EPSG:27700';
  const { rows, total, totalIsLowerBound } = await repo.searchApplicationsGeo(
    db,
    filterOf(authorityId, q, near),
    p.sort,
    p,
    bng ? 27700 : 4326,
  );
  return {
    type: 'FeatureCollection' as const,
    ...(bng ? { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } } } : {}),
    features: rows.map((r) => {
      const { point, ...props } = itemOf(r);
      void point;
      return {
        type: 'Feature' as const,
        id: r.slug,
        // the site outline when there is one; without a site there is no geometry (never a guessed point)
        geometry: r.site ? (JSON.parse(r.site) as unknown) : null,
        properties: {
          ...props,
          point: r.point ? (JSON.parse(r.point) as { coordinates: number[] }).coordinates : null,
        },
      };
    }),
    total,
    ...(totalIsLowerBound ? { totalIsLowerBound } : {}),
    page: p.page,
    pageSize: p.pageSize,
  };
}

export async function application(db: Knex, authorityId: number, slug: string) {
  const r = await repo.findBySlug(db, authorityId, slug);
  if (!r) throw new AppError('NOT_FOUND', `There is no published application ${slug}.`, { slug });
  const [publicity, constraints, notice, site, comments] = await Promise.all([
    repo.publicityDone(db, r.id),
    repo.constraintSummary(db, r.id),
    repo.decisionNotice(db, r.id),
    repo.siteSummary(db, r.id),
    // published comments only (the public_comment view): the text as published and the street, nothing else
    listPublishedComments(db, r.id),
  ]);
  return {
    ...itemOf(r),
    site: r.site
      ? {
          geometry: JSON.parse(r.site) as unknown,
          crs: 'EPSG:27700',
          areaM2: site ? round(site.areaM2, 1) : null,
          bbox: site?.bbox.map((v) => round(v, 2)) ?? null,
        }
      : null,
    publicity: publicity.map((e) => ({ kind: e.kind, date: e.date })),
    comments: comments.map((c) => ({
      stance: c.stance,
      text: c.text,
      street: c.street,
      // the London calendar date it was published
      publishedAt: new Date(c.publishedAt).toLocaleDateString('en-CA', { timeZone: 'Europe/London' }),
    })),
    constraints: {
      checkedOn: constraints[0]?.checkedOn ?? null,
      layers: constraints.map((c) => ({ layerId: c.layerId, title: c.title, category: c.category, status: c.status })),
    },
    decisionNotice:
      notice && r.decisionDate
        ? {
            title: notice.title,
            pages: notice.pages,
            bytes: notice.bytes,
            url: `/register/applications/${r.slug}/decision-notice.pdf`,
          }
        : null,
  };
}
export type PublicApplication = Awaited<ReturnType<typeof application>>;

export async function decisionNoticePdf(db: Knex, authorityId: number, slug: string) {
  const r = await repo.findBySlug(db, authorityId, slug);
  const doc = r && r.decisionDate ? await repo.decisionNoticePdf(db, r.id) : undefined;
  if (!r || !doc) throw new AppError('NOT_FOUND', `There is no public decision notice for ${slug}.`, { slug });
  return { ...doc, reference: r.reference };
}

/** Published enforcement near a place, at street level (empty unless the authority publishes enforcement). */
export async function enforcementNear(db: Knex, authorityId: number, near: NearPlace) {
  return (await repo.enforcementNear(db, authorityId, near)).map((e) => ({
    reference: e.reference,
    street: e.street,
    status: e.status,
    openedDate: e.openedDate,
    distanceM: e.distanceM === null ? null : Math.round(e.distanceM / 10) * 10,
  }));
}

// ---------------------------------------------------------------- weekly and monthly lists

const iso = (d: Date) => d.toISOString().slice(0, 10);
const addDaysUtc = (s: string, n: number) => iso(new Date(Date.parse(s + 'T00:00:00Z') + n * 86_400_000));

/** The Monday-to-Sunday week holding `day` (today when not given). */
export function weekOf(day: string | undefined, today = iso(new Date())) {
  const d = day && IsoDate.safeParse(day).success ? day : today;
  const dow = (new Date(d + 'T00:00:00Z').getUTCDay() + 6) % 7;
  const from = addDaysUtc(d, -dow);
  const to = addDaysUtc(from, 6);
  return { from, to, prev: addDaysUtc(from, -7), next: addDaysUtc(from, 7) };
}

/** The calendar month `month` (YYYY-MM; this month when not given). */
export function monthOf(month: string | undefined, today = iso(new Date())) {
  const m = month && /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? month : today.slice(0, 7);
  const [y, mo] = m.split('-').map(Number) as [number, number];
  const from = `${m}-01`;
  const to = iso(new Date(Date.UTC(y, mo, 0)));
  const prev = iso(new Date(Date.UTC(y, mo - 2, 1))).slice(0, 7);
  const next = iso(new Date(Date.UTC(y, mo, 1))).slice(0, 7);
  return { month: m, from, to, prev, next };
}

/** Applications received, and applications decided, between two dates (both inclusive). */
export async function periodList(db: Knex, authorityId: number, from: string, to: string) {
  const page = { limit: 500, offset: 0 };
  const [received, decided] = await Promise.all([
    repo.searchApplications(db, { authorityId, receivedFrom: from, receivedTo: to }, 'received-asc', page),
    repo.searchApplications(db, { authorityId, decidedFrom: from, decidedTo: to }, 'decided-desc', page),
  ]);
  return {
    received: {
      items: received.rows.map(itemOf),
      total: received.total,
      totalIsLowerBound: received.totalIsLowerBound,
    },
    decided: { items: decided.rows.map(itemOf), total: decided.total, totalIsLowerBound: decided.totalIsLowerBound },
  };
}

// ---------------------------------------------------------------- caching

/** A strong ETag: the hash of the body as sent. */
export const etagOfBody = (body: string) => `"${crypto.createHash('sha1').update(body).digest('base64url')}"`;

// ---------------------------------------------------------------- publicity dates for the register

/**
 * Stores a case's consultation end (the last day of its representation windows) and earliest decision date,
 * computed by the publicity rules (shared/domain/publicity through ../publicity/service.ts casePublicity), in the
 * case_record columns the public_application view shows. The rules run in TypeScript (working days, bank
 * holidays, the SCI), so the register keeps the result rather than re-deriving it in SQL. Call it whenever the
 * publicity of a case may change: a case edit (cases service), a publicity event recorded, corrected or voided,
 * a new constraint check. Dates unknown to the rules are stored as null ("not yet known"), never guessed.
 */
export async function refreshPublicDates(db: Knex, authorityId: number, caseId: number): Promise<void> {
  let earliest: string | null = null;
  try {
    const p = (await casePublicity(db, authorityId, caseId)) as {
      applies: boolean;
      earliestDecisionDate?: string | null;
    };
    earliest = p.applies ? (p.earliestDecisionDate ?? null) : null;
  } catch {
    // rules that cannot be applied (no such case, a type the rules do not know): "not yet known", never a guess
    earliest = null;
  }
  await repo.storePublicDates(db, caseId, earliest ? addDaysUtc(earliest, -1) : null, earliest);
}

/** A case's publication (staff side: the PATCH /api/cases/:id audit). */
export const publicationOf = (db: Knex | Knex.Transaction, caseId: number) => repo.publicationOf(db, caseId);
