/**
 * POST /api/constraints/check runs the geometry intake and the check in one statement
 * (sql/queries/constraint_check_site.sql). Whatever it is sent, it must accept and refuse exactly as
 * POST /api/geometry/validate (the intake on its own): the same code, message and details for every refusal,
 * the same area and repair report when accepted. Also when the one statement fails (a broken layer) and the
 * intake and the check run on their own.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

type Position = [number, number];
const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const square = (x: number, y: number, s: number): Position[] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
  [x, y],
];
const poly = (...rings: Position[][]) => ({ type: 'Polygon', coordinates: rings });
const multi = (...polys: Position[][][]) => ({ type: 'MultiPolygon', coordinates: polys });
const GEOJSON_DIR = fileURLToPath(new URL('../../layers/data/southwark/geojson/', import.meta.url));
const towerBridge = (
  JSON.parse(fs.readFileSync(`${GEOJSON_DIR}listed-buildings-grade-i.geojson`, 'utf8')) as {
    features: Array<{ properties: Record<string, unknown>; geometry: unknown }>;
  }
).features.find(
  (f) => f.properties.NAME === 'Tower Bridge (that part that lies within the Borough of Southwark)',
)!.geometry;

interface Case {
  what: string;
  geometry: unknown;
  crs?: string;
  query?: Record<string, string>;
  /** the status both must give (the test is that they agree; this keeps each case honest) */
  status: number;
  code?: string;
}

const CASES: Case[] = [
  { what: 'a valid square in EPSG:27700', geometry: poly(square(533000, 179000, 40)), crs: 'EPSG:27700', status: 200 },
  { what: 'a valid square in CRS84', geometry: poly(square(-0.09, 51.49, 0.001)), status: 200 },
  {
    what: 'a square with a hole, as a Feature',
    geometry: {
      type: 'Feature',
      properties: {},
      geometry: poly(square(533000, 179000, 100), square(533010, 179010, 10)),
    },
    crs: 'EPSG:27700',
    status: 200,
  },
  {
    what: 'a bow-tie in EPSG:27700',
    geometry: poly([
      [533000, 179000],
      [533100, 179100],
      [533100, 179000],
      [533000, 179100],
      [533000, 179000],
    ]),
    crs: 'EPSG:27700',
    status: 422,
    code: 'INVALID_GEOMETRY',
  },
  {
    what: 'a bow-tie in CRS84',
    geometry: poly([
      [-0.09, 51.49],
      [-0.08, 51.5],
      [-0.08, 51.49],
      [-0.09, 51.5],
      [-0.09, 51.49],
    ]),
    status: 422,
    code: 'INVALID_GEOMETRY',
  },
  {
    what: 'a bow-tie with repair=true',
    geometry: poly([
      [533000, 179000],
      [533100, 179100],
      [533100, 179000],
      [533000, 179100],
      [533000, 179000],
    ]),
    crs: 'EPSG:27700',
    query: { repair: 'true' },
    status: 200,
  },
  {
    what: 'overlapping parts with repair=true',
    geometry: multi([square(533000, 179000, 100)], [square(533050, 179050, 100)]),
    crs: 'EPSG:27700',
    query: { repair: 'true' },
    status: 200,
  },
  {
    what: 'a hole outside its shell',
    geometry: poly(square(533000, 179000, 100), square(533200, 179200, 10)),
    crs: 'EPSG:27700',
    status: 422,
    code: 'INVALID_GEOMETRY',
  },
  {
    what: 'a collapsed ring with repair=true',
    geometry: poly([
      [533000, 179000],
      [533010, 179000],
      [533020, 179000],
      [533000, 179000],
    ]),
    crs: 'EPSG:27700',
    query: { repair: 'true' },
    status: 422,
    code: 'REPAIR_FAILED',
  },
  {
    what: 'a site in Manchester',
    geometry: poly(square(-2.245, 53.48, 0.002)),
    status: 422,
    code: 'SITE_OUTSIDE_AUTHORITY',
  },
  {
    what: 'a site in Manchester with crossBoundary=true',
    geometry: poly(square(384_000, 398_000, 100)),
    crs: 'EPSG:27700',
    query: { crossBoundary: 'true' },
    status: 422,
    code: 'SITE_OUTSIDE_AUTHORITY',
  },
  {
    what: 'a Southwark site as [northing, easting]',
    geometry: poly(square(533000, 179000, 100).map(([x, y]) => [y, x] as Position)),
    crs: 'EPSG:27700',
    status: 422,
    code: 'EASTING_NORTHING_SWAPPED',
  },
  {
    // since issue 11 the boundary reaches the centre of the Thames: the bridge's part beyond it is within the 50 m
    // tolerance (it was refused as SITE_CROSSES_AUTHORITY_BOUNDARY when the boundary stopped at the riverbank)
    what: 'Tower Bridge (beyond the boundary by less than the tolerance)',
    geometry: towerBridge,
    status: 200,
  },
  {
    what: 'a Bankside strip across the Thames into the City (crosses the boundary by ~150 m)',
    geometry: poly([
      [532230, 180575],
      [532260, 180575],
      [532260, 180800],
      [532230, 180800],
      [532230, 180575],
    ] as Position[]),
    crs: 'EPSG:27700',
    status: 422,
    code: 'SITE_CROSSES_AUTHORITY_BOUNDARY',
  },
  {
    what: 'Tower Bridge with crossBoundary=true',
    geometry: towerBridge,
    query: { crossBoundary: 'true' },
    status: 200,
  },
  {
    what: 'a ring not closed',
    geometry: poly([
      [533000, 179000],
      [533100, 179000],
      [533100, 179100],
      [533000, 179100],
    ]),
    crs: 'EPSG:27700',
    status: 422,
    code: 'RING_NOT_CLOSED',
  },
  {
    what: 'a coordinate that is text',
    geometry: poly([[533000, 179000], [533100, '179000'] as unknown as Position, [533100, 179100], [533000, 179000]]),
    crs: 'EPSG:27700',
    status: 422,
    code: 'COORDINATE_NOT_NUMBER',
  },
  {
    what: 'latitude, longitude in CRS84',
    geometry: poly(square(51.49, -0.09, 0.001)),
    status: 422,
    code: 'LAT_LON_SWAPPED',
  },
  {
    what: 'an unsupported crs',
    geometry: poly(square(533000, 179000, 40)),
    crs: 'EPSG:3857',
    status: 422,
    code: 'CRS_UNSUPPORTED',
  },
  {
    what: 'a point',
    geometry: { type: 'Point', coordinates: [533000, 179000] },
    crs: 'EPSG:27700',
    status: 422,
    code: 'GEOMETRY_TYPE_UNSUPPORTED',
  },
  { what: 'an empty MultiPolygon', geometry: multi(), crs: 'EPSG:27700', status: 422, code: 'GEOMETRY_EMPTY' },
];

