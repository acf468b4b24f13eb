/**
 * Public vector tiles of the planning register (issue 13 item 4): the two grids, their zoom ranges, the TileJSON
 * 3.0 documents, and which geometry a zoom shows (clustered points zoomed out, each site outline zoomed in).
 */
import { OS_GRID, OS_MAX_ZOOM, isValidTile, tileEnvelope } from '../../../shared/os-tile-grid.ts';
import { AppError } from '../../../shared/errors.ts';
import type { Knex } from 'knex';
import { readMercatorTile, readOsTile, type PublicTileRow } from './repo.ts';

export const GRIDS = ['os27700', 'webmercator'] as const;
export type Grid = (typeof GRIDS)[number];

export const SOURCE_LAYER = 'applications';

export interface GridInfo {
  crs: string;
  minzoom: number;
  maxzoom: number;
  /** from this zoom features are site outlines; below it, points */
  sitesFromZoom: number;
}

/** OS zoom 8 is 3.5 m a pixel; Web Mercator zoom 15 is about 3 m a pixel at London's latitude. */
export const GRID_INFO: Record<Grid, GridInfo> = {
  os27700: { crs: 'EPSG:27700', minzoom: 0, maxzoom: OS_MAX_ZOOM, sitesFromZoom: 8 },
  webmercator: { crs: 'EPSG:3857', minzoom: 0, maxzoom: 20, sitesFromZoom: 15 },
};

/** Longitude/latitude bounds [w, s, e, n] of Great Britain (and the OS grid's useful area). */
export const GB_BOUNDS = [-8.83, 49.76, 1.97, 60.95] as const;

export const isGrid = (g: string): g is Grid => (GRIDS as readonly string[]).includes(g);

const notFound = (what: string) => new AppError('NOT_FOUND', `${what} is not a tile of this grid.`);

/** Validates z/x/y for the grid (whole numbers, in range); throws NOT_FOUND otherwise. */
export function parseTile(grid: Grid, zs: string, xs: string, ys: string): { z: number; x: number; y: number } {
  const [z, x, y] = [zs, xs, ys].map((s) => (/^\d{1,8}$/.test(s) ? Number(s) : NaN)) as [number, number, number];
  const info = GRID_INFO[grid];
  const label = `${zs}/${xs}/${ys}`;
  if (![z, x, y].every(Number.isInteger) || z < info.minzoom || z > info.maxzoom) throw notFound(label);
  if (grid === 'os27700' ? !isValidTile(z, x, y) : x >= 2 ** z || y >= 2 ** z) throw notFound(label);
  return { z, x, y };
}

/** The tile at `version` (mvt null when that is not the current version). */
export function readTile(
  db: Knex,
  grid: Grid,
  t: { z: number; x: number; y: number },
  authorityId: number,
  version: number,
): Promise<PublicTileRow> {
  const opts = { authorityId, version, sites: t.z >= GRID_INFO[grid].sitesFromZoom };
  return grid === 'os27700' ? readOsTile(db, tileEnvelope(t.z, t.x, t.y), opts) : readMercatorTile(db, t, opts);
}

/** The TileJSON 3.0.0 document of a grid; `base` is the absolute URL of /api/public/tiles. */
export function tileJson(grid: Grid, version: number, base: string) {
  const info = GRID_INFO[grid];
  const fields = {
    reference: 'String: the application reference, e.g. 25/AP/0001',
    slug: 'String: the reference as in the register page URL /register/applications/{slug}',
    status: 'String: the application status',
    application_type: 'String: planning.data.gov.uk planning-application-type',
    decision: 'String: the decision, once decided (absent before)',
    count:
      'Number: below the site zooms, the applications a clustered point stands for (1: the application itself, with ' +
      'its id and properties; more: no id or reference, status only when all share it)',
  };
  return {
    tilejson: '3.0.0',
    name: 'Planning applications',
    description:
      'Published planning applications of the public register: clustered points below zoom ' +
      `${info.sitesFromZoom} (a count on each), each site outline from it. Tile URLs carry the data version; an old version redirects (301) to the current one.`,
    version: '1.0.0',
    attribution: 'Contains public sector information licensed under the Open Government Licence v3.0.',
    scheme: 'xyz',
    tiles: [`${base}/${grid}/${version}/{z}/{x}/{y}.mvt`],
    minzoom: info.minzoom,
    maxzoom: info.maxzoom,
    bounds: [...GB_BOUNDS],
    center: [-0.09, 51.48, grid === 'os27700' ? 7 : 13],
    vector_layers: [
      {
        id: SOURCE_LAYER,
        description: 'One feature per published application (feature id: the application id)',
        minzoom: info.minzoom,
        maxzoom: info.maxzoom,
        fields,
      },
    ],
    // extensions (TileJSON 3.0 allows other keys): the grid's CRS and, for os27700, the OS tile grid to build it
    crs: info.crs,
    data_version: version,
    sites_minzoom: info.sitesFromZoom,
    ...(grid === 'os27700'
      ? {
          tile_grid: {
            crs: 'EPSG:27700',
            origin: [...OS_GRID.origin],
            resolutions: [...OS_GRID.resolutions],
            tileSize: OS_GRID.tileSize,
            extent: [...OS_GRID.extent],
            yAxis: 'down',
          },
        }
      : {}),
  };
}
