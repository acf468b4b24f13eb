/**
 * The public register's JSON and GeoJSON API (no account): GET /api/public/applications (search: the filters of the
 * /register page), GET /api/public/applications.geojson (the same page of results as a FeatureCollection, CRS84 by
 * default, ?crs=EPSG:27700) and GET /api/public/applications/:slug. Each answer carries a strong ETag (the hash of
 * its body), answers If-None-Match with 304, and may be cached for a minute by the browser and any CDN.
 */
import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { AppContext } from '../../http/context.ts';
import { parseQuery } from '../../http/validate.ts';
import { z } from 'zod';
import * as register from './service.ts';
import { VersionCache, type CachedAnswer } from '../../http/version-cache.ts';
// the version read by a prepared statement (one per request, the cheapest part of a cached answer)
import { publicDataVersion as dataVersion } from '../public-tiles/repo.ts';

/** Where public routes read. TODO(readDb): the tiles/replica helper adds ctx.readDb (DATABASE_READ_URL replica or
 *  the primary); until then this falls back to ctx.db. */
export const readDbOf = (ctx: AppContext): Knex => (ctx as AppContext & { readDb?: Knex }).readDb ?? ctx.db;

export const PUBLIC_CACHE = 'public, max-age=60';

/** Sends `body` as JSON with an ETag of its bytes and the public cache header; 304 when the client has it. */
export function sendCached(req: Request, res: Response, body: unknown, type = 'application/json') {
  const text = JSON.stringify(body);
  sendAnswer(req, res, { body: Buffer.from(text), etag: register.etagOfBody(text), type });
}

/** Sends a ready answer (from the cache or just made) with its ETag and the public cache header. */
function sendAnswer(req: Request, res: Response, a: CachedAnswer) {
  const etag = a.etag;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', PUBLIC_CACHE);
  res.setHeader('Vary', 'Accept-Encoding');
  const inm = req.get('if-none-match');
  if (inm && inm.split(/\s*,\s*/).some((t) => t === etag || t === '*' || t === `W/${etag}`)) {
    res.status(304).end();
    return;
  }
  res.type(a.type).send(a.body);
}

const Slug = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an application reference with - for /, e.g. 25-AP-0001');

export function registerApiRoutes(ctx: AppContext) {
  const r = Router();
  // answers kept for the current public data version (server/http/version-cache.ts)
  const cache = new VersionCache(ctx.config.PUBLIC_CACHE_MB * 1024 * 1024);
  /** the answer for this URL at the current data version, from the cache or made by `make` (and kept) */
  const answer = async (req: Request, res: Response, type: string, make: (db: Knex) => Promise<unknown>) => {
    const db = readDbOf(ctx);
    const version = cache.enabled ? await dataVersion(db) : 0;
    const hit = cache.enabled ? cache.get(req.originalUrl, version) : undefined;
    if (hit) return sendAnswer(req, res, hit);
    const made = await cache.shared(req.originalUrl, version, async () => {
      const text = JSON.stringify(await make(db));
      const m = { body: Buffer.from(text), etag: register.etagOfBody(text), type };
      cache.set(req.originalUrl, version, m);
      return m;
    });
    sendAnswer(req, res, made);
  };
  r.get('/api/public/applications', async (req, res) => {
    const q = parseQuery(register.SearchQuery, req.query);
    await answer(req, res, 'application/json', async (db) => {
      const found = await register.search(db, ctx.authorityId, q);
      return {
        items: found.items,
        total: found.total,
        // only when the count stopped at the cap: there are at least `total` (and the page says "more than 1,000")
        ...(found.totalIsLowerBound ? { totalIsLowerBound: true } : {}),
        page: found.page,
        pageSize: found.pageSize,
        sort: found.sort,
        ...(found.near ? { near: { x: found.near.x, y: found.near.y, radiusM: found.near.radiusM } } : {}),
        links: register.linksOf('/api/public/applications', q, found),
      };
    });
  });
  r.get('/api/public/applications.geojson', async (req, res) => {
    const q = parseQuery(register.SearchQuery, req.query);
    await answer(req, res, 'application/geo+json', async (db) => {
      const fc = await register.searchGeoJson(db, ctx.authorityId, q);
      return { ...fc, links: register.linksOf('/api/public/applications.geojson', q, fc) };
    });
  });
  r.get('/api/public/applications/:slug', async (req, res) => {
    const slug = parseQuery(z.object({ slug: Slug }), { slug: req.params.slug }).slug;
    await answer(req, res, 'application/json', (db) => register.application(db, ctx.authorityId, slug));
  });
  return r;
}
