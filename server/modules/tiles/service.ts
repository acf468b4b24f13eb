/**
 * The staff map's layers: Redline's own data as vector tiles on the OS grid (authority boundary, property outlines,
 * address points, case sites, and every active constraint layer with the flat style of its definition), and what a
 * tile's ETag is made of. Staff-only; nothing personal is in any tile (cases carry reference, kind, status and the
 * site address only).
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import type { FlatStyle } from '../../../shared/layer-schema.ts';
import { OS_GRID, OS_MAX_ZOOM, isValidTile, tileEnvelope } from '../../../shared/os-tile-grid.ts';
import { cachedLayers, reloadLayers } from '../layers/cache.ts';
import type { LayerRow } from '../layers/repo.ts';
import { dataVersions, readTile, type TileSource } from './repo.ts';

/** Changes whenever the tile statements change what they put in a tile (so cached tiles are not reused). */
export const TILE_FORMAT = 1;

export interface TileLayer {
  id: string;
  title: string;
  kind: 'boundary' | 'reference' | 'cases' | 'constraint';
  /** the lowest OS zoom the layer is drawn at (tiles below it are empty) */
  minZoom: number;
  /** OpenLayers flat style (the subset in shared/layer-schema.ts) */
  style: FlatStyle;
  legend: Array<{ label: string; geometry: 'polygon' | 'line' | 'point'; style: FlatStyle }>;
  /** the tile URL template ({z}/{x}/{y} on the OS grid) */
  url: string;
  category?: string;
  attribution?: string;
}

const url = (id: string) => `/api/tiles/${id}/{z}/{x}/{y}.mvt`;

/** OS zooms: 5 is 28 m a pixel (a borough in a few tiles), 9 is 1.75 m (streets), 10 is 0.875 m (buildings). */
const FIXED: TileLayer[] = [
  {
    id: 'authority-boundary',
    title: 'Authority boundary',
    kind: 'boundary',
    minZoom: 0,
    style: { 'stroke-color': '#0b0c0c', 'stroke-width': 2, 'stroke-line-dash': [8, 4] },
    legend: [],
    url: url('authority-boundary'),
  },
  {
    id: 'properties',
    title: 'Property outlines',
    kind: 'reference',
    minZoom: 9,
    style: { 'fill-color': 'rgba(80,90,95,0.04)', 'stroke-color': '#505a5f', 'stroke-width': 1 },
    legend: [],
    url: url('properties'),
  },
  {
    id: 'addresses',
    title: 'Address points',
    kind: 'reference',
    minZoom: 10,
    style: {
      'circle-radius': 2.5,
      'circle-fill-color': '#6f777b',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1,
    },
    legend: [],
    url: url('addresses'),
  },
  {
    id: 'cases',
    title: 'Cases (current sites)',
    kind: 'cases',
    minZoom: 5,
    style: {
      'fill-color': 'rgba(212,53,28,0.12)',
      'stroke-color': '#d4351c',
      'stroke-width': 2,
      'circle-radius': 5,
      'circle-fill-color': '#d4351c',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
    },
    legend: [],
    url: url('cases'),
  },
];
for (const l of FIXED) {
  l.legend = [
    {
      label: l.title,
      geometry: l.id === 'addresses' ? 'point' : l.id === 'authority-boundary' ? 'line' : 'polygon',
      style: l.style,
    },
  ];
}
const FIXED_IDS = new Map<string, TileSource>([
  ['authority-boundary', 'authority-boundary'],
  ['properties', 'properties'],
  ['addresses', 'addresses'],
  ['cases', 'cases'],
]);

/** Point layers (listed buildings, trees) start at 7 m a pixel; polygon layers at every zoom. */
function constraintLayer(row: LayerRow): TileLayer {
  const d = row.definition;
  return {
    id: row.id,
    title: row.title,
    kind: 'constraint',
    category: row.category,
    minZoom: d.geometryKind === 'point' ? 7 : 0,
    style: d.style,
    legend: [{ label: row.title, geometry: d.geometryKind === 'point' ? 'point' : 'polygon', style: d.style }],
    url: url(row.id),
    attribution: d.provenance.attribution,
  };
}

/** GET /api/tiles: every layer the staff map can draw (retired constraint layers left out) and the grid. */
export async function tileCatalogue(db: Knex) {
  const rows = await reloadLayers(db);
  return {
    layers: [...FIXED, ...rows.map(constraintLayer)],
    grid: { ...OS_GRID, crs: 'EPSG:27700', maxZoom: OS_MAX_ZOOM, extent4096: 4096, buffer: 64 },
  };
}

export interface ResolvedLayer {
  source: TileSource;
  id: string;
  minZoom: number;
  /** a constraint layer's data version in this process's layer cache (the tile cache's key) */
  dataVersion?: number;
}

/** The tile layer of an id: a fixed one or an active constraint layer; LAYER_NOT_FOUND otherwise. */
export async function resolveLayer(db: Knex, id: string): Promise<ResolvedLayer> {
  const fixed = FIXED_IDS.get(id);
  if (fixed) return { source: fixed, id, minZoom: FIXED.find((l) => l.id === id)!.minZoom };
  let row = (await cachedLayers(db)).find((l) => l.id === id);
  // defined by another process since the cache was filled?
  if (!row && /^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) row = (await reloadLayers(db)).find((l) => l.id === id);
  if (!row) {
    throw new AppError('LAYER_NOT_FOUND', `There is no map layer "${id}". GET /api/tiles lists them.`, { id });
  }
  return { source: 'constraint', id, minZoom: constraintLayer(row).minZoom, dataVersion: row.dataVersion };
}

