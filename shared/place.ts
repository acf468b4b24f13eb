/**
 * Typed locations, read the same way in the browser and on the server: an OS grid reference ("TQ 32525 79850",
 * "TQ3252579850", "TQ 325 798"), an easting and northing ("532525, 179850", "E 532525 N 179850") or a WGS84
 * latitude and longitude ("51.5045, -0.0865"), each answered in EPSG:27700. Also a list of vertices, one a line,
 * for drawing a site by typed coordinates.
 *
 * A grid reference names a square: "TQ 325 798" is the 100 m square whose south-west corner is 532500, 179800.
 * Short references (fewer than 10 digits) answer the centre of their square and its size; a 10-digit reference
 * names a 1 m square and answers its corner, the point itself (TQ 32525 79850 = 532525, 179850).
 * Latitude/longitude go through proj4 with the one shared definition (shared/epsg27700.ts; within a few metres of
 * OSTN15, which is as good as a typed position needs).
 */
import proj4 from 'proj4';
import { EPSG_27700_PROJ4 } from './epsg27700.ts';

/** The National Grid's extent that has 100 km squares with letters (metres, EPSG:27700). */
export const GB_GRID_BOUNDS = { minX: 0, minY: 0, maxX: 700_000, maxY: 1_300_000 } as const;
/** Latitudes and longitudes accepted for Great Britain (WGS84 degrees, generous: Scilly to Shetland). */
export const GB_LATLON_BOUNDS = { minLat: 49.8, maxLat: 60.9, minLon: -8.7, maxLon: 1.8 } as const;

export type PlaceKind = 'gridref' | 'eastingNorthing' | 'latlon';

export interface ParsedPlace {
  kind: PlaceKind;
  /** the point in EPSG:27700 metres */
  x: number;
  y: number;
  /** a grid reference's square, metres (1 for 10 digits ... 10 000 for 2 digits) */
  size?: number;
  /** the grid reference's square in EPSG:27700 [minx, miny, maxx, maxy] */
  bbox?: [number, number, number, number];
  /** a tidy label: "TQ 32525 79850", "532525, 179850", "51.504500, -0.086500" */
  label: string;
  lat?: number;
  lon?: number;
}

/** The answer: a place, an error (the text is a location but a wrong one), or null (it is not a location). */
export type PlaceParse = { ok: true; place: ParsedPlace } | { ok: false; message: string };

const LETTERS = 'ABCDEFGHJKLMNOPQRSTUVWXYZ'; // the grid's 25 letters: no I

/** The 100 km square's south-west corner for two grid letters, or null when they are not a GB square. */
export function gridSquareOrigin(letters: string): [number, number] | null {
  const up = letters.toUpperCase();
  if (up.length !== 2) return null;
  const l1 = LETTERS.indexOf(up[0] ?? '');
  const l2 = LETTERS.indexOf(up[1] ?? '');
  if (l1 < 0 || l2 < 0) return null;
  const e = ((((l1 - 2) % 5) + 5) % 5) * 5 + (l2 % 5);
  const n = 19 - Math.floor(l1 / 5) * 5 - Math.floor(l2 / 5);
  const x = e * 100_000;
  const y = n * 100_000;
  if (x < GB_GRID_BOUNDS.minX || x >= GB_GRID_BOUNDS.maxX || y < GB_GRID_BOUNDS.minY || y >= GB_GRID_BOUNDS.maxY) {
    return null;
  }
  return [x, y];
}

/** The two letters of the 100 km square holding x, y (EPSG:27700), or null outside the lettered grid. */
export function gridSquareLetters(x: number, y: number): string | null {
  if (!(x >= 0 && x < GB_GRID_BOUNDS.maxX && y >= 0 && y < GB_GRID_BOUNDS.maxY)) return null;
  const e = Math.floor(x / 100_000);
  const n = Math.floor(y / 100_000);
  let l1 = 19 - n - ((19 - n) % 5) + Math.floor((e + 10) / 5);
  let l2 = (((19 - n) * 5) % 25) + (e % 5);
  l1 = ((l1 % 25) + 25) % 25;
  l2 = ((l2 % 25) + 25) % 25;
  return LETTERS.charAt(l1) + LETTERS.charAt(l2);
}

/** Formats x, y as a 10-digit grid reference ("TQ 32525 79850"), or null outside the lettered grid. */
export function formatGridRef(x: number, y: number): string | null {
  const letters = gridSquareLetters(x, y);
  if (!letters) return null;
  const pad = (v: number) => String(Math.floor(v) % 100_000).padStart(5, '0');
  return `${letters} ${pad(x)} ${pad(y)}`;
}

