/** OGC API – Features under /ogc (see ./service.ts). Mounted after authenticate: req.user is set from a session or
 *  an API token; the public collections answer anyone, the staff collection a signed-in user only. */
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../http/context.ts';
import * as ogc from './service.ts';
import { ogcApiDocument } from './openapi.ts';

/** The address of /ogc as the caller reached it (links must be absolute: clients follow them as they are). */
const baseOf = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}/ogc`;
const onlyF = (k: string) => k === 'f';

function send(res: Response, type: string, body: string, extra: Record<string, string> = {}) {
  // the answers depend on who asks (the staff collection) and on the address asked: no shared caching
  res.setHeader('Cache-Control', 'private, no-cache');
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.type(type).send(body);
}
const sendJson = (res: Response, doc: unknown, type = 'application/json') => send(res, type, JSON.stringify(doc));
const contentCrs = (srid: 27700 | 4326) => `<${srid === 27700 ? ogc.EPSG27700 : ogc.CRS84}>`;

export function ogcApiRoutes(ctx: AppContext) {
  const r = Router();
  // public and staff reads alike: nothing here writes
  const reader = ctx.readDb ?? ctx.db;
  const stats = new ogc.StatsCache();

  r.get('/ogc', (req, res) => {
    ogc.singleParams(req.query, onlyF);
    sendJson(res, ogc.landingPage(baseOf(req)));
  });
  r.get('/ogc/conformance', (req, res) => {
    ogc.singleParams(req.query, onlyF);
    sendJson(res, { conformsTo: ogc.CONFORMANCE });
  });
  r.get('/ogc/api', (req, res) => {
    ogc.singleParams(req.query, onlyF);
    sendJson(res, ogcApiDocument(baseOf(req)), 'application/vnd.oai.openapi+json;version=3.0');
  });
  r.get('/ogc/collections', async (req, res) => {
    ogc.singleParams(req.query, onlyF);
    const base = baseOf(req);
    const list = await ogc.listCollections(reader, ctx.authorityId, req.user);
    const collections = [];
    for (const c of list) collections.push(await ogc.collectionDocument(reader, base, c, stats));
    sendJson(res, {
      links: [{ href: `${base}/collections`, rel: 'self', type: 'application/json', title: 'The collections' }],
      collections,
    });
  });
  r.get('/ogc/collections/:collectionId', async (req, res) => {
    ogc.singleParams(req.query, onlyF);
    const c = await ogc.findCollection(reader, ctx.authorityId, req.user, req.params.collectionId);
    sendJson(res, await ogc.collectionDocument(reader, baseOf(req), c, stats));
  });
  r.get('/ogc/collections/:collectionId/queryables', async (req, res) => {
    ogc.singleParams(req.query, onlyF);
    const c = await ogc.findCollection(reader, ctx.authorityId, req.user, req.params.collectionId);
    sendJson(res, ogc.queryablesDocument(baseOf(req), c), 'application/schema+json');
  });
  r.get('/ogc/collections/:collectionId/items', async (req, res) => {
    const c = await ogc.findCollection(reader, ctx.authorityId, req.user, req.params.collectionId);
    const params = ogc.singleParams(req.query, () => true);
    const page = await ogc.itemsPage(reader, baseOf(req), { collection: c, params }, stats);
    send(res, 'application/geo+json', page.body, { 'Content-Crs': contentCrs(page.srid) });
  });
  r.get('/ogc/collections/:collectionId/items/:featureId', async (req, res) => {
    const c = await ogc.findCollection(reader, ctx.authorityId, req.user, req.params.collectionId);
    const params = ogc.singleParams(req.query, () => true);
    const item = await ogc.oneItem(reader, baseOf(req), c, req.params.featureId, params);
    send(res, 'application/geo+json', item.body, { 'Content-Crs': contentCrs(item.srid) });
  });
  return r;
}
