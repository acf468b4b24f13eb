/**
 * CRS round trips through PostGIS, and the browser's proj4 definition of EPSG:27700 (shared/epsg27700.ts)
 * against PostGIS's ST_Transform.
 *
 * PostGIS (PROJ) uses the EPSG Helmert transformation "OSGB36 to WGS 84 (6)" (EPSG:1314), whose area of use is
 * lat 49.79..60.94, lon -8.82..1.92; outside it PROJ falls back to a ballpark transformation (~150 m off), so the
 * comparison grids stay inside that area.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeSite, type IntakeOptions } from '../../server/modules/geometry/intake.ts';
import { EPSG_27700, registerEpsg27700 } from '../../shared/epsg27700.ts';
import { freshDatabase, type TestDb } from '../helpers/db.ts';

registerEpsg27700(proj4);

type Position = [number, number];
interface Geometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: Position[][] | Position[][][];
}
interface Feature {
  properties: Record<string, unknown>;
  geometry: Geometry;
}

const GEOJSON_DIR = fileURLToPath(new URL('../../layers/data/southwark/geojson/', import.meta.url));
const layer = (name: string) =>
  (JSON.parse(fs.readFileSync(`${GEOJSON_DIR}${name}.geojson`, 'utf8')) as { features: Feature[] }).features;
const asMulti = (g: Geometry): Position[][][] =>
  g.type === 'Polygon' ? [g.coordinates as Position[][]] : (g.coordinates as Position[][][]);
const vertices = (g: Geometry): Position[] => asMulti(g).flat(2);

/** area of use of EPSG:1314, the transformation PostGIS uses between WGS 84 and OSGB36 */
const HELMERT_AREA = { minLon: -8.82, maxLon: 1.92, minLat: 49.79, maxLat: 60.94 };
const MM = 0.001;

let t: TestDb;
let base: IntakeOptions;
beforeAll(async () => {
  t = await freshDatabase();
  base = { authorityId: t.authorityId, toleranceM: 50, vertexCap: 10_000 };
});
afterAll(async () => {
  await t.close();
});

/** PostGIS ST_Transform of many points at once, in order */
async function postgisTransform(points: Position[], from: number, to: number): Promise<Position[]> {
  const { rows } = await t.db.raw<{ rows: Array<{ x: number; y: number }> }>(
    `SELECT ST_X(p) AS x, ST_Y(p) AS y
     FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), ?::int), ?::int) AS p, o
           FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS u(x, y, o)) s
     ORDER BY o`,
    [from, to, points.map((p) => p[0]), points.map((p) => p[1])],
  );
  expect(rows).toHaveLength(points.length);
  return rows.map((r) => [r.x, r.y]);
}

/** ground distance in metres between two nearby longitude, latitude positions (spherical, ample for mm) */
function groundM(a: Position, b: Position) {
  const lat = (((a[1] + b[1]) / 2) * Math.PI) / 180;
  const mPerDegLat = 111_132.954 - 559.822 * Math.cos(2 * lat);
  const mPerDegLon = 111_412.84 * Math.cos(lat);
  return Math.hypot((a[0] - b[0]) * mPerDegLon, (a[1] - b[1]) * mPerDegLat);
}

async function worstForward(lonlat: Position[]) {
  const pg = await postgisTransform(lonlat, 4326, 27700);
  let worst = 0;
  lonlat.forEach((p, i) => {
    const [x, y] = proj4('EPSG:4326', EPSG_27700, p) as Position;
    worst = Math.max(worst, Math.hypot(x - pg[i]![0], y - pg[i]![1]));
  });
  return worst;
}

async function worstInverse(en: Position[]) {
  const pg = await postgisTransform(en, 27700, 4326);
  let worst = 0;
  en.forEach((p, i) => {
    const ll = proj4(EPSG_27700, 'EPSG:4326', p) as Position;
    worst = Math.max(worst, groundM(ll, pg[i]!));
  });
  return worst;
}

