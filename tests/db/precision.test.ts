/**
 * Issue 11, item 2: the API's figures are PostGIS's own to 0.001 m² / 0.001 m / 0.0001 % and never a false zero;
 * sentences round, but say "less than 1 cm" / "less than 0.01 m²" instead of 0. Features 1 mm from a 10 m square
 * site, a 1 mm strip inside it, a 1 mm × 1 mm square inside it, and two overlaps that differ by 0.001 m².
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDistance, formatOverlap } from '../../shared/domain/constraints.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const rect = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon',
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
// well inside Southwark; each scenario 100 m from the next
const X = 533500;
const Y = 178500;
const site = (i: number) => rect(X + 100 * i, Y, X + 100 * i + 10, Y + 10);

const def = (id: string, rule: Record<string, unknown>) => ({
  id,
  title: `Precision ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule,
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where} ({overlap}; {distance}).', negative: `Nothing from ${id} applies.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap: { reference: 'ref', name: 'name', properties: {} },
});

const features = [
  // 1 mm east of site 0
  { ref: 'NEAR-1MM', geom: rect(X + 10.001, Y, X + 20, Y + 10) },
  // a 1 mm strip along the inside of site 1's west edge: 10 m × 0.001 m = 0.01 m²
  { ref: 'STRIP-1MM', geom: rect(X + 100 - 5, Y, X + 100.001, Y + 10) },
  // a 1 mm × 1 mm square inside site 2: 0.000001 m²
  { ref: 'DOT', geom: rect(X + 205, Y + 5, X + 205.001, Y + 5.001) },
  // overlaps of 2.000 m² and 2.001 m² with sites 3 and 4
  { ref: 'TWO', geom: rect(X + 300 - 5, Y, X + 300.2, Y + 10) },
  { ref: 'TWO-PLUS', geom: rect(X + 400 - 5, Y, X + 400.2001, Y + 10) },
];

beforeAll(async () => {
  for (const [id, rule] of [
    ['p-within', { kind: 'within', distanceM: 20 }],
    ['p-int', { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 }],
  ] as const) {
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: def(id, rule) })
      .expect(201);
    const res = await t
      .as('gis')
      .put(`/api/layers/${id}/data?filename=${id}.geojson`)
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .set('Prefer', 'wait=300')
      .send(
        JSON.stringify({
          type: 'FeatureCollection',
          crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
          features: features.map((f) => ({
            type: 'Feature',
            properties: { ref: f.ref, name: f.ref },
            geometry: f.geom,
          })),
        }),
      );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
});

interface Hit {
  reference: string;
  relation: string;
  overlapM2: number;
  overlapPct: number;
  distanceM: number;
  fired: boolean;
  why: string;
}
async function hits(i: number, layer: string): Promise<Hit[]> {
  const res = await t
    .as('officer')
    .post('/api/constraints/check')
    .send({ site: site(i), crs: 'EPSG:27700', layers: [layer] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.layers[0].hits as Hit[];
}

describe('exact figures at 1 mm', () => {
  it('reports a building 1 mm from the red line as 0.001 m away, "less than 1 cm" in the sentence, not 0 m', async () => {
    const [h] = await hits(0, 'p-within');
    expect(h).toMatchObject({ reference: 'NEAR-1MM', relation: 'near', overlapM2: 0, fired: true });
    expect(h!.distanceM).toBeCloseTo(0.001, 9);
    expect(h!.distanceM).not.toBe(0);
    expect(h!.why).toContain('less than 1 cm from the red line');
    expect(h!.why).not.toMatch(/\b0 m from/);
  });

  it('reports a 1 mm strip inside the site as 0.01 m² (0.01%), and the 1 mm × 1 mm square as 0.000001 m², not 0', async () => {
    const [strip] = await hits(1, 'p-int');
    expect(strip!.reference).toBe('STRIP-1MM');
    expect(strip!.overlapM2).toBe(0.01);
    expect(strip!.overlapPct).toBe(0.01);
    expect(strip!.fired).toBe(false);
    const [dot] = await hits(2, 'p-int');
    expect(dot).toMatchObject({ reference: 'DOT', relation: 'feature-within-site', fired: false });
    expect(dot!.overlapM2).toBeCloseTo(0.000001, 12);
    expect(dot!.overlapM2).toBeGreaterThan(0);
    expect(dot!.overlapPct).toBeGreaterThan(0);
    expect(dot!.why).toContain('less than 0.01 m²');
  });

  it('tells apart two overlaps that differ by 0.001 m² (2 and 2.001 m²)', async () => {
    const [a] = await hits(3, 'p-int');
    const [b] = await hits(4, 'p-int');
    expect(a!.overlapM2).toBe(2);
    expect(b!.overlapM2).toBe(2.001);
    expect(a!.overlapPct).toBe(2);
    expect(b!.overlapPct).toBe(2.001);
  });

  it('never writes a false zero in a sentence', () => {
    expect(formatDistance(0)).toBe('0 m');
    expect(formatDistance(0.001)).toBe('less than 1 cm');
    expect(formatDistance(0.0099)).toBe('less than 1 cm');
    expect(formatDistance(0.01)).toBe('0.01 m');
    expect(formatOverlap(0.000001, 0.000001)).toBe('less than 0.01 m², less than 0.01% of the site');
    expect(formatOverlap(0.01, 0.01)).toBe('0.01 m², 0.01% of the site');
  });

  it('gives the intake area to 0.001 m² (10 m × 10.0005 m = 100.005 m²)', async () => {
    const res = await t
      .as('officer')
      .post('/api/geometry/validate?crs=EPSG:27700')
      .send({ geometry: rect(X, Y + 50, X + 10, Y + 60.0005) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.areaM2).toBe(100.005);
  });
});
