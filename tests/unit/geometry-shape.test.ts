/**
 * Geometry intake, stage 1: parseSiteShape / parseCrs (pure, no database).
 * Every refusal is asserted by its own error code, its message and, where it has one, the JSON path into the
 * submitted document and the offending position.
 */
import { describe, expect, it } from 'vitest';
import { AppError, ERRORS, type ErrorCode } from '../../shared/errors.ts';
import {
  BNG_LONLAT_BOUNDS,
  BNG_XY_BOUNDS,
  SUPPORTED_CRS,
  parseCrs,
  parseSiteShape,
  toMultiPolygonJson,
  type Position,
} from '../../shared/domain/geometry-shape.ts';

const CAP = 10_000;

/** Runs fn, which must throw an AppError with `code`; returns it for further assertions. */
function refusal(fn: () => unknown, code: ErrorCode): AppError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${code} to be thrown`).toBeInstanceOf(AppError);
  const err = thrown as AppError;
  expect(err.code).toBe(code);
  expect(err.status).toBe(ERRORS[code]);
  expect(err.message.length).toBeGreaterThan(20);
  return err;
}

const parse = (input: unknown, crs?: unknown, vertexCap = CAP) => parseSiteShape(input, { crs, vertexCap });
const refuse = (input: unknown, code: ErrorCode, crs?: unknown, vertexCap = CAP) =>
  refusal(() => parse(input, crs, vertexCap), code);
const details = (e: AppError) => e.details as Record<string, unknown>;

/** closed axis-aligned square ring, anticlockwise, first corner (x, y) */
const square = (x: number, y: number, s: number): Position[] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
  [x, y],
];
/** ~100 m squares near Borough High Street, Southwark */
const LONLAT_RING = square(-0.09, 51.5, 0.001);
const BNG_RING = square(533000, 179000, 100);
const poly = (...rings: Position[][]) => ({ type: 'Polygon', coordinates: rings });
const feature = (geometry: unknown, properties: Record<string, unknown> | null = {}) => ({
  type: 'Feature',
  properties,
  geometry,
});
const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features });

/** a closed ring of exactly n positions (n - 1 distinct points on a small circle, then the first again) */
function ringOf(n: number, cx = -0.09, cy = 51.5, r = 0.001): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i < n - 1; i++) {
    const a = (2 * Math.PI * i) / (n - 1);
    ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  ring.push(ring[0]!);
  return ring;
}

describe('parseSiteShape: accepted shapes', () => {
  it('reads a Polygon in CRS84 by default as a one-polygon MultiPolygon', () => {
    const shape = parse(poly(LONLAT_RING));
    expect(shape).toEqual({
      crs: 'CRS84',
      coordinates: [[LONLAT_RING]],
      vertexCount: 5,
      polygonPaths: ['$.coordinates'],
      heightsDropped: 0,
    });
  });

  it('counts the positions whose height (Z, and M) it drops: a site is drawn flat', () => {
    const ring3d = LONLAT_RING.map(([x, y], i) => (i % 2 ? [x, y, 10] : [x, y, 10, 1]));
    const shape = parse({ type: 'Feature', properties: {}, geometry: poly(ring3d as unknown as Position[]) });
    expect(shape.coordinates).toEqual([[LONLAT_RING]]);
    expect(shape.heightsDropped).toBe(5);
    expect(parse(poly(LONLAT_RING)).heightsDropped).toBe(0);
  });

  it('reads a MultiPolygon, keeping holes and the path of each polygon', () => {
    const hole = square(533040, 179040, 10).reverse();
    const other = square(533200, 179000, 50);
    const shape = parse({ type: 'MultiPolygon', coordinates: [[BNG_RING, hole], [other]] }, 'EPSG:27700');
    expect(shape.crs).toBe('EPSG:27700');
    expect(shape.coordinates).toEqual([[BNG_RING, hole], [other]]);
    expect(shape.vertexCount).toBe(15);
    expect(shape.polygonPaths).toEqual(['$.coordinates[0]', '$.coordinates[1]']);
  });

  it('unwraps a Feature into one MultiPolygon', () => {
    const shape = parse(feature(poly(LONLAT_RING), { name: 'site' }));
    expect(shape.coordinates).toEqual([[LONLAT_RING]]);
    expect(shape.polygonPaths).toEqual(['$.geometry.coordinates']);
  });

  it('unwraps a FeatureCollection of Polygon and MultiPolygon features into one MultiPolygon, in order', () => {
    const a = square(-0.09, 51.5, 0.001);
    const b = square(-0.08, 51.5, 0.001);
    const c = square(-0.07, 51.5, 0.001);
    const shape = parse(collection(feature(poly(a)), feature({ type: 'MultiPolygon', coordinates: [[b], [c]] })));
    expect(shape.coordinates).toEqual([[a], [b], [c]]);
    expect(shape.vertexCount).toBe(15);
    expect(shape.polygonPaths).toEqual([
      '$.features[0].geometry.coordinates',
      '$.features[1].geometry.coordinates[0]',
      '$.features[1].geometry.coordinates[1]',
    ]);
    expect(JSON.parse(toMultiPolygonJson(shape))).toEqual({ type: 'MultiPolygon', coordinates: [[a], [b], [c]] });
  });

  it('drops Z (and any further ordinates) from every position', () => {
    const ring3d = LONLAT_RING.map(([x, y], i) => [x, y, 12.5 + i, 99]);
    const shape = parse(poly(ring3d as unknown as Position[]));
    expect(shape.coordinates).toEqual([[LONLAT_RING]]);
    expect(shape.coordinates[0]![0]!.every((p) => p.length === 2)).toBe(true);
    expect(shape.vertexCount).toBe(5);
    expect(toMultiPolygonJson(shape)).toBe(JSON.stringify({ type: 'MultiPolygon', coordinates: [[LONLAT_RING]] }));
  });
});

describe('parseSiteShape: not a site at all', () => {
  it.each([null, undefined])('refuses %s with GEOMETRY_REQUIRED', (input) => {
    const e = refuse(input, 'GEOMETRY_REQUIRED');
    expect(e.message).toMatch(/GeoJSON/);
  });

  it.each([
    ['an array', [[0, 0]]],
    ['a string', '{"type":"Polygon"}'],
    ['a number', 42],
  ])('refuses %s with GEOMETRY_NOT_OBJECT at $', (what, input) => {
    const e = refuse(input, 'GEOMETRY_NOT_OBJECT');
    expect(e.message).toContain(`not ${what}`);
    expect(details(e)).toEqual({ path: '$' });
  });

  it('refuses a FeatureCollection whose features is not an array, and a feature that is not a Feature', () => {
    expect(details(refuse({ type: 'FeatureCollection', features: {} }, 'GEOMETRY_NOT_OBJECT'))).toEqual({
      path: '$.features',
    });
    expect(details(refuse(collection(feature(poly(LONLAT_RING)), poly(LONLAT_RING)), 'GEOMETRY_NOT_OBJECT'))).toEqual({
      path: '$.features[1]',
    });
  });
});

describe('parseSiteShape: coordinates that are not numbers', () => {
  it('refuses a string coordinate with COORDINATE_NOT_NUMBER and its exact path', () => {
    const ring: unknown[] = LONLAT_RING.map((p) => [...p]);
    ring[2] = [-0.089, '51.501'];
    const e = refuse(poly(ring as Position[]), 'COORDINATE_NOT_NUMBER');
    expect(details(e)).toEqual({ path: '$.coordinates[0][2][1]', value: '51.501' });
    expect(e.message).toContain('$.coordinates[0][2]');
    expect(e.message).toContain('"51.501"');
    expect(e.message).toMatch(/not strings/);
  });

  it('names the x axis and the path inside a FeatureCollection MultiPolygon', () => {
    const ring: unknown[] = LONLAT_RING.map((p) => [...p]);
    ring[3] = ['-0.09', 51.501];
    const input = collection(
      feature(poly(LONLAT_RING)),
      feature({ type: 'MultiPolygon', coordinates: [[LONLAT_RING], [ring]] }),
    );
    const e = refuse(input, 'COORDINATE_NOT_NUMBER');
    expect(details(e)).toEqual({ path: '$.features[1].geometry.coordinates[1][0][3][0]', value: '-0.09' });
    expect(e.message).toMatch(/^Coordinate x /);
  });

  it('refuses a null coordinate with COORDINATE_NOT_NUMBER (value null)', () => {
    const e = refuse(
      poly([
        [-0.09, 51.5],
        [null, 51.5],
        [-0.089, 51.501],
        [-0.09, 51.5],
      ] as unknown as Position[]),
      'COORDINATE_NOT_NUMBER',
    );
    expect(details(e)).toEqual({ path: '$.coordinates[0][1][0]', value: null });
  });

  it('refuses 1e400 (JSON.parse gives Infinity) with COORDINATE_NOT_FINITE', () => {
    const input = JSON.parse(
      '{"type":"Polygon","coordinates":[[[-0.09,51.5],[-0.089,51.5],[-0.089,1e400],[-0.09,51.501],[-0.09,51.5]]]}',
    );
    const e = refuse(input, 'COORDINATE_NOT_FINITE');
    expect(details(e)).toEqual({ path: '$.coordinates[0][2][1]', value: 'Infinity' });
    expect(e.message).toBe('Coordinate y at $.coordinates[0][2] is not a finite number.');
  });

  it('refuses -1e400 and NaN with COORDINATE_NOT_FINITE', () => {
    const neg = JSON.parse(
      '{"type":"Polygon","coordinates":[[[-1e400,51.5],[-0.089,51.5],[-0.089,51.501],[-0.09,51.5]]]}',
    );
    expect(details(refuse(neg, 'COORDINATE_NOT_FINITE'))).toEqual({
      path: '$.coordinates[0][0][0]',
      value: '-Infinity',
    });
    const nan = poly([
      [-0.09, 51.5],
      [-0.089, NaN],
      [-0.089, 51.501],
      [-0.09, 51.5],
    ]);
    expect(details(refuse(nan, 'COORDINATE_NOT_FINITE'))).toEqual({ path: '$.coordinates[0][1][1]', value: 'NaN' });
  });

  it('refuses a position with one number with POSITION_INVALID at its path', () => {
    const e = refuse(
      poly([[-0.09, 51.5], [-0.089], [-0.089, 51.501], [-0.09, 51.5]] as Position[]),
      'POSITION_INVALID',
    );
    expect(details(e)).toEqual({ path: '$.coordinates[0][1]' });
  });
});

describe('parseSiteShape: rings', () => {
  it('refuses an unclosed ring with RING_NOT_CLOSED, giving the first and last positions', () => {
    const open = LONLAT_RING.slice(0, 4);
    open.push([-0.0901, 51.5]);
    const e = refuse(poly(open), 'RING_NOT_CLOSED');
    expect(details(e)).toEqual({
      path: '$.coordinates[0]',
      first: [-0.09, 51.5],
      last: [-0.0901, 51.5],
      location: [-0.0901, 51.5],
    });
    expect(e.message).toMatch(/repeat its first/);
  });

  it('refuses a ring that is closed only in one axis with RING_NOT_CLOSED', () => {
    const e = refuse(poly([...BNG_RING.slice(0, 4), [533000, 179000.001]]), 'RING_NOT_CLOSED', 'EPSG:27700');
    expect(details(e)).toMatchObject({ path: '$.coordinates[0]', first: [533000, 179000], last: [533000, 179000.001] });
  });

  it('refuses a closed ring of 3 positions with RING_TOO_FEW_POSITIONS but accepts one of 4', () => {
    const three: Position[] = [
      [-0.09, 51.5],
      [-0.089, 51.5],
      [-0.09, 51.5],
    ];
    const e = refuse(poly(three), 'RING_TOO_FEW_POSITIONS');
    expect(details(e)).toEqual({ path: '$.coordinates[0]', positions: 3, location: [-0.09, 51.5] });
    expect(e.message).toContain('has 3 positions');
    const four: Position[] = [
      [-0.09, 51.5],
      [-0.089, 51.5],
      [-0.089, 51.501],
      [-0.09, 51.5],
    ];
    expect(parse(poly(four)).vertexCount).toBe(4);
  });

  it('refuses a one-position hole with RING_TOO_FEW_POSITIONS at the hole', () => {
    const e = refuse(poly(LONLAT_RING, [[-0.0895, 51.5005]]), 'RING_TOO_FEW_POSITIONS');
    expect(details(e)).toEqual({ path: '$.coordinates[1]', positions: 1, location: [-0.0895, 51.5005] });
    expect(e.message).toContain('has 1 position;');
  });
});

describe('parseSiteShape: empty geometry', () => {
  it('refuses a Polygon with empty coordinates with GEOMETRY_EMPTY', () => {
    expect(details(refuse({ type: 'Polygon', coordinates: [] }, 'GEOMETRY_EMPTY'))).toEqual({ path: '$.coordinates' });
  });

  it('refuses a Polygon whose only ring is empty with GEOMETRY_EMPTY at the ring', () => {
    expect(details(refuse({ type: 'Polygon', coordinates: [[]] }, 'GEOMETRY_EMPTY'))).toEqual({
      path: '$.coordinates[0]',
    });
  });

  it('refuses an empty MultiPolygon with GEOMETRY_EMPTY', () => {
    const e = refuse({ type: 'MultiPolygon', coordinates: [] }, 'GEOMETRY_EMPTY');
    expect(details(e)).toEqual({ path: '$.coordinates' });
    expect(e.message).toMatch(/no polygons/);
  });

  it('refuses a FeatureCollection with no features with GEOMETRY_EMPTY', () => {
    const e = refuse(collection(), 'GEOMETRY_EMPTY');
    expect(details(e)).toEqual({ path: '$' });
    expect(e.message).toBe('The site has no polygons. Draw or import at least one polygon.');
  });

  it('refuses a Feature with null geometry with GEOMETRY_EMPTY at its geometry', () => {
    expect(details(refuse(feature(null), 'GEOMETRY_EMPTY'))).toEqual({ path: '$.geometry' });
    const e = refuse(collection(feature(poly(LONLAT_RING)), feature(null)), 'GEOMETRY_EMPTY');
    expect(details(e)).toEqual({ path: '$.features[1].geometry' });
    expect(e.message).toMatch(/geometry is null/);
  });
});

describe('parseSiteShape: geometry types that are not areas', () => {
  it.each([
    ['Point', { type: 'Point', coordinates: [-0.09, 51.5] }],
    [
      'LineString',
      {
        type: 'LineString',
        coordinates: [
          [-0.09, 51.5],
          [-0.08, 51.5],
        ],
      },
    ],
    ['MultiPoint', { type: 'MultiPoint', coordinates: [[-0.09, 51.5]] }],
    ['GeometryCollection', { type: 'GeometryCollection', geometries: [poly(LONLAT_RING)] }],
  ])('refuses a %s with GEOMETRY_TYPE_UNSUPPORTED at $', (type, input) => {
    const e = refuse(input, 'GEOMETRY_TYPE_UNSUPPORTED');
    expect(details(e)).toEqual({
      path: '$',
      type,
      accepted: ['Polygon', 'MultiPolygon', 'Feature', 'FeatureCollection'],
    });
    expect(e.message).toContain(`this is ${type}`);
  });

  it('refuses a FeatureCollection with a LineString feature, naming the path of that feature', () => {
    const input = collection(
      feature(poly(LONLAT_RING)),
      feature(poly(LONLAT_RING)),
      feature({
        type: 'LineString',
        coordinates: [
          [-0.09, 51.5],
          [-0.08, 51.5],
        ],
      }),
    );
    const e = refuse(input, 'GEOMETRY_TYPE_UNSUPPORTED');
    expect(details(e)).toMatchObject({ path: '$.features[2].geometry', type: 'LineString' });
    expect(e.message).toContain('$.features[2].geometry is LineString');
  });

  it('refuses an object without a GeoJSON type with GEOMETRY_TYPE_UNSUPPORTED (type null)', () => {
    const e = refuse({ coordinates: [LONLAT_RING] }, 'GEOMETRY_TYPE_UNSUPPORTED');
    expect(details(e)).toMatchObject({ path: '$', type: null });
    expect(e.message).toContain('an object without a GeoJSON type');
  });

  it('is case sensitive about type names ("polygon" is not a GeoJSON type)', () => {
    expect(details(refuse({ type: 'polygon', coordinates: [LONLAT_RING] }, 'GEOMETRY_TYPE_UNSUPPORTED'))).toMatchObject(
      { type: 'polygon' },
    );
  });
});

describe('parseSiteShape: vertex cap', () => {
  it(`accepts exactly ${CAP} vertices (the cap) and refuses ${CAP + 1} with TOO_MANY_VERTICES`, () => {
    const atCap = parse(poly(ringOf(CAP)));
    expect(atCap.vertexCount).toBe(CAP);
    const e = refuse(poly(ringOf(CAP + 1)), 'TOO_MANY_VERTICES');
    expect(details(e)).toEqual({ vertexCount: CAP + 1, cap: CAP });
    expect(e.message).toContain(`has ${CAP + 1} vertices; at most ${CAP}`);
  });

  it('counts every position of every ring of every polygon (closing positions included) against a custom cap', () => {
    const input = {
      type: 'MultiPolygon',
      coordinates: [[square(533000, 179000, 100), square(533040, 179040, 10).reverse()], [square(533200, 179000, 10)]],
    };
    expect(parse(input, 'EPSG:27700', 15).vertexCount).toBe(15);
    const e = refuse(input, 'TOO_MANY_VERTICES', 'EPSG:27700', 14);
    expect(details(e)).toEqual({ vertexCount: 15, cap: 14 });
  });

  it('applies the cap across the features of a FeatureCollection', () => {
    const input = collection(feature(poly(ringOf(6))), feature(poly(ringOf(5, -0.08))));
    expect(parse(input, undefined, 11).vertexCount).toBe(11);
    expect(details(refuse(input, 'TOO_MANY_VERTICES', undefined, 10))).toEqual({ vertexCount: 11, cap: 10 });
  });
});

describe('parseSiteShape: coordinate ranges', () => {
  it('refuses latitude 91 in CRS84 with COORDINATE_OUT_OF_RANGE at that position', () => {
    const ring: Position[] = [
      [-0.09, 51.5],
      [-0.089, 51.5],
      [-0.089, 91],
      [-0.09, 51.5],
    ];
    const e = refuse(poly(ring), 'COORDINATE_OUT_OF_RANGE');
    expect(details(e)).toEqual({ crs: 'CRS84', path: '$.coordinates[0][2]', location: [-0.089, 91] });
    expect(e.message).toMatch(/latitude within ±90/);
  });

  it('refuses longitude 181 in CRS84 with COORDINATE_OUT_OF_RANGE', () => {
    const ring: Position[] = [
      [-0.09, 51.5],
      [181, 51.5],
      [-0.089, 51.501],
      [-0.09, 51.5],
    ];
    expect(details(refuse(poly(ring), 'COORDINATE_OUT_OF_RANGE'))).toEqual({
      crs: 'CRS84',
      path: '$.coordinates[0][1]',
      location: [181, 51.5],
    });
  });

  it('refuses a site in Paris (outside the British National Grid area of use) with COORDINATE_OUT_OF_RANGE', () => {
    const paris = square(2.3522, 48.8566, 0.001);
    const e = refuse(poly(paris), 'COORDINATE_OUT_OF_RANGE');
    expect(details(e)).toEqual({
      crs: 'CRS84',
      path: '$.coordinates[0][0]',
      location: [2.3522, 48.8566],
      bounds: BNG_LONLAT_BOUNDS,
    });
    expect(e.message).toMatch(/outside Great Britain/);
  });

  it('refuses one vertex in France within an otherwise British site, pointing at that vertex', () => {
    const ring: Position[] = [
      [-0.09, 51.5],
      [-0.089, 51.5],
      [2.3522, 48.8566],
      [-0.09, 51.501],
      [-0.09, 51.5],
    ];
    const e = refuse(feature(poly(ring)), 'COORDINATE_OUT_OF_RANGE');
    expect(details(e)).toMatchObject({ path: '$.geometry.coordinates[0][2]', location: [2.3522, 48.8566] });
  });

  it('accepts a site at the edge of the area of use (Lowestoft Ness) but refuses one 0.1° east of the bound', () => {
    expect(parse(poly(square(1.76, 52.48, 0.001))).crs).toBe('CRS84');
    const beyond = refuse(poly(square(BNG_LONLAT_BOUNDS.maxLon + 0.1, 52.48, 0.001)), 'COORDINATE_OUT_OF_RANGE');
    expect(details(beyond)).toMatchObject({ path: '$.coordinates[0][0]' });
  });

  it('refuses easting 800000 in EPSG:27700 with COORDINATE_OUT_OF_RANGE (a whole site beyond the grid)', () => {
    const e = refuse(poly(square(800_000, 800_000, 100)), 'COORDINATE_OUT_OF_RANGE', 'EPSG:27700');
    expect(details(e)).toEqual({
      crs: 'EPSG:27700',
      path: '$.coordinates[0][0]',
      location: [800_000, 800_000],
      bounds: BNG_XY_BOUNDS,
    });
    expect(e.message).toMatch(/outside British National Grid/);
  });

  it('refuses one vertex typed with easting 800000 in a Southwark site with COORDINATE_OUT_OF_RANGE, not as a swap', () => {
    const ring: Position[] = [
      [533000, 179000],
      [800000, 179000],
      [533100, 179100],
      [533000, 179100],
      [533000, 179000],
    ];
    const e = refuse(poly(ring), 'COORDINATE_OUT_OF_RANGE', 'EPSG:27700');
    expect(details(e)).toMatchObject({ crs: 'EPSG:27700', path: '$.coordinates[0][1]', location: [800000, 179000] });
  });

  it('refuses a negative northing and one beyond 1300000 in EPSG:27700', () => {
    const south: Position[] = [
      [533000, 179000],
      [533100, -5],
      [533100, 179100],
      [533000, 179000],
    ];
    expect(details(refuse(poly(south), 'COORDINATE_OUT_OF_RANGE', 'EPSG:27700'))).toMatchObject({
      path: '$.coordinates[0][1]',
      location: [533100, -5],
    });
    const north: Position[] = [
      [433000, 1_299_900],
      [433100, 1_300_001],
      [433100, 1_299_950],
      [433000, 1_299_900],
    ];
    expect(details(refuse(poly(north), 'COORDINATE_OUT_OF_RANGE', 'EPSG:27700'))).toMatchObject({
      path: '$.coordinates[0][1]',
      location: [433100, 1_300_001],
    });
  });
});

describe('parseSiteShape: swapped axes and the wrong CRS', () => {
  it('refuses latitude, longitude order in CRS84 with LAT_LON_SWAPPED, giving the position and the swapped pair', () => {
    const swapped = LONLAT_RING.map(([x, y]) => [y, x] as Position);
    const e = refuse(poly(swapped), 'LAT_LON_SWAPPED');
    expect(details(e)).toEqual({ crs: 'CRS84', location: [51.5, -0.09], expected: [-0.09, 51.5] });
    expect(e.message).toMatch(/latitude, longitude order/);
  });

  it('refuses lat/lon order in Edinburgh too (longitude west of Greenwich)', () => {
    const edinburgh = square(-3.19, 55.95, 0.001).map(([x, y]) => [y, x] as Position);
    expect(details(refuse(feature(poly(edinburgh)), 'LAT_LON_SWAPPED'))).toMatchObject({
      location: [55.95, -3.19],
      expected: [-3.19, 55.95],
    });
  });

  it('refuses British National Grid numbers sent as CRS84 with CRS_MISMATCH', () => {
    const e = refuse(poly(BNG_RING), 'CRS_MISMATCH');
    expect(details(e)).toEqual({ crs: 'CRS84', looksLike: 'EPSG:27700' });
    expect(e.message).toMatch(/crs=EPSG:27700/);
  });

  it('refuses degrees sent with crs=EPSG:27700 with CRS_MISMATCH', () => {
    const e = refuse(poly(LONLAT_RING), 'CRS_MISMATCH', 'EPSG:27700');
    expect(details(e)).toEqual({ crs: 'EPSG:27700', looksLike: 'CRS84' });
    expect(e.message).toMatch(/longitude and latitude in degrees/);
  });

  it('refuses northing, easting order in EPSG:27700 with EASTING_NORTHING_SWAPPED when the eastings are beyond the grid (Inverness)', () => {
    // Inverness is about E 266600, N 845300: sent as [northing, easting] the "easting" is beyond 700000
    const inverness = square(266_600, 845_300, 100);
    const swapped = inverness.map(([x, y]) => [y, x] as Position);
    const e = refuse(poly(swapped), 'EASTING_NORTHING_SWAPPED', 'EPSG:27700');
    expect(details(e)).toEqual({ crs: 'EPSG:27700', location: [845_300, 266_600], expected: [266_600, 845_300] });
    expect(e.message).toMatch(/northing, easting order/);
  });

  it('lets a swapped Southwark site through stage 1 (both orders are in range; PostGIS decides against the authority)', () => {
    const swapped = BNG_RING.map(([x, y]) => [y, x] as Position);
    expect(parse(poly(swapped), 'EPSG:27700').coordinates).toEqual([[swapped]]);
  });
});

describe('parseCrs', () => {
  it.each([
    ['EPSG:27700', 'EPSG:27700'],
    ['epsg:27700', 'EPSG:27700'],
    ['  EPSG:27700 ', 'EPSG:27700'],
    ['http://www.opengis.net/def/crs/EPSG/0/27700', 'EPSG:27700'],
    ['urn:ogc:def:crs:EPSG::27700', 'EPSG:27700'],
    ['urn:ogc:def:crs:EPSG:8.1:27700', 'EPSG:27700'],
    ['OGC:CRS84', 'CRS84'],
    ['CRS84', 'CRS84'],
    ['http://www.opengis.net/def/crs/OGC/1.3/CRS84', 'CRS84'],
    ['urn:ogc:def:crs:OGC:1.3:CRS84', 'CRS84'],
    ['EPSG:4326', 'CRS84'],
    ['urn:ogc:def:crs:EPSG::4326', 'CRS84'],
  ])('reads %j as %s', (value, crs) => {
    expect(parseCrs(value)).toBe(crs);
  });

  it.each([undefined, null, ''])('reads %j as not given', (value) => {
    expect(parseCrs(value)).toBeUndefined();
  });

  it('refuses EPSG:3857 with CRS_UNSUPPORTED, listing what is supported', () => {
    const e = refusal(() => parseCrs('EPSG:3857'), 'CRS_UNSUPPORTED');
    expect(details(e)).toEqual({ where: 'crs', crs: 'EPSG:3857', supported: SUPPORTED_CRS });
    expect(e.message).toContain('"EPSG:3857" is not supported');
  });

  it('refuses a number (27700 without the authority) with CRS_UNSUPPORTED', () => {
    const e = refusal(() => parseCrs(27700, 'crs parameter'), 'CRS_UNSUPPORTED');
    expect(details(e)).toEqual({ where: 'crs parameter', supported: SUPPORTED_CRS });
  });

  it('refuses the crs parameter EPSG:3857 in parseSiteShape, naming the parameter', () => {
    const e = refuse(poly(LONLAT_RING), 'CRS_UNSUPPORTED', 'EPSG:3857');
    expect(details(e)).toMatchObject({ where: 'crs parameter', crs: 'EPSG:3857' });
  });
});

describe('parseSiteShape: the legacy GeoJSON crs member', () => {
  const legacy = (name: string, features: unknown[]) => ({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name } },
    features,
  });

  it('honours crs urn:ogc:def:crs:EPSG::27700 written by QGIS/GDAL when no parameter is sent', () => {
    const shape = parse(legacy('urn:ogc:def:crs:EPSG::27700', [feature(poly(BNG_RING))]));
    expect(shape.crs).toBe('EPSG:27700');
    expect(shape.coordinates).toEqual([[BNG_RING]]);
  });

  it('honours a crs member on a bare Polygon', () => {
    expect(parse({ ...poly(BNG_RING), crs: { type: 'name', properties: { name: 'EPSG:27700' } } }).crs).toBe(
      'EPSG:27700',
    );
  });

  it('accepts a parameter that agrees with the member, in another spelling', () => {
    expect(
      parse(
        legacy('urn:ogc:def:crs:EPSG::27700', [feature(poly(BNG_RING))]),
        'http://www.opengis.net/def/crs/EPSG/0/27700',
      ).crs,
    ).toBe('EPSG:27700');
    expect(parse(legacy('urn:ogc:def:crs:OGC:1.3:CRS84', [feature(poly(LONLAT_RING))]), 'EPSG:4326').crs).toBe('CRS84');
  });

  it('refuses a parameter that conflicts with the member with CRS_CONFLICT', () => {
    const e = refuse(legacy('urn:ogc:def:crs:EPSG::27700', [feature(poly(BNG_RING))]), 'CRS_CONFLICT', 'OGC:CRS84');
    expect(details(e)).toEqual({ parameter: 'CRS84', member: 'EPSG:27700' });
    expect(e.message).toMatch(/crs parameter says CRS84 but the GeoJSON's own crs member says EPSG:27700/);
  });

  it('refuses an unsupported member (EPSG:3857) with CRS_UNSUPPORTED, naming the member', () => {
    const e = refuse(legacy('urn:ogc:def:crs:EPSG::3857', [feature(poly(LONLAT_RING))]), 'CRS_UNSUPPORTED');
    expect(details(e)).toMatchObject({ where: 'crs member of the GeoJSON', crs: 'urn:ogc:def:crs:EPSG::3857' });
  });

  it('reads the member as the CRS for range checks: degrees under an EPSG:27700 member are a CRS_MISMATCH', () => {
    expect(details(refuse(legacy('EPSG:27700', [feature(poly(LONLAT_RING))]), 'CRS_MISMATCH'))).toEqual({
      crs: 'EPSG:27700',
      looksLike: 'CRS84',
    });
  });
});
