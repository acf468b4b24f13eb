/**
 * The Ordnance Survey tile grid of the OS Maps API in EPSG:27700 (British National Grid), ZXY: zoom 0 is 896 m a
 * pixel, each zoom halves it, to zoom 13 (0.109375 m). Tiles are 256 pixels square; x counts east and y counts
 * down (south) from the grid's top-left corner (-238375, 1376256). OS zoom z is PostGIS's
 * ST_TileEnvelope(z + 3, x, y, ST_MakeEnvelope(-238375, -458752, 1596633, 1376256, 27700)), since that square is
 * 8 zoom-0 tiles across. Every resolution is 7 × a power of two, so tile corners are exact in float8.
 * Pure (no DOM, no Node): used by the server's tile routes, the browser map and the tests alike.
 */

export const OS_GRID = {
  origin: [-238375, 1376256] as const,
  resolutions: [896, 448, 224, 112, 56, 28, 14, 7, 3.5, 1.75, 0.875, 0.4375, 0.21875, 0.109375] as const,
  tileSize: 256,
  /** the area the grid covers: [minx, miny, maxx, maxy] in EPSG:27700 metres */
  extent: [-238375, 0, 900000, 1376256] as const,
} as const;

export type Envelope = [minx: number, miny: number, maxx: number, maxy: number];

/** The highest zoom of the grid (13). */
export const OS_MAX_ZOOM = OS_GRID.resolutions.length - 1;

/** The width (= height) of a tile at zoom z, in metres. */
export function tileSpanM(z: number): number {
  const res = OS_GRID.resolutions[z];
  if (res === undefined) throw new RangeError(`zoom ${z} is not in the OS grid (0..${OS_MAX_ZOOM})`);
  return res * OS_GRID.tileSize;
}

/** How many tiles the grid has across (x) and down (y) at zoom z, covering OS_GRID.extent. */
export function tileCount(z: number): { x: number; y: number } {
  const span = tileSpanM(z);
  const [minx, miny, maxx, maxy] = OS_GRID.extent;
  return { x: Math.ceil((maxx - minx) / span), y: Math.ceil((maxy - miny) / span) };
}

/** Whether z/x/y names a tile of the grid (whole numbers, zoom 0..13, inside the grid's extent). */
export function isValidTile(z: number, x: number, y: number): boolean {
  if (![z, x, y].every(Number.isInteger) || z < 0 || z > OS_MAX_ZOOM || x < 0 || y < 0) return false;
  const n = tileCount(z);
  return x < n.x && y < n.y;
}

/** The tile's envelope [minx, miny, maxx, maxy] in EPSG:27700 metres (y counts down from the top). */
export function tileEnvelope(z: number, x: number, y: number): Envelope {
  const span = tileSpanM(z);
  const minx = OS_GRID.origin[0] + x * span;
  const maxy = OS_GRID.origin[1] - y * span;
  return [minx, maxy - span, minx + span, maxy];
}

/** The tile at zoom z that contains the point (x, y) in EPSG:27700 (a point on a tile's west or north edge is in it). */
export function tileAt(z: number, e: number, n: number): { z: number; x: number; y: number } {
  const span = tileSpanM(z);
  return { z, x: Math.floor((e - OS_GRID.origin[0]) / span), y: Math.floor((OS_GRID.origin[1] - n) / span) };
}
