/**
 * The staff map's data over HTTP (staff only, all roles): the layer list (GET /api/tiles), vector tiles on the OS
 * grid (GET /api/tiles/{layer}/{z}/{x}/{y}.mvt), true geometries in a box for snapping (GET /api/features) and
 * the property outline at a point (GET /api/properties/at). The OS base map proxy is in ./basemap.ts.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { AppError } from '../../../shared/errors.ts';
import { OS_GRID } from '../../../shared/os-tile-grid.ts';
import { featuresInBox, propertyAt } from './repo.ts';
import { currentEtag, parseTile, resolveLayer, tile, tileCatalogue } from './service.ts';

const TILE_CACHE = 'private, max-age=60';
/** the most features GET /api/features answers with (then truncated: true) */
export const FEATURE_CAP = 2000;
/** the widest box GET /api/features takes, metres each way (snapping happens at street zooms) */
export const FEATURE_BOX_MAX_M = 10_000;

const coordinate = (what: string) =>
  z
    .string()
    .regex(/^-?\d{1,7}(\.\d{1,6})?$/, `${what} in EPSG:27700 metres`)
    .transform(Number);

export const FeatureQuery = z
  .object({
    bbox: z.string().transform((v, c) => {
      const n = v.split(',').map((s) => (/^-?\d{1,7}(\.\d{1,6})?$/.test(s.trim()) ? Number(s) : NaN));
      if (n.length !== 4 || n.some((x) => !Number.isFinite(x))) {
        c.addIssue({ code: 'custom', message: 'minx,miny,maxx,maxy in EPSG:27700 metres' });
        return z.NEVER;
      }
      const [minx, miny, maxx, maxy] = n as [number, number, number, number];
      if (minx >= maxx || miny >= maxy) {
        c.addIssue({ code: 'custom', message: 'minx must be below maxx and miny below maxy' });
        return z.NEVER;
      }
      if (maxx - minx > FEATURE_BOX_MAX_M || maxy - miny > FEATURE_BOX_MAX_M) {
        c.addIssue({ code: 'custom', message: `at most ${FEATURE_BOX_MAX_M} m each way` });
        return z.NEVER;
      }
      const [ex0, ey0, ex1, ey1] = OS_GRID.extent;
      if (maxx < ex0 || minx > ex1 || maxy < ey0 || miny > ey1) {
        c.addIssue({ code: 'custom', message: 'outside British National Grid' });
        return z.NEVER;
      }
      return [minx, miny, maxx, maxy] as [number, number, number, number];
    }),
    layers: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*(,[a-z0-9][a-z0-9-]*)*$/, 'layer ids separated by commas')
      .transform((v) => [...new Set(v.split(','))])
      .refine((v) => v.length <= 50, 'at most 50 layers'),
  })
  .strict();

export const PointQuery = z.object({ x: coordinate('an easting'), y: coordinate('a northing') }).strict();

const matches = (req: Request, etag: string) =>
  (req.get('if-none-match') ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .includes(etag);

export function tileRoutes(ctx: AppContext) {
  const r = Router();
  const staff = requireRole(...PERMISSIONS.referenceRead);

  r.get('/api/tiles', staff, async (_req, res) => {
    res.set('Cache-Control', 'private, no-cache');
    res.json(await tileCatalogue(ctx.db));
  });

  r.get('/api/tiles/:layer/:z/:x/:y.mvt', staff, async (req, res) => {
    const { z: zoom, x, y } = parseTile(String(req.params.z), String(req.params.x), String(req.params.y));
    const layer = await resolveLayer(ctx.db, String(req.params.layer));
    res.set({ 'Cache-Control': TILE_CACHE, Vary: 'Authorization, Cookie' });
    if (zoom < layer.minZoom) return void res.status(204).end();
    if (req.get('if-none-match')) {
      const etag = await currentEtag(ctx.db, ctx.authorityId, layer);
      if (etag && matches(req, etag)) return void res.status(304).set('ETag', etag).end();
    }
    const { mvt, etag } = await tile(ctx.db, ctx.authorityId, layer, zoom, x, y);
    res.set('ETag', etag);
    if (matches(req, etag)) return void res.status(304).end();
    if (mvt.length === 0) return void res.status(204).end();
    res.type('application/vnd.mapbox-vector-tile').send(mvt);
  });

  r.get('/api/features', staff, async (req, res) => {
    const q = parseQuery(FeatureQuery, req.query);
    const fixed = new Set(['properties', 'addresses', 'authority-boundary', 'cases']);
    const layerIds: string[] = [];
    for (const id of q.layers) if (!fixed.has(id)) layerIds.push((await resolveLayer(ctx.db, id)).id);
    const rows = await featuresInBox(ctx.db, q.bbox, {
      authorityId: ctx.authorityId,
      properties: q.layers.includes('properties'),
      addresses: q.layers.includes('addresses'),
      boundary: q.layers.includes('authority-boundary'),
      cases: q.layers.includes('cases'),
      layerIds,
      cap: FEATURE_CAP + 1,
    });
    const truncated = rows.length > FEATURE_CAP;
    // the geometries are PostGIS's GeoJSON text, put in as they are (no parse and re-serialise)
    const features = rows
      .slice(0, FEATURE_CAP)
      .map(
        (f) =>
          `{"type":"Feature","id":${JSON.stringify(`${f.layer}.${f.id}`)},"geometry":${f.geometry},"properties":${JSON.stringify(
            { layer: f.layer, id: f.id, reference: f.reference, name: f.name },
          )}}`,
      );
    res.set('Cache-Control', 'private, no-cache');
    res
      .type('application/geo+json')
      .send(
        `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},` +
          `"bbox":${JSON.stringify(q.bbox)},"numberReturned":${features.length},"truncated":${truncated},` +
          `"features":[${features.join(',')}]}`,
      );
  });

  r.get('/api/properties/at', staff, async (req, res) => {
    const { x, y } = parseQuery(PointQuery, req.query);
    const p = await propertyAt(ctx.db, x, y);
    if (!p) {
      throw new AppError('NO_PROPERTY_HERE', `No property outline contains ${x}, ${y} (EPSG:27700).`, { x, y });
    }
    res.set('Cache-Control', 'private, no-cache');
    res.type('application/geo+json').send(
      `{"type":"Feature","id":${p.id},"geometry":${p.geometry},"properties":${JSON.stringify({
        id: p.id,
        reference: p.reference,
        name: p.name,
        uprns: p.uprns,
        addresses: p.addresses,
      })}}`,
    );
  });
  return r;
}