/** "12" → 12; anything but a whole number is INVALID_TILE; a tile outside the OS grid is TILE_OUT_OF_RANGE. */
export function parseTile(zs: string, xs: string, ys: string): { z: number; x: number; y: number } {
  const ok = (s: string) => /^\d{1,7}$/.test(s);
  if (!ok(zs) || !ok(xs) || !ok(ys)) {
    throw new AppError('INVALID_TILE', `"${zs}/${xs}/${ys}" is not a tile: z, x and y are whole numbers.`, {
      z: zs,
      x: xs,
      y: ys,
    });
  }
  const [z, x, y] = [Number(zs), Number(xs), Number(ys)];
  if (!isValidTile(z, x, y)) {
    throw new AppError(
      'TILE_OUT_OF_RANGE',
      `There is no tile ${z}/${x}/${y} in the OS grid (zoom 0..${OS_MAX_ZOOM}, x and y inside its extent).`,
      { z, x, y, maxZoom: OS_MAX_ZOOM },
    );
  }
  return { z, x, y };
}

const etagOf = (layer: string, version: string) => `"t${TILE_FORMAT}-${layer}-${version}"`;

/** The ETag the tile would have now, from the data versions alone (null for cases, whose ETag hashes the bytes). */
export async function currentEtag(db: Knex, authorityId: number, layer: ResolvedLayer): Promise<string | null> {
  if (layer.source === 'cases') return null;
  const v = await dataVersions(db, authorityId);
  const version =
    layer.source === 'authority-boundary'
      ? v.boundary
      : layer.source === 'properties'
        ? v.property
        : layer.source === 'addresses'
          ? v.address
          : v.layers[layer.id];
  return version === null || version === undefined ? null : etagOf(layer.id, `v${version}`);
}

/**
 * Encoded constraint-layer tiles kept in memory, keyed by layer, data version and z/x/y: a map opened by several
 * staff, or panned back and forth, is drawn without the database. The data version in the key is the one in this
 * process's layer cache (../layers/cache.ts), which a load or definition in this process drops at once, so such a
 * change is seen by the very next tile; and an entry is answered only while it is younger than TILE_CACHE_TTL_MS
 * (less than the tiles' own Cache-Control max-age), the longest a load by another process (the CLI, a second
 * server) can go unseen. Least recently used entries go first beyond TILE_CACHE_MAX_BYTES. Boundary, property,
 * address and case tiles are always read (their versions are not held in memory).
 */
export const TILE_CACHE_TTL_MS = 10_000;
export const TILE_CACHE_MAX_BYTES = 64 * 1024 * 1024;
interface CachedTile {
  mvt: Buffer;
  etag: string;
  at: number;
}
class TileCache {
  private entries = new Map<string, CachedTile>();
  private bytes = 0;
  hits = 0;
  misses = 0;
  get(key: string, now: number): CachedTile | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (now - e.at > TILE_CACHE_TTL_MS) {
      this.bytes -= e.mvt.length + key.length;
      return undefined;
    }
    this.entries.set(key, e); // most recently used last
    return e;
  }
  set(key: string, e: CachedTile): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.mvt.length + key.length;
    }
    this.entries.set(key, e);
    this.bytes += e.mvt.length + key.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= TILE_CACHE_MAX_BYTES) break;
      this.entries.delete(k);
      this.bytes -= v.mvt.length + k.length;
    }
  }
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
  get size(): number {
    return this.entries.size;
  }
}
// one cache per database handle (tests run several apps on several databases in one process)
const tileCaches = new WeakMap<Knex, TileCache>();
let cleared = 0;
const clearedAt = new WeakMap<TileCache, number>();
function tileCacheOf(db: Knex): TileCache {
  let c = tileCaches.get(db);
  if (!c) tileCaches.set(db, (c = new TileCache()));
  if (clearedAt.get(c) !== cleared) {
    c.clear();
    clearedAt.set(c, cleared);
  }
  return c;
}
/** Empties every tile cache in this process (the benchmark does, to measure cold tiles). */
export function clearTileCaches(): void {
  cleared++;
}
/** Hits and misses of a database's tile cache so far. */
export const tileCacheStats = (db: Knex) => {
  const c = tileCacheOf(db);
  return { hits: c.hits, misses: c.misses, entries: c.size };
};

/** A tile and its ETag (data version, or a hash of the bytes for cases); an empty Buffer when nothing is in it. */
export async function tile(
  db: Knex,
  authorityId: number,
  layer: ResolvedLayer,
  z: number,
  x: number,
  y: number,
): Promise<{ mvt: Buffer; etag: string }> {
  const key = layer.dataVersion === undefined ? null : `${layer.id}/${layer.dataVersion}/${z}/${x}/${y}`;
  const cache = key ? tileCacheOf(db) : null;
  if (key && cache) {
    const hit = cache.get(key, Date.now());
    if (hit) {
      cache.hits++;
      return { mvt: hit.mvt, etag: hit.etag };
    }
    cache.misses++;
  }
  const at = Date.now();
  const { mvt, version } = await readTile(db, layer.source, tileEnvelope(z, x, y), { authorityId, layerId: layer.id });
  if (version === null) {
    return {
      mvt,
      etag: etagOf(layer.id, `h${crypto.createHash('sha1').update(mvt).digest('base64url').slice(0, 20)}`),
    };
  }
  const etag = etagOf(layer.id, `v${version}`);
  // kept only when the statement saw the version the key names; dated from before the read
  if (key && cache && version === layer.dataVersion) cache.set(key, { mvt, etag, at });
  return { mvt, etag };
}
