/**
 * Public vector tiles of the planning register, no account (issue 13 item 4):
 *   GET /api/public/tiles/{grid}.json                       TileJSON 3.0.0, max-age=60 + ETag (the data version)
 *   GET /api/public/tiles/{grid}/{version}/{z}/{x}/{y}.mvt  the tile, immutable for a year
 * grid: os27700 (the OS Maps API ZXY grid, EPSG:27700, shared/os-tile-grid.ts) or webmercator (EPSG:3857).
 * {version} is the register's public data version (public_data_version). An older version answers 301 to the same
 * tile at the current version (cacheable for a minute); a version newer than this server knows (a replica that has
 * not caught up) answers 404, not cached. Tiles read through ctx.readDb (the read replica when configured) and
 * only from the public views.
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../../http/context.ts';
import { AppError } from '../../../shared/errors.ts';
import { publicDataVersion } from './repo.ts';
import { isGrid, parseTile, readTile, tileJson, type Grid } from './service.ts';
import { VersionCache } from '../../http/version-cache.ts';

export const TILE_CACHE = 'public, max-age=31536000, immutable';
export const TILEJSON_CACHE = 'public, max-age=60';
/** the redirect from an old version: short, since the current version moves on */
export const REDIRECT_CACHE = 'public, max-age=60';

const matches = (req: Request, etag: string) =>
  (req.get('if-none-match') ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');

function gridOf(s: string): Grid {
  if (!isGrid(s)) throw new AppError('NOT_FOUND', `No tile grid "${s}": use os27700 or webmercator.`);
  return s;
}

export function publicTileRoutes(ctx: AppContext) {
  const r = Router();
  // public routes read through the read replica when there is one (DATABASE_READ_URL), else the primary
  const readDb = ctx.readDb ?? ctx.db;
  // tiles made for the current data version (server/http/version-cache.ts)
  const cache = new VersionCache(ctx.config.PUBLIC_CACHE_MB * 1024 * 1024);

  r.get('/api/public/tiles/:grid.json', async (req, res) => {
    const grid = gridOf(String(req.params.grid));
    const version = await publicDataVersion(readDb);
    const etag = `"${grid}-${version}"`;
    res.set({ 'Cache-Control': TILEJSON_CACHE, ETag: etag });
    if (matches(req, etag)) return void res.status(304).end();
    res.json(tileJson(grid, version, `${req.protocol}://${req.get('host')}/api/public/tiles`));
  });

  r.get('/api/public/tiles/:grid/:version/:z/:x/:y.mvt', async (req, res) => {
    const grid = gridOf(String(req.params.grid));
    const vs = String(req.params.version);
    if (!/^\d{1,18}$/.test(vs)) throw new AppError('NOT_FOUND', `"${vs}" is not a data version.`);
    const version = Number(vs);
    const t = parseTile(grid, String(req.params.z), String(req.params.x), String(req.params.y));
    const etag = `"${grid}-${version}"`;
    const key = `${grid}/${t.z}/${t.x}/${t.y}`;
    let row: { version: number; mvt: Buffer | null };
    if (matches(req, etag)) row = { version: await publicDataVersion(readDb), mvt: null };
    else {
      // the tile as made for the current data version, when this process has made it already
      const current = cache.enabled ? await publicDataVersion(readDb) : null;
      const hit = current === version ? cache.get(key, version) : undefined;
      row = hit
        ? { version, mvt: hit.body }
        : await cache.shared(key, version, () => readTile(readDb, grid, t, ctx.authorityId, version));
      if (!hit && row.mvt && row.version === version)
        cache.set(key, version, { body: row.mvt, etag, type: 'application/vnd.mapbox-vector-tile' });
    }
    if (row.version === version) {
      res.set({ 'Cache-Control': TILE_CACHE, ETag: etag });
      if (row.mvt === null) return void res.status(304).end();
      if (row.mvt.length === 0) return void res.status(204).end();
      return void res.type('application/vnd.mapbox-vector-tile').send(row.mvt);
    }
    if (version < row.version) {
      res.set('Cache-Control', REDIRECT_CACHE);
      return void res.redirect(301, `/api/public/tiles/${grid}/${row.version}/${t.z}/${t.x}/${t.y}.mvt`);
    }
    res.set('Cache-Control', 'no-store');
    throw new AppError(
      'NOT_FOUND',
      `Data version ${version} is not (yet) published here; the current one is ${row.version}.`,
      {
        currentVersion: row.version,
      },
    );
  });
  return r;
}
