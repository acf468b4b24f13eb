/**
 * Geometry intake, stage 1 (pure, no I/O): the shape of a submitted site and its coordinate reference system.
 *
 * Accepts GeoJSON Polygon / MultiPolygon, or a Feature / FeatureCollection of them, and returns one
 * MultiPolygon in the input CRS, or throws an AppError naming what is wrong and where (a JSON path into
 * the submitted document, and the offending position when there is one). Validity (self-intersection etc.),
 * transformation and the authority boundary are decided by PostGIS in the geometry service.
 */
import { AppError } from '../errors.ts';

export type Crs = 'CRS84' | 'EPSG:27700';
export type Position = [number, number];
export type PolygonCoords = Position[][];

export interface SiteShape {
  crs: Crs;
  /** MultiPolygon coordinates, 2D, in `crs` */
  coordinates: PolygonCoords[];
  vertexCount: number;
  /** JSON path of each polygon's coordinates in the submitted document, for locating errors */
  polygonPaths: string[];
  /** positions that came with a height (or a measure): kept flat, the drop stated in the answer's warnings */
  heightsDropped: number;
}

const CRS_ALIASES: Record<string, Crs> = {
  CRS84: 'CRS84',
  'OGC:CRS84': 'CRS84',
  'HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84': 'CRS84',
  'URN:OGC:DEF:CRS:OGC:1.3:CRS84': 'CRS84',
  'URN:OGC:DEF:CRS:OGC::CRS84': 'CRS84',
  // GeoJSON positions are always longitude, latitude; EPSG:4326 in a GeoJSON context means the same datum.
  'EPSG:4326': 'CRS84',
  'URN:OGC:DEF:CRS:EPSG::4326': 'CRS84',
  'EPSG:27700': 'EPSG:27700',
  'HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/27700': 'EPSG:27700',
  'URN:OGC:DEF:CRS:EPSG::27700': 'EPSG:27700',
  'URN:OGC:DEF:CRS:EPSG:8.1:27700': 'EPSG:27700',
};

export const SUPPORTED_CRS = [
  'CRS84 (default; also OGC:CRS84, its OGC URI, EPSG:4326 in lon/lat order)',
  'EPSG:27700 (also http://www.opengis.net/def/crs/EPSG/0/27700)',
];

/** Where PostGIS's WGS 84 -> OSGB36 transformation (EPSG:1314, the Helmert shift) applies. Outside it PROJ falls
 *  back silently to a transformation that is 130-150 m out, so such positions are refused, not transformed. */
export const BNG_LONLAT_BOUNDS = { minLon: -8.82, maxLon: 1.92, minLat: 49.79, maxLat: 60.94 } as const;
export const BNG_XY_BOUNDS = { minX: 0, maxX: 700_000, minY: 0, maxY: 1_300_000 } as const;
const inUkLonLat = (x: number, y: number) =>
  x >= BNG_LONLAT_BOUNDS.minLon &&
  x <= BNG_LONLAT_BOUNDS.maxLon &&
  y >= BNG_LONLAT_BOUNDS.minLat &&
  y <= BNG_LONLAT_BOUNDS.maxLat;
const inBng = (x: number, y: number) =>
  x >= BNG_XY_BOUNDS.minX && x <= BNG_XY_BOUNDS.maxX && y >= BNG_XY_BOUNDS.minY && y <= BNG_XY_BOUNDS.maxY;

export function parseCrs(value: unknown, where = 'crs'): Crs | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new AppError('CRS_UNSUPPORTED', `${where} must be a string such as "EPSG:27700" or "CRS84".`, {
      where,
      supported: SUPPORTED_CRS,
    });
  }
  const crs = CRS_ALIASES[value.trim().toUpperCase()];
  if (!crs) {
    throw new AppError(
      'CRS_UNSUPPORTED',
      `The coordinate reference system "${value}" is not supported. Send CRS84 (longitude, latitude; the default) or EPSG:27700 (British National Grid eastings, northings).`,
      { where, crs: value, supported: SUPPORTED_CRS },
    );
  }
  return crs;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The legacy GeoJSON (2008) `crs` member, as QGIS and GDAL still write it. */
