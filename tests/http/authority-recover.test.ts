/**
 * Issue 11, item 1: replacing the authority boundary re-covers, in the same transaction and audited, every layer
 * whose coverage is the authority boundary (the default); a layer covered by its data's extent is unchanged.
 * A site half in Lambeth is unknown for such a layer; once the boundary is extended over it, it is clear (0 m²
 * uncovered); once the boundary is put back, it is unknown again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
const round3 = (v: number) => Math.round(v * 1000) / 1000;
const fc27700 = (geoms: unknown[]) => ({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: geoms.map((g, i) => ({ type: 'Feature', properties: { ref: `F${i}`, name: `F${i}` }, geometry: g })),
});
const layerDef = (id: string) => ({
  id,
  title: `Re-cover test ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule: { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 },
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where} ({overlap}; {distance}).', negative: `Nothing from ${id} applies.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap: { reference: 'ref', name: 'name', properties: {} },
});
/** A layer upload: answered 200, or 202 with a job (issue 11 item 9) that is then waited for. */
async function finished(res: { status: number; body: { url?: string; status?: string } }) {
  if (res.status !== 202) return res;
  const job = await t.as('gis').get(res.body.url!).set('Prefer', 'wait=60');
  expect(job.body.status, JSON.stringify(job.body)).toBe('succeeded');
  return { status: 200, body: job.body };
}
async function define(id: string, coverage: 'authority' | 'extent') {
  await t
    .as('gis')
    .post('/api/layers')
    .send({ definition: layerDef(id) })
    .expect(201);
  const res = await finished(
    await t
      .as('gis')
      .put(`/api/layers/${id}/data?filename=${id}.geojson&coverage=${coverage}`)
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      // one feature well inside Southwark, far from the test site
      .send(JSON.stringify(fc27700([rect(533000, 179000, 533010, 179010)]))),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function one<T>(sql: string, bindings: unknown[] = []): Promise<T> {
  const { rows } = await t.db.raw<{ rows: T[] }>(sql, bindings as never);
  return rows[0]!;
}
async function check(site: unknown) {
  const res = await t
    .as('officer')
    .post('/api/constraints/check?crossBoundary=true')
    .send({ site, crs: 'EPSG:27700', layers: ['rc-auth', 'rc-ext'] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const body = res.body as { layers: Array<{ layerId: string; status: string; uncoveredM2: number }> };
  return Object.fromEntries(body.layers.map((l) => [l.layerId, l]));
}
const coverageWkb = async (id: string) =>
  (await one<{ h: string }>(`SELECT encode(ST_AsEWKB(coverage), 'hex') AS h FROM layer WHERE id = ?`, [id])).h;

let site: ReturnType<typeof rect>;
let beyond: number; // m² of the site in Lambeth
let originalBoundary: string; // GeoJSON geometry, EPSG:27700
let dir: string;
const boundaryFile = (name: string, geometry: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(
    f,
    JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: [{ type: 'Feature', properties: {}, geometry: JSON.parse(geometry) }],
    }),
  );
  return f;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-recover-'));
  await define('rc-auth', 'authority');
  await define('rc-ext', 'extent');
  // a point on the Southwark/Lambeth boundary near Kennington Park Road
  const p = await one<{ x: number; y: number }>(
    `SELECT ST_X(q) AS x, ST_Y(q) AS y FROM (SELECT ST_ClosestPoint(ST_Boundary(boundary),
       ST_SetSRID(ST_Point(531400, 177950), 27700)) AS q FROM authority WHERE id = ?) s`,
    [t.authorityId],
  );
  // a 30 m square across it (about half in Lambeth)
  site = rect(p.x - 15, p.y - 15, p.x + 15, p.y + 15);
  beyond = (
    await one<{ a: number }>(
      'SELECT ST_Area(ST_Difference(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700), boundary)) AS a FROM authority WHERE id = ?',
      [JSON.stringify(site), t.authorityId],
    )
  ).a;
  expect(beyond).toBeGreaterThan(300);
  expect(site).toBeDefined();
  originalBoundary = (
    await one<{ g: string }>(`SELECT ST_AsGeoJSON(boundary, 4) AS g FROM authority WHERE id = ?`, [t.authorityId])
  ).g;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('replacing the authority boundary re-covers the layers that follow it', () => {
  it('a Lambeth site is unknown, with its whole area uncovered, for both layers', async () => {
    const r = await check(site);
    expect(r['rc-auth']).toMatchObject({ status: 'unknown', uncoveredM2: round3(beyond) });
    expect(r['rc-ext']).toMatchObject({ status: 'unknown', uncoveredM2: 900 }); // its data's extent is far away
    expect((await one<{ k: string }>(`SELECT coverage_kind AS k FROM layer WHERE id = 'rc-ext'`)).k).toBe('extent');
  });

  it('extended over the site (API): clear for the authority-covered layer, unchanged for the extent one, audited', async () => {
    const extBefore = await coverageWkb('rc-ext');
    const extended = (
      await one<{ g: string }>(
        `SELECT ST_AsGeoJSON(ST_Union(boundary, ST_Expand(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700), 100)), 4) AS g
         FROM authority WHERE id = ?`,
        [JSON.stringify(site), t.authorityId],
      )
    ).g;
    const res = await t
      .as('gis')
      .put('/api/authority/boundary?filename=extended.geojson')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .send(fs.readFileSync(boundaryFile('extended.geojson', extended), 'utf8'));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const recovered = res.body.layersRecovered as Array<{
      id: string;
      coverageBeforeM2: number;
      coverageAfterM2: number;
    }>;
    const auth = recovered.find((l) => l.id === 'rc-auth')!;
    expect(auth).toBeDefined();
    // the square grown by 100 m (210 m × 210 m) less what of it the old boundary already held
    expect(auth.coverageAfterM2 - auth.coverageBeforeM2).toBeGreaterThan(10_000);
    expect(recovered.map((l) => l.id)).not.toContain('rc-ext');
    expect(await coverageWkb('rc-ext')).toBe(extBefore);
    const r = await check(site);
    expect(r['rc-auth']).toMatchObject({ status: 'clear', uncoveredM2: 0 });
    expect(r['rc-ext']).toMatchObject({ status: 'unknown', uncoveredM2: 900 }); // its data's extent is far away
    const audit = await t.db('audit_log').where({ action: 'authority.boundary.replace' }).orderBy('id', 'desc').first();
    expect(JSON.stringify(audit.after)).toContain('rc-auth');
  });

  it('put back (CLI): unknown again for the authority-covered layer', async () => {
    const cli = await runCli(t.url, [
      'authority:boundary',
      '--file',
      boundaryFile('original.geojson', originalBoundary),
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('Coverage now follows the new boundary for:');
    expect(cli.stdout).toContain('rc-auth');
    const r = await check(site);
    expect(r['rc-auth']).toMatchObject({ status: 'unknown', uncoveredM2: round3(beyond) });
    expect(r['rc-ext']).toMatchObject({ status: 'unknown', uncoveredM2: 900 }); // its data's extent is far away
  });

  it('keeps what a load took out of the coverage (around a feature skipped as invalid)', async () => {
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: layerDef('rc-holes') })
      .expect(201);
    // a self-intersecting bow-tie, skipped (no --repair): its surroundings are not covered
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [533500, 179500],
          [533520, 179520],
          [533520, 179500],
          [533500, 179520],
          [533500, 179500],
        ],
      ],
    };
    const res = await finished(
      await t
        .as('gis')
        .put('/api/layers/rc-holes/data?filename=h.geojson')
        .set('If-Match', '*')
        .set('Content-Type', 'application/geo+json')
        .send(JSON.stringify(fc27700([rect(533000, 179000, 533010, 179010), bowtie]))),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const near = rect(533505, 179505, 533515, 179515);
    const covered = async () =>
      (
        await one<{ c: boolean }>(
          `SELECT ST_Covers(coverage, ST_SetSRID(ST_GeomFromGeoJSON(?), 27700)) AS c FROM layer WHERE id = 'rc-holes'`,
          [JSON.stringify(near)],
        )
      ).c;
    expect(await covered()).toBe(false);
    const cli = await runCli(t.url, ['authority:boundary', '--file', boundaryFile('again.geojson', originalBoundary)]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(await covered()).toBe(false);
  });
});
