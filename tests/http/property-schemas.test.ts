/**
 * Property-based tests (fast-check, fixed seed) of the JSON routes and the geometry intake: whatever JSON arrives —
 * arbitrary values, or a valid body with parts replaced by arbitrary values — the answer is a 2xx or a 4xx whose
 * code is catalogued in shared/errors.ts with that status, never a 5xx. Arbitrary site coordinates (degenerate,
 * self-intersecting, 3D, strings, huge) get a 2xx or a documented 4xx, and a geometry refusal says where (a JSON
 * path or a location). 3D coordinates are accepted with their heights dropped, and the answer says so.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../../shared/errors.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const SEED = 163;
const RUNS = 40;

let t: TestApp;
let caseId = 0;
beforeAll(async () => {
  t = await startTestApp();
  caseId = (
    await t
      .as('admin')
      .post('/api/cases')
      .send({ kind: 'application', applicationType: 'full', description: 'Property test', receivedDate: '2024-01-01' })
      .expect(201)
  ).body.id;
});
afterAll(async () => {
  await t?.closeApp();
});

const square = (x: number, y: number, s: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + s, y],
      [x + s, y + s],
      [x, y + s],
      [x, y],
    ],
  ],
});

/** The JSON body routes (parseBody) with a valid body each. */
const ROUTES: Array<{ method: 'post' | 'patch' | 'put'; url: () => string; valid: Record<string, unknown> }> = [
  {
    method: 'post',
    url: () => '/api/cases',
    valid: {
      kind: 'application',
      applicationType: 'full',
      description: 'x',
      receivedDate: '2024-01-01',
      parties: [{ role: 'applicant', name: 'A' }],
    },
  },
  {
    method: 'patch',
    url: () => `/api/cases/${caseId}`,
    valid: { version: 1, description: 'y', targetDate: '2024-05-01' },
  },
  {
    method: 'put',
    url: () => `/api/cases/${caseId}/site?crs=EPSG:27700`,
    valid: { geometry: square(533000, 179000, 20) },
  },
  {
    method: 'post',
    url: () => '/api/geometry/validate?crs=EPSG:27700',
    valid: { geometry: square(533000, 179000, 20) },
  },
  { method: 'post', url: () => '/api/users', valid: { username: 'prop.user', role: 'gis' } },
  {
    method: 'post',
    url: () => '/api/constraints/check',
    valid: { site: square(533000, 179000, 20), crs: 'EPSG:27700' },
  },
  {
    method: 'post',
    url: () => '/api/neighbours/preview',
    valid: { site: square(533000, 179000, 20), siteCrs: 'EPSG:27700', selection: { radiusM: 50 } },
  },
  {
    method: 'post',
    url: () => `/api/cases/${caseId}/publicity-events`,
    valid: { kind: 'site-notice', date: '2024-03-05', noticeCount: 1, places: ['gate'] },
  },
  { method: 'put', url: () => '/api/authority/details', valid: { phone: '020 7525 5403' } },
  { method: 'post', url: () => `/api/cases/${caseId}/documents`, valid: { kind: 'site-history', withinM: 10 } },
];

function expectDocumented(status: number, body: { error?: { code?: string } }, context: string) {
  expect(status, context).toBeLessThan(500);
  if (status >= 400) {
    const code = body.error?.code as ErrorCode;
    expect(code in ERRORS, `${context}: ${code} is not in shared/errors.ts`).toBe(true);
    expect(ERRORS[code], `${context}: ${code} is catalogued with another status`).toBe(status);
  }
}

/** A valid body with one key replaced by an arbitrary value, or one key added, or a key removed. */
const mutated = (valid: Record<string, unknown>) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue()).map(([k, v]) => ({ ...valid, [k]: v })),
    fc.tuple(fc.string(), fc.jsonValue()).map(([k, v]) => ({ ...valid, [k]: v })),
    fc
      .constantFrom(...Object.keys(valid))
      .map((k) => Object.fromEntries(Object.entries(valid).filter(([x]) => x !== k))),
    fc.anything({ maxDepth: 3 }).map((v) => v ?? {}),
    fc.json().map((s) => JSON.parse(s) as unknown),
  );

const params = { seed: SEED, numRuns: RUNS, endOnFailure: true };

describe('every JSON body route', () => {
  for (const r of ROUTES) {
    it(`${r.method.toUpperCase()} ${r.url().replace(/\d+/, ':id')}: arbitrary and mutated bodies get 2xx or a documented 4xx`, async () => {
      await fc.assert(
        fc.asyncProperty(mutated(r.valid), async (body) => {
          // JSON cannot carry undefined, and a top-level scalar is refused by the parser (also documented)
          const text = JSON.stringify(body) ?? 'null';
          const res = await t.as('admin')[r.method](r.url()).set('Content-Type', 'application/json').send(text);
          expectDocumented(res.status, res.body, `${text.slice(0, 200)} (seed ${SEED})`);
        }),
        params,
      );
    });
  }
});