function legacyCrsMember(doc: Record<string, unknown>): unknown {
  const crs = doc.crs;
  if (!isObject(crs)) return undefined;
  const props = crs.properties;
  return isObject(props) ? props.name : undefined;
}

export interface ParseOptions {
  /** the `crs` request parameter, if any */
  crs?: unknown;
  vertexCap: number;
}

export function parseSiteShape(input: unknown, opts: ParseOptions): SiteShape {
  if (input === undefined || input === null) {
    throw new AppError(
      'GEOMETRY_REQUIRED',
      'Send the site as GeoJSON: a Polygon or MultiPolygon, or a Feature or FeatureCollection of them.',
    );
  }
  if (!isObject(input)) {
    throw new AppError(
      'GEOMETRY_NOT_OBJECT',
      'The site must be a GeoJSON object (a Polygon, MultiPolygon, Feature or FeatureCollection), not ' +
        describe(input) +
        '.',
      { path: '$' },
    );
  }
  const paramCrs = parseCrs(opts.crs, 'crs parameter');
  const memberCrs = parseCrs(legacyCrsMember(input), 'crs member of the GeoJSON');
  if (paramCrs && memberCrs && paramCrs !== memberCrs) {
    throw new AppError(
      'CRS_CONFLICT',
      `The crs parameter says ${paramCrs} but the GeoJSON's own crs member says ${memberCrs}. Remove one of them or make them agree.`,
      { parameter: paramCrs, member: memberCrs },
    );
  }
  const crs: Crs = paramCrs ?? memberCrs ?? 'CRS84';

  const polygons: PolygonCoords[] = [];
  const polygonPaths: string[] = [];
  collectPolygons(input, '$', polygons, polygonPaths);
  if (polygons.length === 0) {
    throw new AppError('GEOMETRY_EMPTY', 'The site has no polygons. Draw or import at least one polygon.', {
      path: '$',
    });
  }
  const vertexCount = polygons.reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);
  if (vertexCount > opts.vertexCap) {
    throw new AppError(
      'TOO_MANY_VERTICES',
      `The site has ${vertexCount} vertices; at most ${opts.vertexCap} are accepted. Simplify the boundary (e.g. in QGIS, Vector > Geometry Tools > Simplify) and send it again.`,
      { vertexCount, cap: opts.vertexCap },
    );
  }
  checkRanges(polygons, polygonPaths, crs);
  return { crs, coordinates: polygons, vertexCount, polygonPaths, heightsDropped: countHeights(input, 0) };
}

