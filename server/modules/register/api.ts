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

/** Where public routes read. TODO(readDb): the tiles/replica helper adds ctx.readDb (DATABASE_READ_URL replica or
 *  the primary); until then this falls back to ctx.db. */
export const readDbOf = (ctx: AppContext): Knex => (ctx as AppContext & { readDb?: Knex }).readDb ?? ctx.db;

export const PUBLIC_CACHE = 'public, max-age=60';

/** Sends `body` as JSON with an ETag of its bytes and the public cache header; 304 when the client has it. */
export function sendCached(req: Request, res: Response, body: unknown, type = 'application/json') {
  const text = JSON.stringify(body);
  const etag = register.etagOfBody(text);
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', PUBLIC_CACHE);
  res.setHeader('Vary', 'Accept-Encoding');
  const inm = req.get('if-none-match');
  if (inm && inm.split(/\s*,\s*/).some((t) => t === etag || t === '*' || t === `W/${etag}`)) {
    res.status(304).end();
    return;
  }
  res.type(type).send(text);
}

const Slug = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an application reference with - for /, e.g. 25-AP-0001');

export function registerApiRoutes(ctx: AppContext) {
  const r = Router();
  r.get('/api/public/applications', async (req, res) => {
    const q = parseQuery(register.SearchQuery, req.query);
    const db = readDbOf(ctx);
    const found = await register.search(db, ctx.authorityId, q);
    sendCached(req, res, {
      items: found.items,
      total: found.total,
      // only when the count stopped at the cap: there are at least `total` (and the page says "more than 1,000")
      ...(found.totalIsLowerBound ? { totalIsLowerBound: true } : {}),
      page: found.page,
      pageSize: found.pageSize,
      sort: found.sort,
      ...(found.near ? { near: { x: found.near.x, y: found.near.y, radiusM: found.near.radiusM } } : {}),
      links: register.linksOf('/api/public/applications', q, found),
    });
  });
  r.get('/api/public/applications.geojson', async (req, res) => {
    const q = parseQuery(register.SearchQuery, req.query);
    const fc = await register.searchGeoJson(readDbOf(ctx), ctx.authorityId, q);
    sendCached(
      req,
      res,
      { ...fc, links: register.linksOf('/api/public/applications.geojson', q, fc) },
      'application/geo+json',
    );
  });
  r.get('/api/public/applications/:slug', async (req, res) => {
    const slug = parseQuery(z.object({ slug: Slug }), { slug: req.params.slug }).slug;
    sendCached(req, res, await register.application(readDbOf(ctx), ctx.authorityId, slug));
  });
  return r;
}
