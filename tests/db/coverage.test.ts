/**
 * Issue 11, items 1 and 2: a layer's coverage (default: the authority boundary, which now reaches the centre of the
 * Thames as the council's own data does) and exact figures. A site, or the part of a within-N-metres reach, beyond
 * a layer's coverage makes that layer `unknown` with the uncovered m², unless a hit makes it `constraint`.
 * Sites: a real Southwark/Lambeth cross-boundary square (about half in Lambeth), a Bankside river-edge square in
 * the council's Bear Gardens conservation area (refused as "entirely outside" by the old ward-based boundary),
 * and squares 1 cm inside and 1 cm outside the coverage edge. Every figure is PostGIS's own, to 0.001.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOUTHWARK_DIR } from '../../server/seed/seed.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

type Ring = Array<[number, number]>;
const rect = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ] as Ring,
  ],
});
const round3 = (v: number) => Math.round(v * 1000) / 1000;

const layerDef = (
  id: string,
  rule: Record<string, unknown>,
  fieldMap: Record<string, unknown> = { reference: 'ref', name: 'name', properties: {} },
) => ({
  id,
  title: `Coverage test ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule,
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where} ({overlap}; {distance}).', negative: `Nothing from ${id} applies.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap,
});
const fc27700 = (features: Array<{ ref: string; geom: unknown }>) => ({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: features.map((f) => ({ type: 'Feature', properties: { ref: f.ref, name: f.ref }, geometry: f.geom })),
});
async function define(id: string, rule: Record<string, unknown>, data: unknown, fieldMap?: Record<string, unknown>) {
  await t
    .as('gis')
    .post('/api/layers')
    .send({ definition: layerDef(id, rule, fieldMap) })
    .expect(201);
  const res = await t
    .as('gis')
    .put(`/api/layers/${id}/data?filename=${id}.geojson`)
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json')
    .set('Prefer', 'wait=300')
    .send(JSON.stringify(data));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

interface Layer {
  layerId: string;
  status: string;
  sentence: string;
  caveats: string[];
  uncoveredM2: number;
  uncoveredReachM2: number;
  hits: Array<{ reference: string; overlapM2: number; distanceM: number; fired: boolean; why: string }>;
}
async function check(site: unknown, layers: string[], crossBoundary = false) {
  const res = await t
    .as('officer')
    .post(`/api/constraints/check${crossBoundary ? '?crossBoundary=true' : ''}`)
    .send({ site, crs: 'EPSG:27700', layers });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { siteAreaM2: number; layers: Layer[] };
}
const layer = (r: { layers: Layer[] }, id: string) => r.layers.find((l) => l.layerId === id)!;

async function one<T>(sql: string, bindings: unknown[] = []): Promise<T> {
  const { rows } = await t.db.raw<{ rows: T[] }>(sql, bindings as never);
  return rows[0]!;
}
const beyondM2 = async (site: unknown) =>
  (
    await one<{ a: number }>(
      'SELECT ST_Area(ST_Difference(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700), boundary)) AS a FROM authority WHERE id = ?',
      [JSON.stringify(site), t.authorityId],
    )
  ).a;

// a point on the Southwark/Lambeth boundary near Kennington Park Road, found on the stored boundary
let P: [number, number];
// a 30 m square across it (about half in Lambeth), and a feature inside Southwark 200 m east of it
let cross: ReturnType<typeof rect>;
const bankside = rect(532230, 180570, 532260, 180600);

beforeAll(async () => {
  const p = await one<{ x: number; y: number }>(
    `SELECT ST_X(q) AS x, ST_Y(q) AS y FROM (SELECT ST_ClosestPoint(ST_Boundary(boundary),
       ST_SetSRID(ST_Point(531400, 177950), 27700)) AS q FROM authority WHERE id = ?) s`,
    [t.authorityId],
  );
  P = [p.x, p.y];
  cross = rect(P[0] - 15, P[1] - 15, P[0] + 15, P[1] + 15);
  await define(
    'cov-int',
    { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 },
    fc27700([{ ref: 'FAR', geom: rect(533000, 179000, 533010, 179010) }]),
  );
  await define(
    'cov-within',
    { kind: 'within', distanceM: 20 },
    fc27700([{ ref: 'FAR', geom: rect(533000, 179000, 533010, 179010) }]),
  );
  // the council's conservation areas, as published (CRS84)
  await define(
    'cov-ca',
    { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 },
    JSON.parse(fs.readFileSync(path.join(SOUTHWARK_DIR, 'geojson', 'conservation-areas.geojson'), 'utf8')),
    { reference: 'Conservation_area_number', name: 'Conservation_area', properties: {} },
  );
});

describe('a site across the Southwark/Lambeth boundary (about half in Lambeth)', () => {
  it('is measured exactly at the intake: the m² outside to 0.001, not 0 (within the 50 m tolerance)', async () => {
    const expected = await beyondM2(cross);
    expect(expected).toBeGreaterThan(300);
    expect(expected).toBeLessThan(600);
    const res = await t.as('officer').post('/api/geometry/validate?crs=EPSG:27700').send({ geometry: cross });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.outsideAuthorityM2).toBe(round3(expected));
    expect(res.body.areaM2).toBe(900);
  });

  it('is unknown, with the uncovered m², for layers with no hit there (intersects and within-20 m), never clear', async () => {
    const expected = await beyondM2(cross);
    const r = await check(cross, ['cov-int', 'cov-within'], true);
    for (const id of ['cov-int', 'cov-within']) {
      const l = layer(r, id);
      expect(l.status, id).toBe('unknown');
      expect(l.uncoveredM2).toBe(round3(expected));
      expect(l.sentence).toContain('of the site is outside the area');
    }
    expect(layer(r, 'cov-within').uncoveredReachM2).toBeGreaterThan(0);
  });
});

describe('a Bankside site on the river edge (beyond the ONS ward boundary, in the Bear Gardens conservation area)', () => {
  it('is accepted with 0 m² outside (the old ward-based boundary refused it as entirely outside)', async () => {
    const old = await one<{ inside: boolean }>(
      `SELECT ST_Intersects(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700), ST_SetSRID(ST_GeomFromGeoJSON(?), 27700)) AS inside`,
      [
        JSON.stringify(
          JSON.parse(
            fs.readFileSync(
              path.join(SOUTHWARK_DIR, 'boundary', 'southwark-borough-dissolved-from-wards.geojson'),
              'utf8',
            ),
          ).features[0].geometry,
        ),
        JSON.stringify(bankside),
      ],
    );
    expect(old.inside).toBe(false);
    const res = await t.as('officer').post('/api/geometry/validate?crs=EPSG:27700').send({ geometry: bankside });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.outsideAuthorityM2).toBe(0);
  });

  it('is covered: a constraint for the conservation area, clear (not unknown) for a layer with nothing there', async () => {
    const r = await check(bankside, ['cov-ca', 'cov-within']);
    expect(layer(r, 'cov-ca').status).toBe('constraint');
    expect(layer(r, 'cov-ca').uncoveredM2).toBe(0);
    expect(layer(r, 'cov-within').status).toBe('clear');
    expect(layer(r, 'cov-within').uncoveredM2).toBe(0);
  });
});

describe('sites 1 cm inside and 1 cm outside the coverage edge', () => {
  it('is clear 1 cm inside the boundary and unknown (0.03 m² uncovered) 1 cm beyond it', async () => {
    // a 3 m square whose east edge is 1 cm inside, or 1 cm beyond, the boundary's westernmost straight stretch
    // near P: found as the boundary's segment nearest P, the square built along its inward normal
    const s = await one<{ x1: number; y1: number; x2: number; y2: number }>(
      `SELECT ST_X(ST_StartPoint(geom)) AS x1, ST_Y(ST_StartPoint(geom)) AS y1, ST_X(ST_EndPoint(geom)) AS x2, ST_Y(ST_EndPoint(geom)) AS y2
       FROM (SELECT (ST_DumpSegments(ST_ExteriorRing(ST_GeometryN(boundary, 1)))).geom FROM authority WHERE id = ?) d
       WHERE ST_Length(geom) > 20 ORDER BY ST_Distance(geom, ST_SetSRID(ST_Point(?, ?), 27700)) LIMIT 1`,
      [t.authorityId, P[0], P[1]],
    );
    const len = Math.hypot(s.x2 - s.x1, s.y2 - s.y1);
    const u = [(s.x2 - s.x1) / len, (s.y2 - s.y1) / len];
    let n = [u[1]!, -u[0]!];
    const mid = [(s.x1 + s.x2) / 2, (s.y1 + s.y2) / 2];
    const inside = await one<{ i: boolean }>(
      'SELECT ST_Covers(boundary, ST_SetSRID(ST_Point(?, ?), 27700)) AS i FROM authority WHERE id = ?',
      [mid[0]! + n[0]! * 1, mid[1]! + n[1]! * 1, t.authorityId],
    );
    if (!inside.i) n = [-n[0]!, -n[1]!];
    // a square 3 m × 3 m from `edge` metres inside (negative: beyond) the segment, going inwards
    const sq = (edge: number) => {
      const at = (a: number, b: number): [number, number] => [
        mid[0]! + u[0]! * a + n[0]! * b,
        mid[1]! + u[1]! * a + n[1]! * b,
      ];
      return {
        type: 'Polygon',
        coordinates: [[at(-1.5, edge), at(1.5, edge), at(1.5, edge + 3), at(-1.5, edge + 3), at(-1.5, edge)]],
      };
    };
    const inner = await check(sq(0.01), ['cov-int']);
    expect(layer(inner, 'cov-int').status).toBe('clear');
    expect(layer(inner, 'cov-int').uncoveredM2).toBe(0);
    const outer = await check(sq(-0.01), ['cov-int'], true);
    expect(layer(outer, 'cov-int').status).toBe('unknown');
    expect(layer(outer, 'cov-int').uncoveredM2).toBeCloseTo(0.03, 6);
    expect(layer(outer, 'cov-int').sentence).toContain('0.03 m² of the site');

    // a within-20 m rule: the site 1 cm inside is covered, but the land within 20 m of it is not: unknown, with
    // no m² of the site uncovered; 20.01 m inside (checked against the stored boundary) it is clear
    const reach = await check(sq(0.01), ['cov-within']);
    expect(layer(reach, 'cov-within').status).toBe('unknown');
    expect(layer(reach, 'cov-within').uncoveredM2).toBe(0);
    expect(layer(reach, 'cov-within').uncoveredReachM2).toBeGreaterThan(0);
    expect(layer(reach, 'cov-within').sentence).toContain('within 20 m of the site reaches outside');
    const deep = sq(20.01);
    const d = await one<{ d: number }>(
      'SELECT ST_Distance(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700), ST_Boundary(boundary)) AS d FROM authority WHERE id = ?',
      [JSON.stringify(deep), t.authorityId],
    );
    expect(d.d).toBeCloseTo(20.01, 6);
    const far = await check(deep, ['cov-within']);
    expect(layer(far, 'cov-within').status).toBe('clear');
    expect(layer(far, 'cov-within').uncoveredReachM2).toBe(0);
  });
});