const GRIDREF = /^([A-Za-z]{2})\s*([0-9][0-9\s]*)$/;

function parseGridRef(text: string): PlaceParse | null {
  const m = GRIDREF.exec(text);
  if (!m) return null;
  const letters = (m[1] ?? '').toUpperCase();
  const groups = (m[2] ?? '').trim().split(/\s+/);
  const digits = groups.join('');
  if (digits.length < 2 || digits.length > 10 || digits.length % 2 !== 0) {
    return {
      ok: false,
      message: `A grid reference has two letters and an even number of digits, 2 to 10 (e.g. TQ 32525 79850); "${text}" has ${digits.length}.`,
    };
  }
  // "TQ 325 7985" splits unevenly: the digits are ambiguous, so refuse rather than guess
  if (groups.length === 2 && (groups[0] ?? '').length !== (groups[1] ?? '').length) {
    return {
      ok: false,
      message: `The easting and northing of a grid reference have the same number of digits (e.g. TQ 325 798); "${text}" has ${(groups[0] ?? '').length} and ${(groups[1] ?? '').length}.`,
    };
  }
  if (groups.length > 2) {
    return {
      ok: false,
      message: `Write a grid reference as two letters and two groups of digits, e.g. TQ 32525 79850.`,
    };
  }
  const origin = gridSquareOrigin(letters);
  if (!origin) {
    return {
      ok: false,
      message: `"${letters}" is not a 100 km square of the British National Grid (e.g. TQ, SU, NT; there is no I).`,
    };
  }
  const half = digits.length / 2;
  const size = 10 ** (5 - half);
  const e = Number(digits.slice(0, half)) * size;
  const n = Number(digits.slice(half)) * size;
  const x0 = origin[0] + e;
  const y0 = origin[1] + n;
  const centre = size > 1 ? size / 2 : 0;
  const label = `${letters} ${digits.slice(0, half)} ${digits.slice(half)}`;
  return {
    ok: true,
    place: { kind: 'gridref', x: x0 + centre, y: y0 + centre, size, bbox: [x0, y0, x0 + size, y0 + size], label },
  };
}

const NUM = '([-+]?\\d+(?:\\.\\d+)?)';
// "532525, 179850", "532525 179850", "E 532525 N 179850", "E: 532525, N: 179850", "532525E 179850N"
const EN_LABELLED = new RegExp(`^e(?:asting)?\\s*[:=]?\\s*${NUM}\\s*[,;]?\\s*n(?:orthing)?\\s*[:=]?\\s*${NUM}$`, 'i');
const EN_SUFFIXED = new RegExp(`^${NUM}\\s*e\\s*[,;]?\\s*${NUM}\\s*n$`, 'i');
const PAIR = new RegExp(`^${NUM}\\s*[,;\\s]\\s*${NUM}$`);
// "51.5045N, 0.0865W", "51.5045 N 0.0865 W"
const LATLON_HEMI = /^(\d+(?:\.\d+)?)\s*°?\s*([NS])\s*[,;]?\s*(\d+(?:\.\d+)?)\s*°?\s*([EW])$/i;

const decimals = (s: string) => (s.split('.')[1] ?? '').length;

function eastingNorthing(x: number, y: number, text: string): PlaceParse {
  if (x < GB_GRID_BOUNDS.minX || x > GB_GRID_BOUNDS.maxX || y < GB_GRID_BOUNDS.minY || y > GB_GRID_BOUNDS.maxY) {
    return {
      ok: false,
      message: `"${text}" is not an easting and northing in Great Britain (eastings 0 to 700000, northings 0 to 1300000 metres).`,
    };
  }
  return { ok: true, place: { kind: 'eastingNorthing', x, y, label: `${x}, ${y}` } };
}

function latLon(lat: number, lon: number, text: string): PlaceParse {
  const b = GB_LATLON_BOUNDS;
  if (!(lat >= b.minLat && lat <= b.maxLat && lon >= b.minLon && lon <= b.maxLon)) {
    return {
      ok: false,
      message: `"${text}" is a latitude and longitude outside Great Britain (latitude ${b.minLat} to ${b.maxLat}, longitude ${b.minLon} to ${b.maxLon}).`,
    };
  }
  const [x, y] = proj4('EPSG:4326', EPSG_27700_PROJ4, [lon, lat]);
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return {
    ok: true,
    place: { kind: 'latlon', x: r(x), y: r(y), lat, lon, label: `${lat.toFixed(6)}, ${lon.toFixed(6)}` },
  };
}