describe('the geometry intake', () => {
  const coord = fc.oneof(
    fc.double({ min: 532_900, max: 533_200, noNaN: true }),
    fc.double({ noDefaultInfinity: true, noNaN: true }),
    fc.constantFrom(0, -1, 1e308, 533_000, 179_000),
  );
  const position = fc.oneof(
    fc.tuple(coord, coord),
    fc.tuple(coord, coord, coord), // 3D
    fc.tuple(coord, coord, coord, coord), // 4D
    fc.constantFrom<unknown[]>([], [1], ['533000', '179000'], ['NaN', 1], [null, null]),
  );
  const ring = fc.oneof(
    fc.array(position, { minLength: 0, maxLength: 8 }),
    // closed rings near the authority: a triangle, a bow tie (self-intersecting), a spike, repeated points
    fc
      .array(fc.tuple(fc.integer({ min: 533_000, max: 533_050 }), fc.integer({ min: 179_000, max: 179_050 })), {
        minLength: 1,
        maxLength: 6,
      })
      .map((ps) => [...ps, ps[0]!]),
  );
  const geometry = fc.oneof(
    fc.array(ring, { minLength: 0, maxLength: 3 }).map((rings) => ({ type: 'Polygon', coordinates: rings })),
    fc.array(fc.array(ring, { maxLength: 2 }), { maxLength: 3 }).map((p) => ({ type: 'MultiPolygon', coordinates: p })),
    fc.record({
      type: fc.constantFrom('Point', 'LineString', 'GeometryCollection', 'Polygon'),
      coordinates: fc.jsonValue(),
    }),
  );

  it('arbitrary coordinates get 2xx or a documented 4xx; a geometry refusal says where', async () => {
    const seen: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(geometry, async (g) => {
        const res = await t.as('admin').post('/api/geometry/validate?crs=EPSG:27700').send({ geometry: g });
        const context = `${JSON.stringify(g).slice(0, 300)} (seed ${SEED})`;
        expectDocumented(res.status, res.body, context);
        seen[res.status] = (seen[res.status] ?? 0) + 1;
        if (res.status === 422) {
          const d = res.body.error.details as { path?: string; location?: unknown } | null;
          expect(d?.path !== undefined || d?.location !== undefined, context).toBe(true);
        }
      }),
      { ...params, numRuns: 200 },
    );
    console.log(`geometry intake property (seed ${SEED}): statuses ${JSON.stringify(seen)}`);
    // the generators reach both answers: accepted sites and refusals
    expect(seen[200]).toBeGreaterThan(0);
    expect(seen[422]).toBeGreaterThan(0);
  });

  it('3D and 4D sites are accepted flat, and the answer says how many heights were dropped', async () => {
    const threeD = {
      type: 'Polygon',
      coordinates: [square(533000, 179000, 20).coordinates[0]!.map(([x, y]) => [x, y, 12.5])],
    };
    const v = await t.as('admin').post('/api/geometry/validate?crs=EPSG:27700').send({ geometry: threeD }).expect(200);
    expect(v.body.areaM2).toBe(400);
    expect(v.body.warnings).toEqual(['Heights (Z) dropped from 5 coordinates: a site is drawn flat.']);
    const fourD = { type: 'MultiPolygon', coordinates: [[threeD.coordinates[0]!.map((p) => [...p, 3])]] };
    const put = await t
      .as('admin')
      .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
      .set('If-Match', `"v${(await t.as('admin').get(`/api/cases/${caseId}`).expect(200)).body.version}"`)
      .send({ geometry: fourD });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.site.areaM2).toBe(400);
    expect(put.body.warnings).toEqual(['Heights (Z) dropped from 5 coordinates: a site is drawn flat.']);
    // a flat site has no warnings
    const flat = await t
      .as('admin')
      .post('/api/geometry/validate?crs=EPSG:27700')
      .send({ geometry: square(533000, 179000, 20) })
      .expect(200);
    expect(flat.body.warnings).toBeUndefined();
  });

  it('a 3D GeoJSON file converted to a site: heights dropped and stated', async () => {
    const fcoll = {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: [
        {
          type: 'Feature',
          properties: {},
          geometry: {
            type: 'Polygon',
            coordinates: [square(533000, 179000, 20).coordinates[0]!.map(([x, y]) => [x, y, 5])],
          },
        },
      ],
    };
    const res = await t.as('admin').post('/api/geometry/convert?filename=site.geojson').send(fcoll);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.warnings.join(' ')).toMatch(/Heights \(Z\) on 5 vertices were dropped/);
  });
});
