/**
 * Issue 15 item 1 with GDAL as the real client (Debian gdal-bin, the OAPIF driver): `ogrinfo OAPIF:` lists the
 * collections (the staff one only with a token, sent with --config GDAL_HTTP_HEADERS) with the right feature counts
 * and extents, and `ogr2ogr` copies each collection to a GeoPackage with the same number of features, each equal to
 * the source within 1 mm in EPSG:27700 (read back from the GeoPackage and compared in PostGIS). The data: a real
 * Southwark layer (conservation areas, loaded by the layer loader from layers/data), a fixture layer of holes,
 * multiparts and points over several of GDAL's pages, property outlines, applications and an enforcement case.
 * Nothing is downloaded: the server listens on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayer } from '../../server/modules/layers/loader.ts';
import { demoLayerSources } from '../../server/seed/layers.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const run = promisify(execFile);
const t: TestApp = await startTestApp();
const server = http.createServer(t.app);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ogc`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ogcapi-gdal-'));
afterAll(async () => {
  server.close();
  await t.closeApp();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const EPSG27700 = 'http://www.opengis.net/def/crs/EPSG/0/27700';
const X0 = 531234.5678;
const Y0 = 178765.4321;
const square = (x0: number, y0: number, s: number) =>
  `SRID=27700;POLYGON((${x0} ${y0},${x0 + s} ${y0},${x0 + s} ${y0 + s},${x0} ${y0 + s},${x0} ${y0}))`;

beforeAll(async () => {
  const db = t.db;
  // a real layer: Southwark's conservation areas through the layer loader
  const ca = demoLayerSources().find((l) => l.layer === 'conservation-area')!;
  const report = await loadLayer(db, {
    layerId: 'conservation-area',
    sources: ca.sources,
    fieldMap: ca.fieldMap,
    repair: ca.repair,
    actor: { id: null, username: 'test' },
    toleranceM: 50,
  });
  expect(report.loaded).toBeGreaterThan(40);
  // a fixture layer over three of GDAL's ten-feature pages: polygons, one with a hole, multiparts, a point
  await db('layer').where({ id: 'scheduled-monument' }).update({ data_version: 1 });
  for (let i = 0; i < 25; i++) {
    let geom = square(X0 + i * 37.123, Y0 + (i % 3) * 11.1, 10 + i / 7);
    if (i === 3) {
      geom = `SRID=27700;POLYGON((${X0} ${Y0 + 300},${X0 + 40} ${Y0 + 300},${X0 + 40} ${Y0 + 340},${X0} ${Y0 + 340},${X0} ${Y0 + 300}),(${X0 + 10.001} ${Y0 + 310.002},${X0 + 10.001} ${Y0 + 320.003},${X0 + 20.004} ${Y0 + 320.003},${X0 + 10.001} ${Y0 + 310.002}))`;
    }
    if (i === 7) {
      geom = `SRID=27700;MULTIPOLYGON(((${X0} ${Y0 + 500},${X0 + 5} ${Y0 + 500},${X0 + 5} ${Y0 + 505},${X0} ${Y0 + 500})),((${X0 + 50} ${Y0 + 500},${X0 + 55} ${Y0 + 500},${X0 + 55} ${Y0 + 505},${X0 + 50} ${Y0 + 500})))`;
    }
    await db.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, geom, valid_from, properties)
       VALUES ('scheduled-monument', 1, ?, ?, ST_GeomFromEWKT(?), ?, ?)`,
      [`SM-${i}`, `Monument ${i}`, geom, i % 2 ? '2019-04-01' : null, JSON.stringify({ grade: i % 4 })],
    );
  }
  for (let i = 0; i < 12; i++) {
    await db.raw(
      `INSERT INTO property (source_ref, uprns, geom, data_version) VALUES (?, ?, ST_Multi(ST_GeomFromEWKT(?)), 1)`,
      [`P-${i}`, `{${200000 + i}}`, square(X0 + i * 21.5, Y0 - 200.25, 12.75)],
    );
  }
  const mk = async (kind: 'application' | 'enforcement', reference: string, received: string, geom: string | null) => {
    const id = (
      await db('case_record')
        .insert({
          authority_id: t.authorityId,
          kind,
          reference,
          ...(kind === 'application' ? { application_type: 'full' } : { breach_type: 'unauthorised-works' }),
          description: `Case ${reference}`,
          site_address: '3 Test Road',
          status: 'registered',
          received_date: received,
        })
        .returning('id')
    )[0]!.id as number;
    if (geom) {
      await db.raw(
        `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs) VALUES (?, ST_Multi(ST_GeomFromEWKT(?)), 1, 'drawn', 'EPSG:27700')`,
        [id, geom],
      );
    }
    return id;
  };
  for (let i = 0; i < 13; i++)
    await mk('application', `25/AP/${1000 + i}`, `2025-0${1 + (i % 9)}-1${i % 10}`, square(X0 + i * 30, Y0 + 900, 8.5));
  await mk('application', '25/AP/2000', '2025-06-01', null);
  const enf = await mk('enforcement', '25/EN/0001', '2025-07-07', square(X0, Y0 + 1200, 6.25));
  await db('case_party').insert({ case_id: enf, role: 'complainant', name: 'Jane Complainant', email: 'jane@x.test' });
}, 120_000);

async function gdal(cmd: 'ogrinfo' | 'ogr2ogr', args: string[], token?: string): Promise<string> {
  const config = token ? ['--config', 'GDAL_HTTP_HEADERS', `Authorization: Bearer ${token}`] : [];
  const { stdout } = await run(cmd, [...config, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GDAL_HTTP_TIMEOUT: '60', CPL_DEBUG: 'OFF' },
  });
  return stdout;
}

interface LayerSummary {
  count: number;
  extent: [number, number, number, number] | null;
}
function parseSummary(text: string): Map<string, LayerSummary> {
  const out = new Map<string, LayerSummary>();
  for (const block of text.split(/^Layer name: /m).slice(1)) {
    const name = block.split('\n')[0]!.trim();
    const count = /^Feature Count: (\d+)/m.exec(block);
    const ext = /^Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/m.exec(block);
    out.set(name, {
      count: count ? Number(count[1]) : -1,
      extent: ext ? [Number(ext[1]), Number(ext[2]), Number(ext[3]), Number(ext[4])] : null,
    });
  }
  return out;
}

/** Each collection's source rows: id and geometry (EPSG:27700), from the tables themselves. */
const SOURCE_SQL: Record<string, string> = {
  'layer-conservation-area': `SELECT id, geom FROM constraint_feature WHERE layer_id = 'conservation-area'
                                AND data_version = (SELECT data_version FROM layer WHERE id = 'conservation-area')`,
  'layer-scheduled-monument': `SELECT id, geom FROM constraint_feature WHERE layer_id = 'scheduled-monument' AND data_version = 1`,
  properties: 'SELECT id, geom FROM property',
  applications: `SELECT c.id, s.geom FROM case_record c LEFT JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL
                  WHERE c.kind = 'application' AND c.publication = 'published'`,
  cases: `SELECT c.id, s.geom FROM case_record c JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL`,
};