/** Reads a typed location; null when the text does not look like one (a postcode, a street...). */
export function parsePlace(input: string): PlaceParse | null {
  const text = input.trim().replace(/\s+/g, ' ');
  if (!text) return null;
  const grid = parseGridRef(text);
  if (grid) return grid;
  let m = EN_LABELLED.exec(text) ?? EN_SUFFIXED.exec(text);
  if (m) return eastingNorthing(Number(m[1] ?? ''), Number(m[2] ?? ''), text);
  m = LATLON_HEMI.exec(text);
  if (m) {
    const lat = Number(m[1] ?? '') * ((m[2] ?? '').toUpperCase() === 'S' ? -1 : 1);
    const lon = Number(m[3] ?? '') * ((m[4] ?? '').toUpperCase() === 'W' ? -1 : 1);
    return latLon(lat, lon, text);
  }
  m = PAIR.exec(text);
  if (!m) return null;
  const a = Number(m[1] ?? '');
  const b = Number(m[2] ?? '');
  // degrees have small magnitudes and usually decimals; metres on the grid are large
  if (Math.abs(a) <= 90 && Math.abs(b) <= 180 && (decimals(m[1] ?? '') > 0 || decimals(m[2] ?? '') > 0)) {
    return latLon(a, b, text);
  }
  if (Math.abs(a) <= 180 && Math.abs(b) <= 180) {
    return {
      ok: false,
      message: `"${text}" is neither a latitude and longitude (e.g. 51.5045, -0.0865) nor an easting and northing (e.g. 532525, 179850).`,
    };
  }
  return eastingNorthing(a, b, text);
}

export type VertexListParse =
  { ok: true; vertices: Array<[number, number]>; closed: boolean } | { ok: false; line: number; message: string };

/**
 * Reads a list of vertices, one a line: an easting and northing pair or a grid reference (a short reference gives
 * its square's centre). Blank lines are skipped; a last vertex repeating the first closes the ring and is dropped
 * (closed: true). An error names the 1-based line. minVertices (default 3, a polygon) distinct vertices at least.
 */
export function parseVertexList(text: string, opts: { minVertices?: number } = {}): VertexListParse {
  const minVertices = opts.minVertices ?? 3;
  const vertices: Array<[number, number]> = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (!line) continue;
    const parsed = parsePlace(line);
    const no = i + 1;
    if (!parsed) {
      return {
        ok: false,
        line: no,
        message: `Line ${no}: "${line}" is not an easting and northing (e.g. 532525 179850) or a grid reference (e.g. TQ 32525 79850).`,
      };
    }
    if (!parsed.ok) return { ok: false, line: no, message: `Line ${no}: ${parsed.message}` };
    if (parsed.place.kind === 'latlon') {
      return {
        ok: false,
        line: no,
        message: `Line ${no}: "${line}" looks like a latitude and longitude; type eastings and northings or grid references.`,
      };
    }
    vertices.push([parsed.place.x, parsed.place.y]);
  }
  let closed = false;
  if (vertices.length > 1) {
    const [fx, fy] = vertices[0]!;
    const [lx, ly] = vertices[vertices.length - 1]!;
    if (fx === lx && fy === ly) {
      vertices.pop();
      closed = true;
    }
  }
  for (let i = 1; i < vertices.length; i++) {
    const [x1, y1] = vertices[i]!;
    const [x0, y0] = vertices[i - 1]!;
    if (x1 === x0 && y1 === y0) {
      const no = lineOfVertex(lines, i);
      return { ok: false, line: no, message: `Line ${no}: the vertex repeats the one before it.` };
    }
  }
  if (vertices.length < minVertices) {
    return {
      ok: false,
      line: Math.max(1, lines.length),
      message: `A site needs at least ${minVertices} different vertices; ${vertices.length} ${vertices.length === 1 ? 'was' : 'were'} given.`,
    };
  }
  return { ok: true, vertices, closed };
}

/** The 1-based line of the index-th non-blank line. */
function lineOfVertex(lines: string[], index: number): number {
  let k = -1;
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] ?? '').trim()) k++;
    if (k === index) return i + 1;
  }
  return lines.length;
}
