/**
 * The layer definitions cache (server/modules/layers/cache.ts) behind POST /api/constraints/check and stored
 * checks: a layer defined, redefined or loaded is seen by the very next check, whether the change came through
 * this app or from another process (the CLI here) or plain SQL, which this process is never told about: the check
 * statement's own data_version and definition_hash show the cache is out of date.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { runCheck } from '../../server/modules/constraints/service.ts';
import { cachedLayers } from '../../server/modules/layers/cache.ts';

const t: TestApp = await startTestApp();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-layer-cache-'));
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
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
const X = 533400;
const Y = 178600;
const SITE = rect(X, Y, X + 10, Y + 10);
const fc = (features: Array<{ ref: string; geom: unknown }>) =>
  JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
    features: features.map((f) => ({
      type: 'Feature',
      properties: { ref: f.ref, name: `Feature ${f.ref}` },
      geometry: f.geom,
    })),
  });
const def = (id: string, title: string, rule: Record<string, unknown>) => ({
  id,
  title,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule,
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where}.', negative: `Nothing from ${id}.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap: { reference: 'ref', name: 'name', properties: {} },
});

interface Layer {
  layerId: string;
  title: string;
  status: string;
  dataVersion: number;
  rule: Record<string, unknown>;
  hits: Array<{ reference: string; fired: boolean }>;
}
async function check(layers?: string[]) {
  const res = await t
    .as('officer')
    .post('/api/constraints/check')
    .send({ site: SITE, crs: 'EPSG:27700', ...(layers ? { layers } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { layers: Layer[] };
}
const layerOf = (r: { layers: Layer[] }, id: string) => r.layers.find((l) => l.layerId === id);
const fired = (l: Layer | undefined) =>
  (l?.hits ?? [])
    .filter((h) => h.fired)
    .map((h) => h.reference)
    .sort();

/** another Redline process: the CLI, with its own connection and its own (empty) cache */
async function cli(args: string[]) {
  const out = await runCli(t.url, args);
  expect(out.code, out.stderr).toBe(0);
  return out;
}
async function cliDefine(d: ReturnType<typeof def>) {
  const file = path.join(tmp, `${d.id}-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(d));
  await cli(['layer:define', '--file', file]);
}
async function cliLoad(id: string, features: Array<{ ref: string; geom: unknown }>) {
  const file = path.join(tmp, `${id}-${Date.now()}.geojson`);
  fs.writeFileSync(file, fc(features));
  await cli(['layer:load', '--layer', id, '--file', file, '--reference', 'ref', '--name', 'name']);
}

describe('a check sees layer changes at once', () => {
  it('sees a layer defined and loaded through the API on the very next check', async () => {
    await check(); // fills the cache with every layer there is now
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: def('c-api', 'Cache via API', { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 1 }) })
      .expect(201);
    expect(layerOf(await check(['c-api']), 'c-api')).toMatchObject({ status: 'unknown', dataVersion: 0 });
    expect(layerOf(await check(), 'c-api')?.status).toBe('unknown');
    const res = await t
      .as('gis')
      .put('/api/layers/c-api/data?filename=c.geojson&reference=ref&name=name')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .set('Prefer', 'wait=300')
      .send(fc([{ ref: 'A1', geom: rect(X - 5, Y - 5, X + 5, Y + 5) }]));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const l = layerOf(await check(['c-api']), 'c-api');
    expect(l).toMatchObject({ status: 'constraint', dataVersion: 1 });
    expect(fired(l)).toEqual(['A1']);
  });

  it('sees a layer defined and loaded by another process (the CLI), named or not, on the very next check', async () => {
    await check();
    const before = (await cachedLayers(t.appDb)).map((l) => l.id);
    expect(before).not.toContain('c-cli');

    await cliDefine(def('c-cli', 'Cache via CLI', { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 1 }));
    // no layers named: every layer, including the one this process was never told about
    expect(layerOf(await check(), 'c-cli')).toMatchObject({
      status: 'unknown',
      title: 'Cache via CLI',
      dataVersion: 0,
    });
    expect((await cachedLayers(t.appDb)).map((l) => l.id)).toContain('c-cli');

    await cliLoad('c-cli', [{ ref: 'B1', geom: rect(X - 5, Y - 5, X + 5, Y + 5) }]);
    const v1 = layerOf(await check(['c-cli']), 'c-cli');
    expect(v1).toMatchObject({ status: 'constraint', dataVersion: 1 });
    expect(fired(v1)).toEqual(['B1']);

    // reloaded elsewhere with a feature clear of the site: the next check answers from version 2
    await cliLoad('c-cli', [{ ref: 'B2', geom: rect(X + 100, Y + 100, X + 110, Y + 110) }]);
    const v2 = layerOf(await check(['c-cli']), 'c-cli');
    expect(v2).toMatchObject({ status: 'clear', dataVersion: 2, hits: [] });
  }, 120_000);

  it('reports with a definition changed by another process: new title and rule on the very next check', async () => {
    await cliDefine(def('c-redef', 'Before', { kind: 'within', distanceM: 5 }));
    await cliLoad('c-redef', [{ ref: 'R1', geom: rect(X + 20, Y, X + 30, Y + 10) }]); // 10 m from the site
    const a = layerOf(await check(['c-redef']), 'c-redef');
    expect(a).toMatchObject({ title: 'Before', status: 'clear', rule: { kind: 'within', distanceM: 5 } });

    await cliDefine(def('c-redef', 'After', { kind: 'within', distanceM: 15 }));
    const b = layerOf(await check(['c-redef']), 'c-redef');
    expect(b).toMatchObject({ title: 'After', status: 'constraint', rule: { kind: 'within', distanceM: 15 } });
    expect(fired(b)).toEqual(['R1']);
  }, 120_000);

  it('reports with a definition changed in plain SQL (with its definition_hash), and the same for stored checks', async () => {
    const d = def('c-sql', 'SQL before', { kind: 'within', distanceM: 5 });
    await t.as('gis').post('/api/layers').send({ definition: d }).expect(201);
    await t
      .as('gis')
      .put('/api/layers/c-sql/data?filename=s.geojson&reference=ref&name=name')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .set('Prefer', 'wait=300')
      .send(fc([{ ref: 'S1', geom: rect(X + 20, Y, X + 30, Y + 10) }]))
      .expect(200);
    expect(layerOf(await check(['c-sql']), 'c-sql')?.status).toBe('clear');
    const stored = (await t.as('officer').get('/api/layers/c-sql').expect(200)).body.definition; // with the schema's defaults
    const after = { ...stored, title: 'SQL after', rule: { kind: 'within', distanceM: 15 } };
    await t
      .db('layer')
      .where({ id: 'c-sql' })
      .update({ definition: JSON.stringify(after), definition_hash: 'changed-in-sql', title: 'SQL after' });
    expect(layerOf(await check(['c-sql']), 'c-sql')).toMatchObject({
      title: 'SQL after',
      status: 'constraint',
      rule: { distanceM: 15 },
    });

    // runCheck (stored checks, maps) goes through the same cache and the same test
    await t
      .db('layer')
      .where({ id: 'c-sql' })
      .update({ definition: JSON.stringify(stored), definition_hash: 'changed-back', title: d.title });
    const { rows } = await t.db.raw(
      `SELECT encode(ST_AsEWKB(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700))), 'hex') AS e`,
      [JSON.stringify(SITE)],
    );
    const report = await runCheck(t.db, rows[0].e, ['c-sql']);
    expect(report.layers[0]).toMatchObject({
      layerId: 'c-sql',
      title: 'SQL before',
      status: 'clear',
      definitionHash: 'changed-back',
    });
  });

  it('refuses a named layer that does not exist (LAYER_NOT_FOUND), and one deleted behind its back', async () => {
    const res = await t
      .as('officer')
      .post('/api/constraints/check')
      .send({ site: SITE, crs: 'EPSG:27700', layers: ['c-api', 'c-nope'] });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'LAYER_NOT_FOUND', details: { missing: ['c-nope'] } });

    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: def('c-gone', 'Gone soon', { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 1 }) })
      .expect(201);
    expect(layerOf(await check(['c-gone']), 'c-gone')?.status).toBe('unknown');
    await t.db('layer').where({ id: 'c-gone' }).delete();
    const gone = await t
      .as('officer')
      .post('/api/constraints/check')
      .send({ site: SITE, crs: 'EPSG:27700', layers: ['c-gone'] });
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'LAYER_NOT_FOUND', details: { missing: ['c-gone'] } });
    expect((await check()).layers.map((l) => l.layerId)).not.toContain('c-gone');
  });
});