async function sourceStats(collection: string) {
  const { rows } = await t.db.raw(
    `SELECT count(*)::int AS n,
            min(ST_XMin(ST_Transform(geom, 4326))) AS a, min(ST_YMin(ST_Transform(geom, 4326))) AS b,
            max(ST_XMax(ST_Transform(geom, 4326))) AS c, max(ST_YMax(ST_Transform(geom, 4326))) AS d
       FROM (${SOURCE_SQL[collection]}) s`,
  );
  return rows[0] as { n: number; a: number; b: number; c: number; d: number };
}

describe('ogrinfo OAPIF:', () => {
  it('lists the public collections anonymously and the staff one only with a token', async () => {
    const anon = await gdal('ogrinfo', ['-ro', '-so', `OAPIF:${base}`]);
    const names = [...anon.matchAll(/^\d+: (\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual(
      expect.arrayContaining(['layer-conservation-area', 'layer-scheduled-monument', 'properties', 'applications']),
    );
    expect(names).not.toContain('cases');
    const staff = await gdal('ogrinfo', ['-ro', '-so', `OAPIF:${base}`], t.tokens.officer);
    expect([...staff.matchAll(/^\d+: (\S+)/gm)].map((m) => m[1])).toContain('cases');
    // a wrong token: GDAL reports the 401 and opens nothing
    await expect(gdal('ogrinfo', ['-ro', '-so', `OAPIF:${base}`], 'not-a-token')).rejects.toThrow();
  });

  it('gives every collection its feature count and extent', async () => {
    const text = await gdal('ogrinfo', ['-ro', '-so', '-al', `OAPIF:${base}`], t.tokens.officer);
    const got = parseSummary(text);
    for (const name of Object.keys(SOURCE_SQL)) {
      const want = await sourceStats(name);
      const s = got.get(name);
      expect(s, name).toBeDefined();
      expect(s!.count, name).toBe(want.n);
      // ogrinfo prints 6 decimals
      const we = [want.a, want.b, want.c, want.d];
      for (let i = 0; i < 4; i++)
        expect(Math.abs(s!.extent![i]! - we[i]!), `${name} extent[${i}]`).toBeLessThan(1.5e-6);
    }
    // the layers without data: listed, 0 features
    const empty = got.get('layer-green-belt');
    expect(empty?.count).toBe(0);
  }, 120_000);
});

/** The GeoPackage's features as { fid: GeoJSON geometry } (through ogr2ogr to GeoJSON, keeping the fid as "id"). */
async function readGpkg(file: string, layer: string): Promise<Map<number, unknown>> {
  const text = await gdal('ogr2ogr', [
    '-f',
    'GeoJSON',
    '-preserve_fid',
    '-lco',
    'WRITE_BBOX=NO',
    '/vsistdout/',
    file,
    layer,
  ]);
  const fc = JSON.parse(text) as { features: Array<{ id: number; geometry: unknown }> };
  return new Map(fc.features.map((f) => [Number(f.id), f.geometry]));
}

/** The largest Hausdorff distance (metres, EPSG:27700) between each copied geometry and its source, and how many
 *  copies had no source, a missing geometry where the source has one, or another number of vertices. */
async function compare(collection: string, copies: Map<number, unknown>, srid: 4326 | 27700) {
  const payload = JSON.stringify([...copies].map(([id, g]) => ({ id, g })));
  const { rows } = await t.db.raw(
    `WITH c AS (SELECT (e ->> 'id')::bigint AS id,
                       CASE WHEN e -> 'g' = 'null'::jsonb THEN NULL
                            ELSE ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(e ->> 'g'), ?), 27700) END AS g
                  FROM jsonb_array_elements(?::jsonb) e)
     SELECT count(*)::int AS n,
            count(*) FILTER (WHERE s.id IS NULL)::int AS unmatched,
            count(*) FILTER (WHERE (c.g IS NULL) <> (s.geom IS NULL))::int AS null_mismatch,
            count(*) FILTER (WHERE ST_NPoints(c.g) <> ST_NPoints(s.geom))::int AS vertex_mismatch,
            coalesce(max(ST_HausdorffDistance(c.g, s.geom)), 0) AS worst,
            coalesce(max(ST_HausdorffDistance(c.g, CASE WHEN ? = 4326 THEN ST_Transform(ST_Transform(s.geom, 4326), 27700) ELSE s.geom END)), 0) AS worst_api
       FROM c LEFT JOIN (${SOURCE_SQL[collection]}) s ON s.id = c.id`,
    [srid, payload, srid],
  );
  return rows[0] as {
    n: number;
    unmatched: number;
    null_mismatch: number;
    vertex_mismatch: number;
    worst: number;
    worst_api: number;
  };
}

describe('ogr2ogr to a GeoPackage', () => {
  const cases: Array<[string, boolean]> = [
    ['layer-conservation-area', false],
    ['layer-scheduled-monument', false],
    ['properties', false],
    ['applications', false],
    ['cases', true],
  ];
  it.each(cases)(
    'copies %s (staff: %s) with every feature, each within 1 mm in EPSG:27700',
    async (collection, staff) => {
      const token = staff ? t.tokens.support : undefined;
      const want = (await sourceStats(collection)).n;
      expect(want).toBeGreaterThan(0);

      // as GDAL 3.6 asks by default: CRS84 (it knows no crs parameter); compared through PostGIS's own round trip
      const crs84 = path.join(tmp, `${collection}-crs84.gpkg`);
      await gdal('ogr2ogr', ['-f', 'GPKG', '-preserve_fid', crs84, `OAPIF:${base}`, collection], token);
      const a = await compare(collection, await readGpkg(crs84, collection), 4326);
      expect(a).toMatchObject({ n: want, unmatched: 0, null_mismatch: 0, vertex_mismatch: 0 });
      expect(a.worst_api, 'what the API adds to the CRS84 round trip').toBeLessThan(0.001);
      // (PostGIS's own 27700 -> 4326 -> 27700 round trip moves points by about 1 mm: reported, not asserted)
      expect(a.worst).toBeLessThan(0.0025);

      // EPSG:27700 itself: crs in the API's address, which GDAL keeps on every request and link it follows
      const bng = path.join(tmp, `${collection}-27700.gpkg`);
      const url = `OAPIF:${base}?crs=${encodeURIComponent(EPSG27700)}`;
      await gdal('ogr2ogr', ['-f', 'GPKG', '-preserve_fid', '-a_srs', 'EPSG:27700', bng, url, collection], token);
      const b = await compare(collection, await readGpkg(bng, collection), 27700);
      expect(b).toMatchObject({ n: want, unmatched: 0, null_mismatch: 0, vertex_mismatch: 0 });
      expect(b.worst).toBeLessThan(0.001);
      console.log(
        `${collection}: ${want} features; worst ${(b.worst * 1000).toFixed(3)} mm in EPSG:27700, ` +
          `CRS84 copy ${(a.worst * 1000).toFixed(3)} mm (API's part ${(a.worst_api * 1000).toFixed(3)} mm)`,
      );
    },
    120_000,
  );

  it('refuses the staff collection to ogr2ogr without a token', async () => {
    await expect(
      gdal('ogr2ogr', ['-f', 'GPKG', path.join(tmp, 'no.gpkg'), `OAPIF:${base}`, 'cases']),
    ).rejects.toThrow();
  });
});