/** Positions with a third (or fourth) ordinate anywhere in the (already read) document. */
function countHeights(node: unknown, depth: number): number {
  if (depth > 12 || node === null || typeof node !== 'object') return 0;
  if (Array.isArray(node)) {
    if (node.length > 2 && typeof node[0] === 'number' && typeof node[1] === 'number') return 1;
    return node.reduce((n: number, x) => n + countHeights(x, depth + 1), 0);
  }
  const o = node as Record<string, unknown>;
  return (
    countHeights(o.coordinates, depth + 1) + countHeights(o.geometry, depth + 1) + countHeights(o.features, depth + 1)
  );
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

function collectPolygons(node: Record<string, unknown>, path: string, out: PolygonCoords[], paths: string[]) {
  const type = node.type;
  switch (type) {
    case 'FeatureCollection': {
      const features = node.features;
      if (!Array.isArray(features)) {
        throw new AppError('GEOMETRY_NOT_OBJECT', 'A FeatureCollection needs a "features" array.', {
          path: `${path}.features`,
        });
      }
      features.forEach((f, i) => {
        if (!isObject(f) || f.type !== 'Feature') {
          throw new AppError('GEOMETRY_NOT_OBJECT', `features[${i}] is not a GeoJSON Feature.`, {
            path: `${path}.features[${i}]`,
          });
        }
        collectPolygons(f, `${path}.features[${i}]`, out, paths);
      });
      return;
    }
    case 'Feature': {
      const g = node.geometry;
      if (g === null || g === undefined) {
        throw new AppError('GEOMETRY_EMPTY', 'A Feature of the site has no geometry (geometry is null).', {
          path: `${path}.geometry`,
        });
      }
      if (!isObject(g))
        throw new AppError('GEOMETRY_NOT_OBJECT', "A Feature's geometry must be a GeoJSON object.", {
          path: `${path}.geometry`,
        });
      collectPolygons(g, `${path}.geometry`, out, paths);
      return;
    }
    case 'Polygon':
      out.push(readPolygon(node.coordinates, `${path}.coordinates`));
      paths.push(`${path}.coordinates`);
      return;
    case 'MultiPolygon': {
      const c = node.coordinates;
      if (!Array.isArray(c))
        throw positionError(`${path}.coordinates`, 'MultiPolygon coordinates must be an array of polygons.');
      if (c.length === 0) {
        throw new AppError('GEOMETRY_EMPTY', 'The MultiPolygon has no polygons. Draw or import at least one polygon.', {
          path: `${path}.coordinates`,
        });
      }
      c.forEach((p, i) => {
        out.push(readPolygon(p, `${path}.coordinates[${i}]`));
        paths.push(`${path}.coordinates[${i}]`);
      });
      return;
    }
    default: {
      const what = typeof type === 'string' ? type : 'an object without a GeoJSON type';
      throw new AppError(
        'GEOMETRY_TYPE_UNSUPPORTED',
        `A site must be a Polygon or MultiPolygon, but ${path === '$' ? 'this is' : `${path} is`} ${what}. Draw the site as an area (a red line boundary), not a point or line.`,
        { path, type: type ?? null, accepted: ['Polygon', 'MultiPolygon', 'Feature', 'FeatureCollection'] },
      );
    }
  }
}

function positionError(path: string, message: string) {
  return new AppError('POSITION_INVALID', message, { path });
}

function readPolygon(rings: unknown, path: string): PolygonCoords {
  if (!Array.isArray(rings)) throw positionError(path, 'Polygon coordinates must be an array of rings.');
  if (rings.length === 0) {
    throw new AppError('GEOMETRY_EMPTY', 'A polygon of the site has no rings. Draw or import at least one polygon.', {
      path,
    });
  }
  return rings.map((ring, r) => readRing(ring, `${path}[${r}]`));
}

function readRing(ring: unknown, path: string): Position[] {
  if (!Array.isArray(ring)) throw positionError(path, 'A ring must be an array of positions.');
  if (ring.length === 0) {
    throw new AppError('GEOMETRY_EMPTY', 'A ring of the site is empty.', { path });
  }
  const positions = ring.map((p, i) => readPosition(p, `${path}[${i}]`));
  if (positions.length < 4) {
    throw new AppError(
      'RING_TOO_FEW_POSITIONS',
      `A ring has ${positions.length} position${positions.length === 1 ? '' : 's'}; a closed ring needs at least 4 (three corners and the first again).`,
      { path, positions: positions.length, location: positions[0] },
    );
  }
  const first = positions[0]!;
  const last = positions[positions.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw new AppError('RING_NOT_CLOSED', 'A ring is not closed: its last position must repeat its first exactly.', {
      path,
      first,
      last,
      location: last,
    });
  }
  return positions;
}

function readPosition(p: unknown, path: string): Position {
  if (!Array.isArray(p) || p.length < 2) {
    throw positionError(
      path,
      'A position must be an array of two numbers: [x, y] (longitude, latitude or easting, northing).',
    );
  }
  for (let axis = 0; axis < 2; axis++) {
    const v = p[axis];
    if (typeof v !== 'number') {
      throw new AppError(
        'COORDINATE_NOT_NUMBER',
        `Coordinate ${axis === 0 ? 'x' : 'y'} at ${path} is ${describe(v)} (${JSON.stringify(v)}); coordinates must be JSON numbers, not strings.`,
        { path: `${path}[${axis}]`, value: v ?? null },
      );
    }
    if (!Number.isFinite(v)) {
      throw new AppError(
        'COORDINATE_NOT_FINITE',
        `Coordinate ${axis === 0 ? 'x' : 'y'} at ${path} is not a finite number.`,
        {
          path: `${path}[${axis}]`,
          value: String(v),
        },
      );
    }
  }
  return [p[0] as number, p[1] as number];
}

function everyPosition(polygons: PolygonCoords[], test: (x: number, y: number) => boolean) {
  return polygons.every((poly) => poly.every((ring) => ring.every(([x, y]) => test(x, y))));
}

function firstPosition(polygons: PolygonCoords[], paths: string[], test: (x: number, y: number) => boolean) {
  for (let p = 0; p < polygons.length; p++) {
    const poly = polygons[p]!;
    for (let r = 0; r < poly.length; r++) {
      const ring = poly[r]!;
      for (let i = 0; i < ring.length; i++) {
        const [x, y] = ring[i]!;
        if (test(x, y)) return { path: `${paths[p]}[${r}][${i}]`, location: [x, y] as Position };
      }
    }
  }
  return null;
}

function checkRanges(polygons: PolygonCoords[], paths: string[], crs: Crs) {
  const B = BNG_LONLAT_BOUNDS;
  const X = BNG_XY_BOUNDS;
  if (crs === 'CRS84') {
    if (everyPosition(polygons, (x, y) => Math.abs(x) > 180 && inBng(x, y))) {
      throw new AppError(
        'CRS_MISMATCH',
        'These coordinates look like British National Grid eastings and northings, but the site was read as longitude, latitude (CRS84). Send crs=EPSG:27700 with them.',
        { crs, looksLike: 'EPSG:27700' },
      );
    }
    const world = firstPosition(polygons, paths, (x, y) => x < -180 || x > 180 || y < -90 || y > 90);
    if (world) {
      throw new AppError(
        'COORDINATE_OUT_OF_RANGE',
        `Position ${JSON.stringify(world.location)} is not a longitude, latitude: longitude must be within ±180 and latitude within ±90.`,
        { crs, ...world },
      );
    }
    if (everyPosition(polygons, (x, y) => inUkLonLat(y, x)) && !everyPosition(polygons, inUkLonLat)) {
      throw new AppError(
        'LAT_LON_SWAPPED',
        'The coordinates are in latitude, longitude order; GeoJSON needs longitude first, then latitude (e.g. [-0.09, 51.50]). Swap each pair and send it again.',
        { crs, location: polygons[0]![0]![0], expected: [polygons[0]![0]![0]![1], polygons[0]![0]![0]![0]] },
      );
    }
    const outside = firstPosition(polygons, paths, (x, y) => !inUkLonLat(x, y));
    if (outside) {
      throw new AppError(
        'COORDINATE_OUT_OF_RANGE',
        `Position ${JSON.stringify(outside.location)} is outside Great Britain, where British National Grid is defined (longitude ${B.minLon} to ${B.maxLon}, latitude ${B.minLat} to ${B.maxLat}).`,
        { crs, ...outside, bounds: B },
      );
    }
    return;
  }
  if (everyPosition(polygons, (x, y) => Math.abs(x) <= 180 && Math.abs(y) <= 90)) {
    throw new AppError(
      'CRS_MISMATCH',
      'These coordinates look like longitude and latitude in degrees, but the site was read as British National Grid (EPSG:27700) eastings and northings. Leave out crs (CRS84 is the default) or convert them.',
      { crs, looksLike: 'CRS84' },
    );
  }
  // Swapped only when every position is off the grid as sent and on it swapped: the two ranges overlap
  // (unlike longitude/latitude over GB), so one mistyped vertex must not make the whole site look swapped.
  if (everyPosition(polygons, (x, y) => inBng(y, x) && !inBng(x, y))) {
    throw new AppError(
      'EASTING_NORTHING_SWAPPED',
      'The coordinates are in northing, easting order; EPSG:27700 positions are [easting, northing] (e.g. [533000, 180000]). Swap each pair and send it again.',
      { crs, location: polygons[0]![0]![0], expected: [polygons[0]![0]![0]![1], polygons[0]![0]![0]![0]] },
    );
  }
  const outside = firstPosition(polygons, paths, (x, y) => !inBng(x, y));
  if (outside) {
    throw new AppError(
      'COORDINATE_OUT_OF_RANGE',
      `Position ${JSON.stringify(outside.location)} is outside British National Grid (easting ${X.minX} to ${X.maxX}, northing ${X.minY} to ${X.maxY}).`,
      { crs, ...outside, bounds: X },
    );
  }
}

/** GeoJSON text of the MultiPolygon, for ST_GeomFromGeoJSON. */
export function toMultiPolygonJson(shape: SiteShape): string {
  return JSON.stringify({ type: 'MultiPolygon', coordinates: shape.coordinates });
}

/** byte order (little-endian), geometry type, count; returns the next offset */
function writeWkbHeader(view: DataView, o: number, type: number, n: number): number {
  view.setUint8(o, 1);
  view.setUint32(o + 1, type, true);
  view.setUint32(o + 5, n, true);
  return o + 9;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * The MultiPolygon as hex WKB (OGC, little-endian, 2D, no SRID), for ST_GeomFromWKB: the same doubles as
 * toMultiPolygonJson gives PostGIS (JSON numbers round-trip exactly; -0 is written as 0, as JSON writes it),
 * without PostGIS parsing JSON (about 1 µs a vertex: 0.3 ms for a 300-vertex site). Plain DataView, so the
 * browser can build it too.
 */
export function toMultiPolygonWkbHex(shape: SiteShape): string {
  let size = 9;
  for (const poly of shape.coordinates) {
    size += 9;
    for (const ring of poly) size += 4 + 16 * ring.length;
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let o = writeWkbHeader(view, 0, 6, shape.coordinates.length);
  for (const poly of shape.coordinates) {
    o = writeWkbHeader(view, o, 3, poly.length);
    for (const ring of poly) {
      view.setUint32(o, ring.length, true);
      o += 4;
      for (const [x, y] of ring) {
        view.setFloat64(o, x + 0, true);
        view.setFloat64(o + 8, y + 0, true);
        o += 16;
      }
    }
  }
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!];
  return hex;
}

/** A located point (an enforcement case's location): in the input CRS, with the JSON path of its position. */
export interface PointShape {
  crs: Crs;
  position: Position;
  path: string;
}

/**
 * Stage 1 for a point: a GeoJSON Point, or a Feature of one, with the same CRS rules as a site (the `crs`
 * parameter or the legacy crs member, CRS84 by default; ranges, swapped axes and mismatched CRS refused the same
 * way). The transformation and the authority boundary are PostGIS's, as for a site.
 */
export function parsePointShape(input: unknown, opts: { crs?: unknown }): PointShape {
  if (input === undefined || input === null) {
    throw new AppError('GEOMETRY_REQUIRED', 'Send the location as a GeoJSON Point (or a Feature of one).');
  }
  if (!isObject(input)) {
    throw new AppError(
      'GEOMETRY_NOT_OBJECT',
      `The location must be a GeoJSON Point or a Feature of one, not ${describe(input)}.`,
      { path: '$' },
    );
  }
  const paramCrs = parseCrs(opts.crs, 'crs parameter');
  const memberCrs = parseCrs(legacyCrsMember(input), 'crs member of the GeoJSON');
  if (paramCrs && memberCrs && paramCrs !== memberCrs) {
    throw new AppError(
      'CRS_CONFLICT',
      `The crs parameter says ${paramCrs} but the GeoJSON's own crs member says ${memberCrs}. Remove one of them or make them agree.`,
      { parameter: paramCrs, member: memberCrs },
    );
  }
  const crs: Crs = paramCrs ?? memberCrs ?? 'CRS84';
  let node: Record<string, unknown> = input;
  let path = '$';
  if (node.type === 'Feature') {
    if (!isObject(node.geometry)) {
      throw new AppError('GEOMETRY_EMPTY', 'The Feature has no geometry: send a Point.', { path: '$.geometry' });
    }
    node = node.geometry;
    path = '$.geometry';
  }
  if (node.type !== 'Point') {
    throw new AppError(
      'GEOMETRY_TYPE_UNSUPPORTED',
      `The location must be a GeoJSON Point, not ${typeof node.type === 'string' ? node.type : describe(node.type)}. (A boundary goes to the case's site.)`,
      { path: `${path}.type`, type: node.type ?? null },
    );
  }
  const position = readPosition(node.coordinates, `${path}.coordinates`);
  checkRanges([[[position]]], [`${path}.coordinates`], crs);
  return { crs, position, path: `${path}.coordinates` };
}