async function both(c: Case, layers: string[]) {
  const qs = new URLSearchParams(c.query ?? {});
  const validateQs = new URLSearchParams({ ...(c.query ?? {}), ...(c.crs ? { crs: c.crs } : {}) });
  const validate = await t
    .as('officer')
    .post(`/api/geometry/validate${validateQs.size ? `?${validateQs}` : ''}`)
    .send({ geometry: c.geometry });
  const check = await t
    .as('officer')
    .post(`/api/constraints/check${qs.size ? `?${qs}` : ''}`)
    .send({ site: c.geometry, layers, ...(c.crs ? { crs: c.crs } : {}) });
  return { validate, check };
}

async function expectSame(c: Case, layers: string[]) {
  const { validate, check } = await both(c, layers);
  expect(validate.status, `${c.what}: validate ${JSON.stringify(validate.body)}`).toBe(c.status);
  expect(check.status, `${c.what}: check ${JSON.stringify(check.body)}`).toBe(c.status);
  if (c.status === 200) {
    expect(check.body.site).toEqual({
      areaM2: validate.body.areaM2,
      areaHa: validate.body.areaHa,
      repair: validate.body.repair,
    });
    expect(check.body.siteAreaM2).toBe(validate.body.areaM2);
    expect(check.body.layers.map((l: { layerId: string }) => l.layerId).sort()).toEqual([...layers].sort());
  } else {
    expect(check.body.error.code, c.what).toBe(c.code);
    expect(check.body).toEqual(validate.body);
  }
  return { validate, check };
}

const layerDef = (id: string) => ({
  id,
  title: `Test layer ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule: { kind: 'within', distanceM: 20 },
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where}.', negative: `Nothing from ${id}.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
});

beforeAll(async () => {
  for (const id of ['ci-ok', 'ci-broken'])
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: layerDef(id) })
      .expect(201);
});

describe('POST /api/constraints/check accepts and refuses a site exactly as the geometry intake does', () => {
  for (const c of CASES) {
    it(`${c.what}: ${c.code ?? 'accepted'}`, async () => {
      await expectSame(c, ['ci-ok']);
    });
  }

  it('answers in one round trip: the intake and the check are one statement', async () => {
    await expectSame(CASES[0]!, ['ci-ok']); // the layer definitions are cached now
    const seen: string[] = [];
    const onQuery = (q: { sql: string }) => seen.push(q.sql);
    t.appDb.on('query', onQuery);
    try {
      await expectSame(CASES[0]!, ['ci-ok']);
    } finally {
      t.appDb.off('query', onQuery);
    }
    // (the token lookup, when the token is not cached yet, the intake of /api/geometry/validate, and the job
    // worker's poll, which may fall inside the window, aside)
    const check = seen.filter(
      (sql) => !/api_token/.test(sql) && !/^WITH input AS/.test(sql.trim()) && !/\b"?job"?\b/.test(sql),
    );
    expect(check).toHaveLength(1);
    expect(check[0]).toContain('site_ewkb');
  });

  it('refuses an invalid site before it looks for the layers named (as it always has)', async () => {
    const c = CASES.find((x) => x.code === 'INVALID_GEOMETRY')!;
    const { check } = await both(c, ['ci-ok', 'no-such-layer']);
    expect(check.status).toBe(422);
    expect(check.body.error.code).toBe('INVALID_GEOMETRY');
    const ok = await both(CASES[0]!, ['ci-ok', 'no-such-layer']);
    expect(ok.check.status).toBe(404);
    expect(ok.check.body.error).toMatchObject({ code: 'LAYER_NOT_FOUND', details: { missing: ['no-such-layer'] } });
  });
});

describe('the same when the one statement fails and the intake and the check run on their own (a broken layer)', () => {
  beforeAll(async () => {
    await t.db.raw(
      `UPDATE layer SET definition = jsonb_set(definition, '{rule,distanceM}', '"twenty"') WHERE id = 'ci-broken'`,
    );
  });
  afterAll(async () => {
    await t.db.raw(
      `UPDATE layer SET definition = jsonb_set(definition, '{rule,distanceM}', '20') WHERE id = 'ci-broken'`,
    );
  });

  for (const c of CASES) {
    it(`${c.what}: ${c.code ?? 'accepted, the broken layer unknown'}`, async () => {
      const { check } = await expectSame(c, ['ci-ok', 'ci-broken']);
      if (c.status === 200) {
        const broken = check.body.layers.find((l: { layerId: string }) => l.layerId === 'ci-broken');
        expect(broken.status).toBe('unknown');
        expect(broken.sentence).toMatch(/^Could not check this layer: .*twenty/);
      }
    });
  }
});