describe('round trips through PostGIS', () => {
  const features = [
    ...layer('listed-buildings-grade-i').filter(
      (f) => f.properties.NAME !== 'Tower Bridge (that part that lies within the Borough of Southwark)',
    ),
    ...layer('conservation-areas').filter((f) =>
      ['Rye Lane Peckham', 'Dulwich Village', 'Bermondsey Street'].includes(f.properties.Conservation_area as string),
    ),
    // and one drawn with more decimals than GeoJSON output keeps (9)
    {
      properties: { name: 'drawn' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [-0.089761512345678, 51.504137123456789],
            [-0.089261598765432, 51.504137987654321],
            [-0.089261511111111, 51.504637222222222],
            [-0.089761512345678, 51.504137123456789],
          ],
        ],
      },
    } satisfies Feature,
  ];

  it(`returns CRS84 sites (${features.length} real Southwark outlines) within 2e-8 degrees (about 2 mm) of what was sent, derived from the stored EPSG:27700 geometry`, async () => {
    expect(features).toHaveLength(7);
    for (const f of features) {
      const r = await intakeSite(t.db, { type: 'Feature', properties: {}, geometry: f.geometry }, base);
      const g = r.geometry as Geometry;
      expect(g.type).toBe('MultiPolygon');
      const got = g.coordinates as Position[][][];
      const sent = asMulti(f.geometry);
      // same polygons, rings and vertices, in order
      expect(got.map((p) => p.map((ring) => ring.length))).toEqual(sent.map((p) => p.map((ring) => ring.length)));
      const a = vertices(f.geometry);
      const b = got.flat(2);
      const worst = Math.max(...a.map((p, i) => Math.max(Math.abs(p[0] - b[i]![0]), Math.abs(p[1] - b[i]![1]))));
      expect(worst).toBeLessThan(2e-8);
    }
  });

  it('stores an EPSG:27700 site exactly: geometry27700 and the stored geometry equal what was sent, to the mm', async () => {
    const ring: Position[] = [
      [533_000.001, 179_000.002],
      [533_100.123, 179_000.456],
      [533_100.789, 179_100.999],
      [533_000.5, 179_100.25],
      [533_000.001, 179_000.002],
    ];
    const r = await intakeSite(t.db, { type: 'Polygon', coordinates: [ring] }, { ...base, crs: 'EPSG:27700' });
    expect((r.geometry27700 as Geometry).coordinates).toEqual([[ring]]);
    const { rows } = await t.db.raw<{ rows: Array<{ wkt: string }> }>(
      `SELECT ST_AsText(ST_GeomFromEWKB(decode(?, 'hex'))) AS wkt`,
      [r.ewkb],
    );
    expect(rows[0]!.wkt).toBe(`MULTIPOLYGON(((${ring.map((p) => p.join(' ')).join(',')})))`);
  });

  it('returns an EPSG:27700 site in CRS84 where the client proj4 definition puts it (within 1 mm)', async () => {
    const ring: Position[] = [
      [533000, 179000],
      [533100, 179000],
      [533100, 179100],
      [533000, 179100],
      [533000, 179000],
    ];
    const r = await intakeSite(t.db, { type: 'Polygon', coordinates: [ring] }, { ...base, crs: 'EPSG:27700' });
    const got = ((r.geometry as Geometry).coordinates as Position[][][])[0]![0]!;
    expect(got).toHaveLength(5);
    got.forEach((ll, i) => {
      expect(groundM(ll, proj4(EPSG_27700, 'EPSG:4326', ring[i]!) as Position)).toBeLessThan(MM);
    });
  });
});

describe('the client proj4 definition of EPSG:27700 agrees with PostGIS ST_Transform to under 1 mm', () => {
  it('from longitude, latitude to eastings, northings on a 0.5° grid over Great Britain', async () => {
    const grid: Position[] = [];
    for (let lon = -8.5; lon <= 1.5; lon += 0.5) for (let lat = 50; lat <= 60.5; lat += 0.5) grid.push([lon, lat]);
    expect(grid.length).toBe(21 * 22);
    expect(await worstForward(grid)).toBeLessThan(MM);
  });

  it('from eastings, northings to longitude, latitude on a 50 km grid over Great Britain', async () => {
    const grid: Position[] = [];
    for (let e = 0; e <= 700_000; e += 50_000) {
      for (let n = 0; n <= 1_250_000; n += 50_000) {
        const [lon, lat] = proj4(EPSG_27700, 'EPSG:4326', [e, n]) as Position;
        const A = HELMERT_AREA;
        if (lon > A.minLon + 0.1 && lon < A.maxLon - 0.1 && lat > A.minLat + 0.1 && lat < A.maxLat - 0.1)
          grid.push([e, n]);
      }
    }
    expect(grid.length).toBeGreaterThan(250);
    expect(await worstInverse(grid)).toBeLessThan(MM);
  });

  it('on every vertex of the real Southwark listed buildings and conservation areas, in both directions', async () => {
    const lonlat = [
      ...layer('listed-buildings-grade-i'),
      ...layer('listed-buildings-grade-ii-star'),
      ...layer('conservation-areas'),
    ].flatMap((f) => vertices(f.geometry));
    expect(lonlat.length).toBeGreaterThan(5000);
    expect(await worstForward(lonlat)).toBeLessThan(MM);
    const en = await postgisTransform(lonlat, 4326, 27700);
    expect(await worstInverse(en)).toBeLessThan(MM);
  });

  it('would notice a wrong definition: without the Helmert shift proj4 is about 100 m from PostGIS in Southwark', async () => {
    const noShift = EPSG_27700_NO_SHIFT;
    const p: Position = [-0.0897615, 51.504137]; // The George Inn
    const [pg] = await postgisTransform([p], 4326, 27700);
    const [x, y] = proj4('EPSG:4326', noShift, p) as Position;
    expect(Math.hypot(x - pg![0], y - pg![1])).toBeGreaterThan(50);
  });
});

const EPSG_27700_NO_SHIFT =
  '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=0,0,0 +units=m +no_defs';
