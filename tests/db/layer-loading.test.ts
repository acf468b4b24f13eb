/**
 * The layer loader (server/modules/layers/loader.ts) through PUT /api/layers/:id/data, loadLayer and the CLI,
 * with real GDAL and PostGIS: the council's original GeoPackage and zipped Shapefiles and their traps
 * (/work/shared/data/README.md), EPSG:3857 GeoPackages, GeoJSON in CRS84 and with the legacy EPSG:27700 crs
 * member, planning.data.gov.uk entity GeoJSON and CSV (tests/fixtures/planning-data, see SOURCES.md), bad files,
 * invalid geometry, atomic reloads, and the real Southwark layers end to end.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config/index.ts';
import { createDb } from '../../server/db/knex.ts';
import { loadLayer, reapStagingTables, type LoadReport, type LoadSource } from '../../server/modules/layers/loader.ts';
import { demoLayerSources, loadDemoLayers } from '../../server/seed/layers.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';

const t: TestApp = await startTestApp();
/** a second pool, for holding locks while the app's pool works */
const side: Knex = createDb(t.url, 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-layer-loading-'));
afterAll(async () => {
  await side.destroy();
  await t.closeApp();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const SOUTHWARK = path.join(repoRoot, 'layers', 'data', 'southwark');
const ORIGINAL = path.join(SOUTHWARK, 'original');
const GEOJSON = path.join(SOUTHWARK, 'geojson');
const FIXTURES = fileURLToPath(new URL('../fixtures/planning-data/', import.meta.url));
const actor = { id: null, username: 'test:loader' };

// ---------------------------------------------------------------- helpers

type Rule =
  { kind: 'intersects'; minOverlapM2?: number; minOverlapPct?: number } | { kind: 'within'; distanceM: number };
const layerDef = (id: string, rule: Rule = { kind: 'intersects' }, over: Record<string, unknown> = {}) => ({
  id,
  title: `Test layer ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule,
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where}.', negative: `Nothing from ${id}.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  ...over,
});
async function defineLayer(id: string, rule: Rule = { kind: 'intersects' }, over: Record<string, unknown> = {}) {
  const res = await t
    .as('gis')
    .post('/api/layers')
    .send({ definition: layerDef(id, rule, over) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
function upload(
  id: string,
  body: Buffer | string,
  query: Record<string, string> = {},
  contentType = 'application/octet-stream',
) {
  const qs = new URLSearchParams(query).toString();
  // (superagent would JSON-encode a Buffer sent as JSON: send JSON files as text)
  const payload = Buffer.isBuffer(body) && /json/.test(contentType) ? body.toString('utf8') : body;
  return t
    .as('gis')
    .put(`/api/layers/${id}/data${qs ? `?${qs}` : ''}`)
    .set('If-Match', '*')
    .set('Content-Type', contentType)
    .set('Prefer', 'wait=300') // the load is a job: wait for its end (tests/db/jobs.test.ts covers 202)
    .send(payload)
    .then((res) => (res.status === 200 ? Object.assign(res, { body: res.body.report }) : res));
}
async function uploadOk(
  id: string,
  body: Buffer | string,
  query: Record<string, string> = {},
  contentType = 'application/octet-stream',
): Promise<LoadReport> {
  const res = await upload(id, body, query, contentType);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
const load = (
  layerId: string,
  sources: LoadSource[],
  more: {
    fieldMap?: Parameters<typeof loadLayer>[1]['fieldMap'];
    repair?: boolean;
    coverage?: 'authority' | 'extent';
  } = {},
) => loadLayer(t.db, { layerId, sources, actor, toleranceM: 50, ...more });

type Ring = Array<[number, number]>;
const rect = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon',
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
const fc27700 = (features: Array<{ ref: string; geom: unknown; props?: Record<string, unknown> }>) =>
  JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
    features: features.map((f) => ({
      type: 'Feature',
      properties: { ref: f.ref, name: `Feature ${f.ref}`, ...f.props },
      geometry: f.geom,
    })),
  });

async function stagingTables(): Promise<string[]> {
  return (await t
    .db('pg_tables')
    .where('schemaname', 'layer_staging')
    .where('tablename', 'like', 'layer\\_load\\_%')
    .pluck('tablename')) as string[];
}
/** everything a failed load must leave alone */
async function stateOf(id: string) {
  const layer = await t
    .db('layer')
    .where({ id })
    .first(
      'data_version',
      'source_hash',
      'feature_count',
      'loaded_at',
      'last_load',
      t.db.raw('ST_AsEWKT(coverage) AS coverage'),
    );
  const features = await t
    .db('constraint_feature')
    .where({ layer_id: id })
    .orderBy('id')
    .select('id', 'data_version', 'source_ref', t.db.raw('ST_AsEWKT(geom) AS geom'));
  const pieces = await t.db('constraint_piece').where({ layer_id: id }).orderBy('id').pluck('id');
  const loads = Number(
    (await t.db('audit_log').where({ action: 'layer.load', entity_id: id }).count({ n: '*' }))[0]!.n,
  );
  return { layer, features, pieces, loads };
}
async function check(site: unknown, layers: string[], crs?: string) {
  const res = await t
    .as('officer')
    .post('/api/constraints/check')
    .send({ site, layers, ...(crs ? { crs } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    layers: Array<{
      layerId: string;
      status: string;
      sentence: string;
      caveats: string[];
      hits: Array<{ reference: string; relation: string; fired: boolean; distanceM: number; overlapM2: number }>;
    }>;
    publicity: Array<{ trigger: string; layerId: string }>;
  };
}
const layerIn = (report: Awaited<ReturnType<typeof check>>, id: string) => report.layers.find((l) => l.layerId === id)!;

/** per-reference Hausdorff distance between two layers' features, in metres */
async function hausdorffByRef(a: string, b: string): Promise<Map<string, number>> {
  const { rows } = await t.db.raw<{ rows: Array<{ ref: string; d: number }> }>(
    `SELECT fa.source_ref AS ref, ST_HausdorffDistance(fa.geom, fb.geom) AS d
     FROM constraint_feature fa JOIN constraint_feature fb ON fb.source_ref = fa.source_ref AND fb.layer_id = ?
     WHERE fa.layer_id = ?`,
    [b, a],
  );
  return new Map(rows.map((r) => [r.ref, r.d]));
}

// ---------------------------------------------------------------- the council's original files

describe("the council's original files", () => {
  beforeAll(async () => {
    await defineLayer('ca-gpkg');
    await defineLayer('ca-shp');
  });

  it('loads the conservation areas GeoPackage through the API: 53 areas with their numbers and names', async () => {
    const report = await uploadOk(
      'ca-gpkg',
      fs.readFileSync(path.join(ORIGINAL, 'southwark-conservation-areas.gpkg')),
      {
        filename: 'southwark-conservation-areas.gpkg',
        reference: 'Conservation_area_number',
        name: 'Conservation_area',
        properties: JSON.stringify({ 'documentation-url': 'More_information' }),
      },
      'application/geopackage+sqlite3',
    );
    expect(report).toMatchObject({
      layerId: 'ca-gpkg',
      dataVersion: 1,
      previousVersion: 0,
      read: 53,
      loaded: 53,
      featureCount: 53,
      repaired: 0,
    });
    expect(Object.values(report.skipped).every((n) => n === 0)).toBe(true);
    expect(report.sources).toEqual([
      {
        label: 'southwark-conservation-areas.gpkg',
        features: 53,
        sha256: crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(ORIGINAL, 'southwark-conservation-areas.gpkg')))
          .digest('hex'),
      },
    ]);
    const rows = await t
      .db('constraint_feature')
      .where({ layer_id: 'ca-gpkg' })
      .select('source_ref', 'name', 'properties');
    expect(new Set(rows.map((r) => r.source_ref)).size).toBe(53);
    expect(rows.every((r) => /^\d+$/.test(r.source_ref) && typeof r.name === 'string' && r.name.length > 0)).toBe(true);
    expect(rows.find((r) => r.source_ref === '3')).toMatchObject({
      name: 'Borough High Street',
      properties: { 'documentation-url': expect.stringContaining('chapter=5') },
    });
    expect(
      await t
        .db('constraint_piece')
        .where({ layer_id: 'ca-gpkg' })
        .count({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(report.pieces);
  });

  it('loads the zipped Shapefile copy with its truncated, shifted columns (Conservati holds the number): the same 53 references and outlines as the GeoPackage (bar one corrected boundary)', async () => {
    const report = await uploadOk(
      'ca-shp',
      fs.readFileSync(path.join(ORIGINAL, 'southwark-conservation-areas-shp.zip')),
      {
        filename: 'southwark-conservation-areas-shp.zip',
        reference: 'Conservati',
        properties: JSON.stringify({ 'documentation-url': 'More_infor' }),
      },
      'application/zip',
    );
    expect(report).toMatchObject({ read: 53, loaded: 53 });
    const shp = await t
      .db('constraint_feature')
      .where({ layer_id: 'ca-shp' })
      .select('source_ref', 'name', 'properties');
    const gpkg = await t.db('constraint_feature').where({ layer_id: 'ca-gpkg' }).select('source_ref', 'properties');
    expect(shp.map((r) => r.source_ref).sort()).toEqual(gpkg.map((r) => r.source_ref).sort());
    expect(
      shp.every((r) => /^https?:\/\/www\.southwark\.gov\.uk\/.*chapter=\d+$/.test(r.properties['documentation-url'])),
    ).toBe(true);
    // the column the truncation shifted onto (Conserva00) is empty in every row, and the Shapefile carries no names
    expect(shp.every((r) => r.properties.Conserva00 === null && r.name === null)).toBe(true);
    // the outlines are identical, except Walworth Road (48), whose boundary the GeoPackage corrected (about 124,000 m² against 100,000)
    const d = await hausdorffByRef('ca-shp', 'ca-gpkg');
    expect(d.size).toBe(53);
    expect([...d].filter(([, m]) => m > 1e-6).map(([ref]) => ref)).toEqual(['48']);
  });

  it('loads the three listed building Shapefiles: IDs stored as floats come out as integer strings like "470662"', async () => {
    await defineLayer('lb-shp', { kind: 'within', distanceM: 50 });
    const demo = demoLayerSources().find((l) => l.layer === 'listed-building-outline')!;
    const report = await load('lb-shp', demo.sources, { fieldMap: demo.fieldMap, repair: true });
    expect(report).toMatchObject({ read: 911, loaded: 911, repaired: 5 });
    expect(report.sources.map((s) => [s.label, s.features])).toEqual([
      ['southwark-listed-buildings-grade-i-shp.zip', 4],
      ['southwark-listed-buildings-grade-i-star-shp.zip', 29],
      ['southwark-listed-buildings-grade-ii-shp.zip', 878],
    ]);
    const rows = await t
      .db('constraint_feature')
      .where({ layer_id: 'lb-shp' })
      .select('source_ref', 'name', 'properties');
    expect(rows.filter((r) => !/^[0-9]+$/.test(r.source_ref))).toEqual([]);
    const r662 = rows.find((r) => r.source_ref === '470662');
    expect(r662).toMatchObject({
      name: null,
      properties: { 'address-text': '123, 125 and 127 Borough High Street', 'listed-building-grade': 'II', ID: 470662 },
    });
    expect(rows.find((r) => r.source_ref === '470656')).toMatchObject({
      name: 'The George Inn',
      properties: { 'listed-building-grade': 'I', 'listed-date': '1950-03-02' },
    });
  }, 120_000);

  it('loads them without repair by skipping the 5 invalid outlines, reported with examples', async () => {
    await defineLayer('lb-norepair', { kind: 'within', distanceM: 50 });
    const demo = demoLayerSources().find((l) => l.layer === 'listed-building-outline')!;
    const report = await load('lb-norepair', demo.sources, { fieldMap: demo.fieldMap });
    expect(report).toMatchObject({ read: 911, loaded: 906, repaired: 0 });
    expect(report.skipped['invalid-geometry']).toBe(5);
    const examples = report.skippedExamples.filter((e) => e.reason === 'invalid-geometry');
    expect(examples).toHaveLength(5);
    for (const e of examples) {
      expect(e.reference).toMatch(/^[0-9]+$/);
      expect(e.detail).toBeTruthy();
    }
  }, 120_000);

  it('skips the 11 individual TPO features without geometry as no-geometry, with examples, and keeps the mixed-form dates as text', async () => {
    await defineLayer('tpo-shp', { kind: 'within', distanceM: 15 });
    const demo = demoLayerSources().find((l) => l.layer === 'tree-preservation-zone')!;
    const report = await load('tpo-shp', demo.sources, { fieldMap: demo.fieldMap, repair: true });
    expect(report).toMatchObject({ read: 594, loaded: 583 });
    expect(report.skipped['no-geometry']).toBe(11);
    const examples = report.skippedExamples.filter((e) => e.reason === 'no-geometry');
    expect(examples).toHaveLength(5);
    for (const e of examples)
      expect(e).toMatchObject({
        source: 'southwark-tpo-zones-individual-shp.zip',
        reference: expect.stringMatching(/\S/),
        detail: null,
      });
    const dates = (
      await t.db('constraint_feature').where({ layer_id: 'tpo-shp' }).select(t.db.raw("properties->'made-date' AS d"))
    ).map((r: { d: unknown }) => r.d);
    expect(dates.every((d) => d === null || typeof d === 'string')).toBe(true);
    const strings = dates.filter((d): d is string => typeof d === 'string');
    expect(strings.some((d) => /^\d\d\/\d\d\/\d{4}$/.test(d))).toBe(true);
    expect(strings).toContain('Provisional');
    expect(strings.some((d) => /^\d\d\/\d\d\/\d\d$/.test(d))).toBe(true); // "17/01/20": not a date Redline should guess at
    const { rows: types } = await t.db.raw<{ rows: Array<{ k: string; n: number }> }>(
      `SELECT properties->>'tree-preservation-zone-type' AS k, count(*)::int AS n FROM constraint_feature WHERE layer_id = 'tpo-shp' GROUP BY 1 ORDER BY 1`,
    );
    expect(types.map((r) => [r.k, r.n])).toEqual([
      ['area', 30],
      ['group', 55],
      ['individual', 474],
      ['woodland', 24],
    ]);
    // a check says how many features could not be placed
    const { x, y } = { x: 533000, y: 179000 };
    const l = layerIn(await check(rect(x, y, x + 10, y + 10), ['tpo-shp'], 'EPSG:27700'), 'tpo-shp');
    expect(l.caveats).toContain(
      '11 features of this layer had no location in the source data and could not be checked.',
    );
  }, 120_000);

  it('puts the two Article 4 GeoPackages in EPSG:3857 in EPSG:27700 where the CRS84 GeoJSON copies put them (within 0.5 m)', async () => {
    await defineLayer('a4-3857');
    await defineLayer('a4-geojson');
    const names = ['a4-class-ma-change-of-use-from-class-e-to-residential', 'a4-class-za-demolition-of-commercial'];
    const gpkg = await load(
      'a4-3857',
      names.map((n) => ({ file: path.join(ORIGINAL, 'article-4', `${n}.gpkg`) })),
      { fieldMap: { name: 'Name', properties: {} }, repair: true },
    );
    const gj = await load(
      'a4-geojson',
      names.map((n) => ({ file: path.join(GEOJSON, `${n}.geojson`) })),
      { fieldMap: { name: 'Name', properties: {} }, repair: true },
    );
    expect(gpkg).toMatchObject({ read: 279, loaded: 279 });
    expect(gj).toMatchObject({ read: 279, loaded: 279 });
    expect(gpkg.skipped['outside-authority']).toBe(0);
    // pair the features in load order (source, then fid)
    const { rows } = await t.db.raw<{
      rows: Array<{ same_name: boolean; d: number; inside: boolean; x: number; y: number }>;
    }>(
      `WITH a AS (SELECT row_number() OVER (ORDER BY id) AS k, name, geom FROM constraint_feature WHERE layer_id = 'a4-3857'),
            b AS (SELECT row_number() OVER (ORDER BY id) AS k, name, geom FROM constraint_feature WHERE layer_id = 'a4-geojson')
       SELECT a.name IS NOT DISTINCT FROM b.name AS same_name, ST_HausdorffDistance(a.geom, b.geom) AS d,
              ST_Intersects(a.geom, (SELECT ST_Buffer(boundary, 50) FROM authority)) AS inside,
              ST_X(ST_PointOnSurface(a.geom)) AS x, ST_Y(ST_PointOnSurface(a.geom)) AS y
       FROM a JOIN b USING (k)`,
    );
    expect(rows).toHaveLength(279);
    expect(rows.every((r) => r.same_name && r.inside)).toBe(true);
    expect(Math.max(...rows.map((r) => r.d))).toBeLessThan(0.5);
    expect(rows.every((r) => r.x > 530_000 && r.x < 538_000 && r.y > 170_000 && r.y < 182_000)).toBe(true);
  }, 120_000);
});

// ---------------------------------------------------------------- GeoJSON and planning.data.gov.uk formats

describe('GeoJSON and planning.data.gov.uk files', () => {
  beforeAll(async () => {
    await defineLayer('gj-crs84', { kind: 'within', distanceM: 50 });
    await defineLayer('gj-27700');
    await defineLayer('a4-orig');
    await load(
      'a4-orig',
      ['a4-sunray-estate', 'a4-hmo-henshaw-street', 'a4-hmo-bywater-place'].map((n) => ({
        file: path.join(ORIGINAL, 'article-4', `${n}.gpkg`),
      })),
      { fieldMap: { name: 'Name', properties: {} } },
    );
  });

  it("reads GeoJSON without a crs member as CRS84 (longitude, latitude): the George Inn lands on the council's EPSG:27700 outline", async () => {
    const fc = JSON.parse(fs.readFileSync(path.join(GEOJSON, 'listed-buildings-grade-i.geojson'), 'utf8')) as {
      crs?: unknown;
      features: Array<{ properties: Record<string, unknown> }>;
    };
    expect(fc.crs).toBeUndefined();
    const george = {
      type: 'FeatureCollection',
      features: fc.features.filter((f) => f.properties.NAME === 'The George Inn'),
    };
    const report = await uploadOk(
      'gj-crs84',
      JSON.stringify(george),
      { filename: 'george.geojson', reference: 'ID', name: 'NAME' },
      'application/geo+json',
    );
    expect(report).toMatchObject({ read: 1, loaded: 1 });
    const { rows } = await t.db.raw<{ rows: Array<{ ref: string; d: number; srid: number }> }>(
      `SELECT a.source_ref AS ref, ST_HausdorffDistance(a.geom, b.geom) AS d, ST_SRID(a.geom) AS srid
       FROM constraint_feature a JOIN constraint_feature b ON b.layer_id = 'lb-shp' AND b.source_ref = a.source_ref WHERE a.layer_id = 'gj-crs84'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ref: '470656', srid: 27700 });
    expect(rows[0]!.d).toBeLessThan(0.05);
  });

  it('keeps coordinates exactly as written when the GeoJSON names EPSG:27700 in the legacy crs member', async () => {
    const report = await uploadOk(
      'gj-27700',
      fc27700([{ ref: 'X1', geom: rect(533100.125, 179100.5, 533117.75, 179120.0625) }]),
      { filename: 'x.geojson', reference: 'ref', name: 'name' },
    );
    expect(report.loaded).toBe(1);
    const row = await t
      .db('constraint_feature')
      .where({ layer_id: 'gj-27700' })
      .first(t.db.raw('ST_AsText(geom) AS wkt'));
    expect(row.wkt).toBe(
      'POLYGON((533100.125 179100.5,533117.75 179100.5,533117.75 179120.0625,533100.125 179120.0625,533100.125 179100.5))',
    );
  });

  it('says when it drops heights (Z): only features whose source heights are not 0 count, and everything is stored flat', async () => {
    await defineLayer('gj-3d');
    const ring3 = (x: number, y: number, z: (i: number) => number) => [
      [
        [x, y, z(0)],
        [x + 10, y, z(1)],
        [x + 10, y + 10, z(2)],
        [x, y + 10, z(3)],
        [x, y, z(0)],
      ],
    ];
    const report = await uploadOk(
      'gj-3d',
      fc27700([
        // heights on every vertex, one of them on a single vertex, a 3D outline with all heights 0, a flat one
        { ref: 'H1', geom: { type: 'Polygon', coordinates: ring3(533100, 179100, (i) => 12.5 + i) } },
        {
          ref: 'H2',
          geom: { type: 'MultiPolygon', coordinates: [ring3(533200, 179100, (i) => (i === 2 ? -0.25 : 0))] },
        },
        { ref: 'Z0', geom: { type: 'Polygon', coordinates: ring3(533300, 179100, () => 0) } },
        { ref: 'F2', geom: rect(533400, 179100, 533410, 179110) },
      ]),
      { filename: 'heights.geojson', reference: 'ref', name: 'name' },
    );
    expect(report).toMatchObject({ read: 4, loaded: 4, heightsDropped: 2 });
    expect(report.notes).toEqual([expect.stringMatching(/^Heights \(Z\) were dropped from 2 features: /)]);
    const rows = await t
      .db('constraint_feature')
      .where({ layer_id: 'gj-3d' })
      .orderBy('source_ref')
      .select('source_ref', t.db.raw('ST_NDims(geom) AS dims'), t.db.raw('ST_AsText(geom) AS wkt'));
    expect(rows.map((r: { dims: number }) => r.dims)).toEqual([2, 2, 2, 2]);
    expect(rows.find((r: { source_ref: string }) => r.source_ref === 'H1').wkt).toBe(
      'POLYGON((533100 179100,533110 179100,533110 179110,533100 179110,533100 179100))',
    );
    // the job's report on the staff page and the audit say it too
    const audit = await t
      .db('audit_log')
      .where({ action: 'layer.load', entity_id: 'gj-3d' })
      .orderBy('id', 'desc')
      .first();
    expect(audit.after.heightsDropped).toBe(2);

    // a flat file: nothing to say
    const flat = await uploadOk('gj-3d', fc27700([{ ref: 'F3', geom: rect(533100, 179100, 533110, 179110) }]), {
      filename: 'flat.geojson',
      reference: 'ref',
      name: 'name',
    });
    expect(flat).toMatchObject({ loaded: 1, heightsDropped: 0, notes: [] });
  });

  it('loads planning.data.gov.uk entity GeoJSON with the default field map (reference, name), keeping the entity fields', async () => {
    await defineLayer(
      'pd-ca',
      { kind: 'intersects' },
      { dataset: 'conservation-area', fieldMap: { reference: 'reference', name: 'name', properties: {} } },
    );
    const report = await uploadOk(
      'pd-ca',
      fs.readFileSync(path.join(FIXTURES, 'southwark-conservation-area.entity.geojson')),
      { filename: 'southwark-conservation-area.entity.geojson' },
      'application/geo+json',
    );
    expect(report).toMatchObject({ read: 2, loaded: 2 });
    const rows = await t
      .db('constraint_feature')
      .where({ layer_id: 'pd-ca' })
      .orderBy('source_ref')
      .select('source_ref', 'name', 'properties');
    expect(rows.map((r) => [r.source_ref, r.name])).toEqual([
      ['23', 'Old Barge House Alley'],
      ['37', 'Pullens Estate'],
    ]);
    expect(rows[1]!.properties).toMatchObject({
      entity: 44000901,
      dataset: 'conservation-area',
      'start-date': '2005-04-19',
      'organisation-entity': '329',
    });
    const d = await hausdorffByRef('pd-ca', 'ca-gpkg');
    expect([...d.keys()].sort()).toEqual(['23', '37']);
    expect(Math.max(...d.values())).toBeLessThan(3);
  });

  it('skips a real planning.data.gov.uk entity outside the authority (the Chilterns AONB) as outside-authority, and never answers clear from the empty extent', async () => {
    await defineLayer(
      'pd-aonb',
      { kind: 'intersects' },
      {
        dataset: 'area-of-outstanding-natural-beauty',
        fieldMap: { reference: 'reference', name: 'name', properties: {} },
      },
    );
    const body = fs.readFileSync(path.join(FIXTURES, 'aonb-1000005-chilterns.geojson'));
    const report = await uploadOk(
      'pd-aonb',
      body,
      { filename: 'aonb-1000005-chilterns.geojson', coverage: 'extent' },
      'application/geo+json',
    );
    expect(report).toMatchObject({ read: 1, loaded: 0, featureCount: 0 });
    expect(report.skipped['outside-authority']).toBe(1);
    expect(report.skippedExamples).toEqual([
      {
        reason: 'outside-authority',
        source: 'aonb-1000005-chilterns.geojson',
        fid: expect.any(Number),
        reference: '5',
        detail: null,
      },
    ]);
    const site = rect(533000, 179000, 533010, 179010);
    expect(layerIn(await check(site, ['pd-aonb'], 'EPSG:27700'), 'pd-aonb').status).toBe('unknown');
    // loaded for the authority instead: the authority is covered and has no AONB, so clear is right
    const again = await uploadOk(
      'pd-aonb',
      body,
      { filename: 'aonb-1000005-chilterns.geojson' },
      'application/geo+json',
    );
    expect(again).toMatchObject({ dataVersion: 2, loaded: 0 });
    expect(layerIn(await check(site, ['pd-aonb'], 'EPSG:27700'), 'pd-aonb').status).toBe('clear');
  });

  it("loads a planning.data.gov.uk CSV with WKT geometry in WGS84: three Article 4 areas where the council's EPSG:27700 files have them, the row without geometry skipped", async () => {
    await defineLayer(
      'pd-a4',
      { kind: 'intersects' },
      { dataset: 'article-4-direction-area', fieldMap: { reference: 'reference', name: 'name', properties: {} } },
    );
    const res = await upload(
      'pd-a4',
      fs.readFileSync(path.join(FIXTURES, 'southwark-article-4-direction-area.csv')),
      { filename: 'southwark-article-4-direction-area.csv' },
      'text/csv',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const report = res.body as LoadReport;
    expect(report).toMatchObject({ read: 4, loaded: 3 });
    expect(report.skipped['no-geometry']).toBe(1);
    expect(report.skippedExamples).toEqual([
      {
        reason: 'no-geometry',
        source: 'southwark-article-4-direction-area.csv',
        fid: expect.any(Number),
        reference: '4',
        detail: null,
      },
    ]);
    const rows = await t
      .db('constraint_feature')
      .where({ layer_id: 'pd-a4' })
      .orderBy('source_ref')
      .select('source_ref', 'name', 'properties', t.db.raw('ST_SRID(geom) AS srid'));
    expect(rows.map((r) => [r.source_ref, r.name])).toEqual([
      ['2', 'Sunray Estate'],
      ['3.1', 'Houses in multiple occupation, Henshaw Street, SE17'],
      ['3.2', 'Houses in multiple occupation, Bywater Place, SE16'],
    ]);
    expect(rows[1]!.properties).toMatchObject({
      entity: '7010099902',
      'start-date': '2014-10-17',
      point: 'POINT (-0.089953 51.492906)',
    });
    expect(rows[1]!.properties.geometry).toBeUndefined();
    expect(rows.every((r) => r.srid === 27700)).toBe(true);
    // against the council's EPSG:27700 GeoPackages (matched by position: each CSV area lies on exactly one original)
    const { rows: d } = await t.db.raw<{ rows: Array<{ ref: string; name: string; d: number }> }>(
      `SELECT a.source_ref AS ref, b.name, ST_HausdorffDistance(a.geom, b.geom) AS d
       FROM constraint_feature a JOIN constraint_feature b ON b.layer_id = 'a4-orig' AND ST_Intersects(ST_PointOnSurface(a.geom), b.geom)
       WHERE a.layer_id = 'pd-a4' ORDER BY a.source_ref`,
    );
    expect(d.map((r) => [r.ref, r.name])).toEqual([
      ['2', 'The Sunray Estate'],
      ['3.1', 'Houses in multiple occupation: Henshaw Street, SE17'],
      ['3.2', 'Houses in multiple occupation: Bywater Place, SE16'],
    ]);
    expect(Math.max(...d.map((r) => r.d))).toBeLessThan(3);
  });
});

// ---------------------------------------------------------------- bad files

describe('a bad file is refused with a clear 4xx error and changes nothing', () => {
  const GOOD = fc27700([
    { ref: 'G1', geom: rect(533000, 179000, 533020, 179020) },
    { ref: 'G2', geom: rect(533100, 179000, 533120, 179020) },
  ]);
  let before: Awaited<ReturnType<typeof stateOf>>;
  let noPrjZip: Buffer;

  beforeAll(async () => {
    await defineLayer('bad');
    await uploadOk('bad', GOOD, { filename: 'good.geojson', reference: 'ref', name: 'name' });
    before = await stateOf('bad');
    expect(before.layer.data_version).toBe(1);
    expect(before.features).toHaveLength(2);
    // the council's conservation area Shapefile, zipped again without its .prj
    const dir = path.join(tmp, 'noprj');
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('unzip', ['-q', '-o', path.join(ORIGINAL, 'southwark-conservation-areas-shp.zip'), '-d', dir]);
    const members = fs.readdirSync(dir).filter((f) => !f.endsWith('.prj'));
    expect(members.sort()).toEqual(['Conservation areas.dbf', 'Conservation areas.shp', 'Conservation areas.shx']);
    execFileSync('zip', ['-q', '-j', path.join(tmp, 'noprj.zip'), ...members.map((m) => path.join(dir, m))]);
    noPrjZip = fs.readFileSync(path.join(tmp, 'noprj.zip'));
  });

  const cases: Array<{
    what: string;
    body: () => Buffer | string;
    query?: Record<string, string>;
    type?: string;
    code: string;
    details?: Record<string, unknown>;
    message?: RegExp;
  }> = [
    {
      what: 'a corrupt zip',
      body: () => Buffer.concat([Buffer.from('PK\u0003\u0004'), crypto.randomBytes(2000)]),
      query: { filename: 'broken.zip' },
      type: 'application/zip',
      code: 'LAYER_FILE_UNREADABLE',
    },
    {
      what: "a truncated zip of the council's Shapefile",
      body: () => fs.readFileSync(path.join(ORIGINAL, 'southwark-conservation-areas-shp.zip')).subarray(0, 3000),
      query: { filename: 'truncated.zip' },
      type: 'application/zip',
      code: 'LAYER_FILE_UNREADABLE',
    },
    {
      what: 'a text file that is no geodata at all',
      body: () => 'hello, this is not a layer\n',
      query: { filename: 'notes.txt' },
      code: 'LAYER_FILE_UNREADABLE',
    },
    {
      what: 'a zipped Shapefile without its .prj',
      body: () => noPrjZip,
      query: { filename: 'noprj.zip', reference: 'Conservati' },
      type: 'application/zip',
      code: 'LAYER_FILE_NO_CRS',
      message: /coordinate reference system.*sourceCrs=EPSG:27700/,
    },
    {
      what: 'a GeoJSON naming a CRS that does not exist',
      body: () =>
        fc27700([{ ref: 'U1', geom: rect(533000, 179000, 533010, 179010) }]).replace('EPSG::27700', 'EPSG::99999'),
      query: { filename: 'unknown-crs.geojson', reference: 'ref' },
      code: 'LAYER_FILE_NO_CRS',
      message: /coordinate reference system/,
    },
    {
      what: 'an empty file (0 bytes)',
      body: () => Buffer.alloc(0),
      query: { filename: 'empty.geojson' },
      code: 'LAYER_FILE_EMPTY',
    },
    {
      what: 'a GeoJSON with no features',
      body: () => JSON.stringify({ type: 'FeatureCollection', features: [] }),
      query: { filename: 'none.geojson' },
      code: 'LAYER_FILE_EMPTY',
    },
    {
      what: 'a GeoJSON with no features, with fields mapped',
      body: () => JSON.stringify({ type: 'FeatureCollection', features: [] }),
      query: { filename: 'none.geojson', reference: 'ref', name: 'name' },
      code: 'LAYER_FILE_EMPTY',
    },
    {
      what: 'a file of points for a polygon layer',
      body: () =>
        fc27700([
          { ref: 'P1', geom: { type: 'Point', coordinates: [533005, 179005] } },
          { ref: 'P2', geom: { type: 'Point', coordinates: [533105, 179005] } },
        ]),
      query: { filename: 'points.geojson', reference: 'ref' },
      code: 'LAYER_FILE_WRONG_GEOMETRY',
      details: { expected: 'polygon', found: ['POINT'] },
    },
    {
      what: 'a mapped field that does not exist',
      body: () => GOOD,
      query: { filename: 'good.geojson', reference: 'ref', name: 'title' },
      code: 'LAYER_FILE_FIELD_MISSING',
      details: {
        source: 'good.geojson',
        missing: ['title'],
        available: expect.toSatisfy((a: string[]) => [...a].sort().join() === 'name,ref'),
      },
      message: /has no field "title"\. Its fields are: (ref, name|name, ref)\./,
    },
    {
      what: "the council's conservation area Shapefile mapped with the GeoPackage's (untruncated) column names",
      body: () => fs.readFileSync(path.join(ORIGINAL, 'southwark-conservation-areas-shp.zip')),
      query: {
        filename: 'southwark-conservation-areas-shp.zip',
        reference: 'Conservation_area_number',
        name: 'Conservation_area',
      },
      type: 'application/zip',
      code: 'LAYER_FILE_FIELD_MISSING',
      details: {
        missing: ['Conservation_area_number', 'Conservation_area'],
        available: expect.toSatisfy((a: string[]) => [...a].sort().join() === 'Conserva00,Conservati,More_infor'),
      },
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.what} with ${c.code} and keeps the previous data, version and pieces`, async () => {
      const res = await upload('bad', c.body(), c.query, c.type);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe(c.code);
      if (c.details) expect(res.body.error.details).toMatchObject(c.details);
      if (c.message) expect(res.body.error.message).toMatch(c.message);
      expect(await stateOf('bad')).toEqual(before);
      expect(await stagingTables()).toEqual([]);
    });
  }

  it('refuses an upload to a layer that does not exist with 404 LAYER_NOT_FOUND', async () => {
    const res = await upload('no-such-layer', GOOD, { filename: 'good.geojson' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('LAYER_NOT_FOUND');
  });

  it('still answers checks from the good data after all of that', async () => {
    const l = layerIn(await check(rect(533010, 179010, 533030, 179030), ['bad'], 'EPSG:27700'), 'bad');
    expect(l.status).toBe('constraint');
    expect(l.hits.map((h) => h.reference)).toEqual(['G1']);
  });

  it('loads the Shapefile without .prj once its CRS is given (sourceCrs=EPSG:27700), the same as the zip with the .prj', async () => {
    await defineLayer('ca-noprj');
    const report = await uploadOk(
      'ca-noprj',
      noPrjZip,
      { filename: 'noprj.zip', reference: 'Conservati', sourceCrs: 'EPSG:27700' },
      'application/zip',
    );
    expect(report).toMatchObject({ read: 53, loaded: 53 });
    const d = await hausdorffByRef('ca-noprj', 'ca-shp');
    expect(d.size).toBe(53);
    expect(Math.max(...d.values())).toBeLessThan(1e-6);
  });
});

// ---------------------------------------------------------------- invalid geometry

describe('invalid geometry', () => {
  const BOWTIE = {
    type: 'Polygon',
    coordinates: [
      [
        [533300, 179300],
        [533320, 179320],
        [533320, 179300],
        [533300, 179320],
        [533300, 179300],
      ],
    ],
  };
  const FILE = fc27700([
    { ref: 'OK', geom: rect(533200, 179300, 533210, 179310) },
    { ref: 'BOWTIE', geom: BOWTIE },
  ]);
  const nearBowtie = rect(533322, 179305, 533330, 179312); // 2 m from it
  const farAway = rect(533000, 178000, 533010, 178010);

  it('is skipped unless repair is asked for, reported with the reason, and checks near it say unknown instead of clear', async () => {
    await defineLayer('inv', { kind: 'within', distanceM: 10 });
    const report = await uploadOk('inv', FILE, { filename: 'inv.geojson', reference: 'ref', name: 'name' });
    expect(report).toMatchObject({ read: 2, loaded: 1, repaired: 0 });
    expect(report.skipped['invalid-geometry']).toBe(1);
    expect(report.skippedExamples).toEqual([
      {
        reason: 'invalid-geometry',
        source: 'inv.geojson',
        fid: expect.any(Number),
        reference: 'BOWTIE',
        detail: expect.stringMatching(/Self-intersection/i),
      },
    ]);
    expect(await t.db('constraint_feature').where({ layer_id: 'inv' }).pluck('source_ref')).toEqual(['OK']);
    const near = layerIn(await check(nearBowtie, ['inv'], 'EPSG:27700'), 'inv');
    expect(near.status).toBe('unknown');
    expect(near.hits).toEqual([]);
    expect(layerIn(await check(farAway, ['inv'], 'EPSG:27700'), 'inv').status).toBe('clear');
    expect(layerIn(await check(rect(533205, 179305, 533215, 179315), ['inv'], 'EPSG:27700'), 'inv').status).toBe(
      'constraint',
    );
  });

  it('is loaded and counted as repaired with repair=true, and then fires', async () => {
    const report = await uploadOk('inv', FILE, {
      filename: 'inv.geojson',
      reference: 'ref',
      name: 'name',
      repair: 'true',
    });
    expect(report).toMatchObject({ dataVersion: 2, read: 2, loaded: 2, repaired: 1 });
    expect(report.skipped['invalid-geometry']).toBe(0);
    const row = await t
      .db('constraint_feature')
      .where({ layer_id: 'inv', source_ref: 'BOWTIE' })
      .first(
        t.db.raw('ST_IsValid(geom) AS valid'),
        t.db.raw('ST_Area(geom) AS area'),
        t.db.raw('GeometryType(geom) AS type'),
      );
    expect(row).toMatchObject({ valid: true, type: 'MULTIPOLYGON' });
    expect(row.area).toBeCloseTo(200, 6);
    const near = layerIn(await check(nearBowtie, ['inv'], 'EPSG:27700'), 'inv');
    expect(near.status).toBe('constraint');
    expect(near.hits).toEqual([
      expect.objectContaining({ reference: 'BOWTIE', relation: 'near', distanceM: 2, fired: true }),
    ]);
  });
});

// ---------------------------------------------------------------- atomic reloads

describe('a reload is atomic', () => {
  const site = rect(533400, 179400, 533410, 179410);
  const V1 = fc27700([
    { ref: 'OLD-1', geom: rect(533405, 179405, 533420, 179420) },
    { ref: 'OLD-2', geom: rect(533300, 179300, 533310, 179310) },
    { ref: 'OLD-3', geom: rect(533350, 179350, 533360, 179360) },
  ]);
  const V2 = fc27700([
    { ref: 'NEW-1', geom: rect(533395, 179395, 533402, 179402) },
    { ref: 'NEW-2', geom: rect(533200, 179200, 533210, 179210) },
  ]);
  const V3 = fc27700([{ ref: 'NEWER-1', geom: rect(533390, 179390, 533420, 179420) }]);
  const hitsNow = async () =>
    layerIn(await check(site, ['atomic'], 'EPSG:27700'), 'atomic').hits.map((h) => h.reference);

  beforeAll(async () => {
    await defineLayer('atomic');
  });

  it('increments the data version and removes the old features and their pieces', async () => {
    const v1 = await uploadOk('atomic', V1, { filename: 'v1.geojson', reference: 'ref', name: 'name' });
    expect(v1).toMatchObject({ dataVersion: 1, loaded: 3, pieces: 3 });
    const old = await stateOf('atomic');
    expect(await hitsNow()).toEqual(['OLD-1']);
    const v2 = await uploadOk('atomic', V2, { filename: 'v2.geojson', reference: 'ref', name: 'name' });
    expect(v2).toMatchObject({ dataVersion: 2, previousVersion: 1, loaded: 2, featureCount: 2 });
    const now = await stateOf('atomic');
    expect(now.layer).toMatchObject({ data_version: 2, feature_count: 2 });
    expect(now.features.map((f) => [f.source_ref, f.data_version])).toEqual([
      ['NEW-1', 2],
      ['NEW-2', 2],
    ]);
    const oldIds = old.features.map((f) => f.id);
    expect(
      await t
        .db('constraint_feature')
        .whereIn('id', oldIds)
        .count({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(0);
    expect(
      await t
        .db('constraint_piece')
        .whereIn('feature_id', oldIds)
        .count({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(0);
    expect(
      await t
        .db('constraint_piece')
        .where({ layer_id: 'atomic' })
        .whereNot({ data_version: 2 })
        .count({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(0);
    expect(now.pieces).toHaveLength(2);
    expect(now.layer.source_hash).not.toBe(old.layer.source_hash);
    const audit = await t
      .db('audit_log')
      .where({ action: 'layer.load', entity_id: 'atomic' })
      .orderBy('id', 'desc')
      .first('before', 'after', 'actor');
    expect(audit).toMatchObject({
      actor: 'gis.user',
      before: { dataVersion: 1, featureCount: 3 },
      after: { dataVersion: 2, featureCount: 2 },
    });
    expect(await hitsNow()).toEqual(['NEW-1']);
    expect(await stagingTables()).toEqual([]);
  });

  it('keeps answering checks from the old version while a load is staged and swapping, until it commits', async () => {
    // hold the audit log so the load stops at its last statement, with everything else of the swap done
    const lock = await side.transaction();
    let loading: Promise<LoadReport> | null = null;
    try {
      await lock.raw('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE');
      const file = path.join(tmp, 'v3.geojson');
      fs.writeFileSync(file, V3);
      loading = load('atomic', [{ file }], { fieldMap: { reference: 'ref', name: 'name', properties: {} } });
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rows } = await side.raw<{ rows: Array<{ n: number }> }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'audit_log'::regclass AND NOT granted`,
        );
        if (rows[0]!.n > 0) break;
        if (Date.now() > deadline) throw new Error('the load never reached its audit insert');
        await new Promise((r) => setTimeout(r, 50));
      }
      // the new version is written but not committed: nobody else sees it
      expect((await stagingTables()).length).toBeGreaterThan(0);
      expect((await t.as('gis').get('/api/layers/atomic').expect(200)).body.dataVersion).toBe(2);
      expect(
        await side('constraint_feature')
          .where({ layer_id: 'atomic', data_version: 3 })
          .count({ n: '*' })
          .then((r) => Number(r[0]!.n)),
      ).toBe(0);
      expect(await hitsNow()).toEqual(['NEW-1']);
      await lock.commit();
    } catch (e) {
      await lock.rollback().catch(() => undefined);
      await loading?.catch(() => undefined);
      throw e;
    }
    const report = await loading!;
    expect(report).toMatchObject({ dataVersion: 3, loaded: 1 });
    expect(await hitsNow()).toEqual(['NEWER-1']);
    expect(await stagingTables()).toEqual([]);
  });

  it('leaves the old version in place when a load fails after staging (missing field, wrong geometry), and drops its staging tables', async () => {
    const before = await stateOf('atomic');
    const file = path.join(tmp, 'v4.geojson');
    fs.writeFileSync(file, V2);
    await expect(load('atomic', [{ file }], { fieldMap: { reference: 'nope', properties: {} } })).rejects.toMatchObject(
      { code: 'LAYER_FILE_FIELD_MISSING' },
    );
    expect(await stateOf('atomic')).toEqual(before);
    expect(await stagingTables()).toEqual([]);
    const pts = path.join(tmp, 'points.geojson');
    fs.writeFileSync(pts, fc27700([{ ref: 'P', geom: { type: 'Point', coordinates: [533405, 179405] } }]));
    await expect(
      load('atomic', [{ file: pts }], { fieldMap: { reference: 'ref', properties: {} } }),
    ).rejects.toMatchObject({ code: 'LAYER_FILE_WRONG_GEOMETRY' });
    expect(await stateOf('atomic')).toEqual(before);
    expect(await stagingTables()).toEqual([]);
    expect(await hitsNow()).toEqual(['NEWER-1']);
  });

  it('skips the features of the wrong type and loads the rest when a file mixes them', async () => {
    const file = path.join(tmp, 'v5.geojson');
    fs.writeFileSync(file, V3);
    const pts = path.join(tmp, 'points.geojson');
    const report = await load('atomic', [{ file }, { file: pts }], { fieldMap: { reference: 'ref', properties: {} } });
    expect(report).toMatchObject({ read: 2, loaded: 1, skipped: { 'wrong-geometry-type': 1 } });
    expect(report.skippedExamples).toEqual([
      {
        reason: 'wrong-geometry-type',
        source: 'points.geojson',
        fid: expect.any(Number),
        reference: 'P',
        detail: 'POINT',
      },
    ]);
  });

  it('reaps staging tables left by a load that was killed hours ago, and only those', async () => {
    const old = `layer_load_${Math.floor(Date.now() / 1000) - 7 * 3600}_deadbeef_0`;
    const recent = `layer_load_${Math.floor(Date.now() / 1000) - 60}_cafef00d_0`;
    await t.db.raw(`CREATE TABLE layer_staging."${old}" (id int)`);
    await t.db.raw(`CREATE TABLE layer_staging."${recent}" (id int)`);
    try {
      expect(await reapStagingTables(t.db)).toEqual([old]);
      expect(await stagingTables()).toEqual([recent]);
    } finally {
      await t.db.raw(`DROP TABLE IF EXISTS layer_staging."${old}", layer_staging."${recent}"`);
    }
  });
});

// ---------------------------------------------------------------- defining local layers: API and CLI

describe('local layers through the API and the CLI', () => {
  const cli = (args: string[]) => runCli(t.url, args);

  it('adds a local layer with POST /api/layers: stored, listed, audited, with no data yet', async () => {
    const body = await defineLayer('api-layer', { kind: 'within', distanceM: 25 });
    expect(body).toMatchObject({
      id: 'api-layer',
      origin: 'local',
      dataVersion: 0,
      featureCount: 0,
      definition: { rule: { kind: 'within', distanceM: 25 }, keyFields: [], publicity: null },
    });
    const list = await t.as('officer').get('/api/layers').expect(200);
    expect(list.body.items.map((l: { id: string }) => l.id)).toContain('api-layer');
    const audit = await t
      .db('audit_log')
      .where({ action: 'layer.define.create', entity_id: 'api-layer' })
      .first('actor');
    expect(audit).toEqual({ actor: 'gis.user' });
  });

  it('refuses a bad definition naming the field, and a local layer that would take a built-in id', async () => {
    const bad = await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: { ...layerDef('bad-def'), rule: { kind: 'within', distanceM: -1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.message).toMatch(/^definition\.rule\.distanceM/);
    const clash = await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: layerDef('conservation-area') });
    expect(clash.status).toBe(400);
    expect(clash.body.error.message).toMatch(/built-?in layer/);
    expect(await t.db('layer').where({ id: 'bad-def' }).first()).toBeUndefined();
  });

  it('adds a local layer with `redline layer:define` and loads it with `layer:load`, printing progress and a report', async () => {
    const defFile = path.join(tmp, 'cli-layer.json');
    fs.writeFileSync(defFile, JSON.stringify(layerDef('cli-layer', { kind: 'within', distanceM: 10 })));
    const defined = await cli(['layer:define', '--file', defFile]);
    expect(defined.stderr).not.toMatch(/error/i);
    expect(defined.code).toBe(0);
    expect(defined.stdout).toBe('defined local layer cli-layer\n');
    expect(await t.db('layer').where({ id: 'cli-layer' }).first('origin', 'data_version')).toEqual({
      origin: 'local',
      data_version: 0,
    });

    const dataFile = path.join(tmp, 'cli-data.geojson');
    fs.writeFileSync(
      dataFile,
      fc27700([
        { ref: 'C1', geom: rect(533500, 179500, 533510, 179510) },
        {
          ref: 'C2',
          geom: {
            type: 'Polygon',
            coordinates: [
              [
                [533600, 179600],
                [533620, 179620],
                [533620, 179600],
                [533600, 179620],
                [533600, 179600],
              ],
            ],
          },
        },
      ]),
    );
    const loaded = await cli([
      'layer:load',
      '--layer',
      'cli-layer',
      '--file',
      dataFile,
      '--reference',
      'ref',
      '--name',
      'name',
      '--map',
      'label=name',
    ]);
    expect(loaded.code, loaded.stderr).toBe(0);
    const out = loaded.stdout;
    expect(out).toContain('  cli-data.geojson: reading with ogr2ogr\n');
    expect(out).toContain('  validating and swapping in the new version\n');
    expect(out).toContain('  subdividing 1 features (at most 256 vertices a piece)\n');
    expect(out).toMatch(/ {2}loaded 1 of 2 features as version 1 in \d+ ms\n/);
    expect(out).toMatch(
      /cli-layer: loaded 1 of 2 features as version 1 \(was 0\); repaired 0; skipped: 1 invalid-geometry; 1 pieces; \d+ ms\n/,
    );
    expect(out).toMatch(/ {4}skipped \(invalid-geometry\): cli-data\.geojson feature \d+ ref C2 — Self-intersection/);
    const row = await t
      .db('constraint_feature')
      .where({ layer_id: 'cli-layer' })
      .first('source_ref', 'name', 'properties');
    expect(row).toMatchObject({ source_ref: 'C1', name: 'Feature C1', properties: { label: 'Feature C1' } });
    const audit = await t.db('audit_log').where({ action: 'layer.load', entity_id: 'cli-layer' }).first('actor');
    expect(audit.actor).toMatch(/^cli:/);

    const listed = await cli(['layer:list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^cli-layer\s+local\s+v1\s+1 features/m);
  }, 120_000);

  it('exits 2 with the error on stderr when `layer:load` is given a bad file, and keeps the data', async () => {
    const empty = path.join(tmp, 'empty.geojson');
    fs.writeFileSync(empty, '');
    const r = await cli(['layer:load', '--layer', 'cli-layer', '--file', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('redline: empty.geojson is empty (0 bytes).\n');
    expect(await t.db('layer').where({ id: 'cli-layer' }).first('data_version')).toEqual({ data_version: 1 });
  }, 60_000);
});

// ---------------------------------------------------------------- the real Southwark layers end to end

describe('the real Southwark layers, end to end', () => {
  let reports: LoadReport[];
  beforeAll(async () => {
    reports = await loadDemoLayers(t.db);
  }, 180_000);

  it('loads all four demo layers from the original files', () => {
    expect(reports.map((r) => [r.layerId, r.read, r.loaded])).toEqual([
      ['conservation-area', 53, 53],
      ['listed-building-outline', 911, 911],
      ['tree-preservation-zone', 594, 583],
      ['article-4-direction-area', 478, 478],
    ]);
  });

  it('finds the George Inn (its own outline, sent in CRS84) entirely within the Borough High Street conservation area, and the listed building itself within 50 m', async () => {
    const fc = JSON.parse(fs.readFileSync(path.join(GEOJSON, 'listed-buildings-grade-i.geojson'), 'utf8')) as {
      features: Array<{ properties: Record<string, unknown>; geometry: unknown }>;
    };
    const george = fc.features.find((f) => f.properties.NAME === 'The George Inn')!.geometry;
    const report = await check(george, ['conservation-area', 'listed-building-outline', 'tree-preservation-zone']);
    const ca = layerIn(report, 'conservation-area');
    expect(ca.status).toBe('constraint');
    expect(ca.hits.filter((h) => h.fired)).toEqual([
      expect.objectContaining({ reference: '3', relation: 'site-within-feature', fired: true }),
    ]);
    expect(ca.sentence).toMatch(
      /^The site is entirely within the Borough High Street conservation area \(.*100% of the site\)/,
    );
    const lb = layerIn(report, 'listed-building-outline');
    expect(lb.status).toBe('constraint');
    expect(lb.hits.find((h) => h.reference === '470656')).toMatchObject({ fired: true, distanceM: 0 });
    expect(lb.hits.every((h) => h.fired && h.distanceM <= 50)).toBe(true);
    expect(report.publicity.map((p) => p.trigger).sort()).toEqual(['conservation-area', 'listed-building-setting']);
    expect(layerIn(report, 'tree-preservation-zone').caveats).toContain(
      '11 features of this layer had no location in the source data and could not be checked.',
    );
  });

  it('finds a site in Burgess Park, far from any listed building, clear for listed buildings, conservation areas and TPOs', async () => {
    const report = await check(
      rect(533478, 177689, 533498, 177709),
      ['conservation-area', 'listed-building-outline', 'tree-preservation-zone'],
      'EPSG:27700',
    );
    for (const id of ['conservation-area', 'listed-building-outline', 'tree-preservation-zone']) {
      expect(layerIn(report, id).status, id).toBe('clear');
      expect(layerIn(report, id).hits, id).toEqual([]);
    }
    expect(layerIn(report, 'listed-building-outline').sentence).toBe(
      'No listed building outline lies within 50 m of the site.',
    );
    expect(report.publicity).toEqual([]);
  });
});
