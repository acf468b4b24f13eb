/**
 * Issue 11, item 1: the constraints map draws the part of the site (and of a rule's reach) that the checked layers'
 * data does not cover, with its own fill and a key entry "Not covered by <layer> data (… m² of the site)". A 30 m
 * square across the Southwark/Lambeth boundary (about half in Lambeth): the Lambeth half is washed dark grey, the
 * Southwark half is not; a site well inside has no such entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScene } from '../../server/modules/maps/service.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { binary } from '../render/fixture.ts';
import { decode, type Raster } from '../render/png.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const rect = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ],
  ],
});
async function one<T>(sql: string, bindings: unknown[] = []): Promise<T> {
  const { rows } = await t.db.raw<{ rows: T[] }>(sql, bindings as never);
  return rows[0]!;
}
const LAYER = {
  id: 'cm-int',
  title: 'Coverage map test',
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule: { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 },
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where} ({overlap}; {distance}).', negative: 'Nothing from cm-int applies.' },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap: { reference: 'ref', name: 'name', properties: {} },
};

let cross: ReturnType<typeof rect>;
let inside: ReturnType<typeof rect>;
let beyondM2: number;
beforeAll(async () => {
  await t.as('gis').post('/api/layers').send({ definition: LAYER }).expect(201);
  let res = await t
    .as('gis')
    .put('/api/layers/cm-int/data?filename=cm.geojson')
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json')
    .send(
      JSON.stringify({
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
        features: [
          { type: 'Feature', properties: { ref: 'F', name: 'F' }, geometry: rect(533000, 179000, 533010, 179010) },
        ],
      }),
    );
  if (res.status === 202) res = await t.as('gis').get(res.body.url).set('Prefer', 'wait=60');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const p = await one<{ x: number; y: number }>(
    `SELECT ST_X(q) AS x, ST_Y(q) AS y FROM (SELECT ST_ClosestPoint(ST_Boundary(boundary),
       ST_SetSRID(ST_Point(531400, 177950), 27700)) AS q FROM authority WHERE id = ?) s`,
    [t.authorityId],
  );
  cross = rect(p.x - 15, p.y - 15, p.x + 15, p.y + 15);
  inside = rect(533100, 179100, 533130, 179130);
  beyondM2 = (
    await one<{ a: number }>(
      'SELECT ST_Area(ST_Difference(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700), boundary)) AS a FROM authority WHERE id = ?',
      [JSON.stringify(cross), t.authorityId],
    )
  ).a;
  expect(beyondM2).toBeGreaterThan(300);
});

const ewkb = async (g: unknown) =>
  (
    await one<{ h: string }>(
      `SELECT encode(ST_AsEWKB(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700))), 'hex') AS h`,
      [JSON.stringify(g)],
    )
  ).h;
const scene = async (g: unknown) =>
  buildScene(
    t.db,
    t.authorityId,
    'constraints',
    { paper: 'A4', orientation: 'portrait', scale: 500, dpi: 150 } as never,
    { kind: 'adhoc', siteEwkb: await ewkb(g), layers: ['cm-int'] },
    50_000_000,
  );

describe('the constraints map draws what the layers do not cover', () => {
  it('keys the Lambeth half of a cross-boundary site "Not covered by <layer> data" with its m²', async () => {
    const { scene: s } = await scene(cross);
    const u = s.classes.find((c) => c.id === 'uncovered');
    expect(u).toBeDefined();
    expect(u!.d).toBeTruthy();
    const m2 = beyondM2.toLocaleString('en-GB', { maximumFractionDigits: 2 });
    expect(u!.label).toBe(`Not covered by Coverage map test data (${m2} m² of the site)`);
    // drawn under the red line, over the layers
    const ids = s.classes.map((c) => c.id);
    expect(ids.indexOf('uncovered')).toBeLessThan(ids.indexOf('site'));
  });

  it('has no such entry for a site the data covers', async () => {
    const { scene: s } = await scene(inside);
    expect(s.classes.find((c) => c.id === 'uncovered')).toBeUndefined();
  });

  it('paints the uncovered part (and only it) in the image', async () => {
    const res = await binary(
      t
        .as('officer')
        .post('/api/maps/constraints.png')
        .send({ site: cross, crs: 'EPSG:27700', layers: ['cm-int'], scale: 500 }),
    );
    expect(res.status, res.status === 200 ? '' : res.body.toString('utf8').slice(0, 300)).toBe(200);
    const img: Raster = decode(res.body);
    const [minX, minY, maxX, maxY] = res.headers['x-map-extent']!.split(',').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const [fx, fy, fw, fh] = res.headers['x-map-frame']!.split(',').map(Number) as [number, number, number, number];
    const px = (x: number, y: number) => {
      const cx = Math.round(fx + ((x - minX) / (maxX - minX)) * fw);
      const cy = Math.round(fy + ((maxY - y) / (maxY - minY)) * fh);
      const i = (cy * img.width + cx) * 4;
      return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
    };
    // points well inside each part (3 m in from every edge, so no red line or dashed edge is sampled)
    const pts = await one<{ ox: number; oy: number; ix: number; iy: number }>(
      `SELECT ST_X(o) AS ox, ST_Y(o) AS oy, ST_X(i) AS ix, ST_Y(i) AS iy FROM (
         SELECT ST_PointOnSurface(ST_Buffer(ST_Difference(s, boundary), -3)) AS o,
                ST_PointOnSurface(ST_Buffer(ST_Intersection(s, boundary), -3)) AS i
         FROM authority, (SELECT ST_SetSRID(ST_GeomFromGeoJSON(?), 27700) AS s) q WHERE id = ?) z`,
      [JSON.stringify(cross), t.authorityId],
    );
    const out = px(pts.ox, pts.oy);
    const inn = px(pts.ix, pts.iy);
    // dark grey wash (rgba(40,40,40,0.45) over white is about 158; over a light grey property outline darker)
    expect(out[0], `outside ${out}`).toBeLessThan(185);
    expect(Math.abs(out[0]! - out[2]!), `outside ${out}`).toBeLessThan(20);
    expect(inn[0], `inside ${inn}`).toBeGreaterThan(200);
  });
});
