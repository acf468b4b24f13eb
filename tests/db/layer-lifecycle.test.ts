/**
 * Layer lifecycle (issue 11 item 3): a retired layer is answered by no new check (named or not, through the API,
 * in this process or after another process retired it), stays in stored checks and GET /api/layers (as retired) and
 * cannot be loaded; a local layer no stored check uses can be deleted with its features, one that is used cannot
 * (409 naming the checks), nor can a built-in one. Both audited; both through the CLI too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { cachedLayers } from '../../server/modules/layers/cache.ts';
import { caseEtag, layerEtag } from '../helpers/if-match.ts';

const t: TestApp = await startTestApp();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-layer-life-'));
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
const fc = (ref: string) =>
  JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
    features: [
      { type: 'Feature', properties: { ref, name: `Feature ${ref}` }, geometry: rect(X - 5, Y - 5, X + 5, Y + 5) },
    ],
  });
const def = (id: string) => ({
  id,
  title: `Lifecycle ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule: { kind: 'within', distanceM: 5 },
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where}.', negative: `Nothing from ${id}.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap: { reference: 'ref', name: 'name', properties: {} },
});

async function defineAndLoad(id: string) {
  await t
    .as('gis')
    .post('/api/layers')
    .send({ definition: def(id) })
    .expect(201);
  const res = await t
    .as('gis')
    .put(`/api/layers/${id}/data?filename=l.geojson&reference=ref&name=name`)
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json')
    .set('Prefer', 'wait=300')
    .send(fc(`${id}-1`));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
interface Layer {
  layerId: string;
  status: string;
}
async function check(layers?: string[]) {
  const res = await t
    .as('officer')
    .post('/api/constraints/check')
    .send({ site: SITE, crs: 'EPSG:27700', ...(layers ? { layers } : {}) });
  return res;
}
const ids = (body: { layers: Layer[] }) => body.layers.map((l) => l.layerId);
const audits = (id: string, action: string) => t.db('audit_log').where({ entity_type: 'layer', entity_id: id, action });

let caseId: number;
beforeAll(async () => {
  const created = await t
    .as('officer')
    .post('/api/cases')
    .send({ kind: 'application', applicationType: 'full', description: 'Lifecycle', receivedDate: '2024-03-01' })
    .expect(201);
  caseId = created.body.id;
  await t
    .as('officer')
    .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, caseId))
    .send({ geometry: SITE })
    .expect(200);
});

describe('retire', () => {
  it('leaves a retired layer out of the next check at once; stored checks still show it; audited', async () => {
    await defineAndLoad('lc-ret');
    await defineAndLoad('lc-keep');
    const before = await check();
    expect(before.status).toBe(200);
    expect(ids(before.body)).toEqual(expect.arrayContaining(['lc-ret', 'lc-keep']));
    expect(before.body.layers.find((l: Layer) => l.layerId === 'lc-ret').status).toBe('constraint');
    const stored = await t
      .as('officer')
      .post(`/api/cases/${caseId}/constraint-checks`)
      .send({ layers: ['lc-ret', 'lc-keep'] })
      .expect(201);
    expect((await cachedLayers(t.db)).map((l) => l.id)).toContain('lc-ret'); // cached before the retirement

    const res = await t.as('gis').post('/api/layers/lc-ret/retire').send({ reason: 'test layer' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: 'lc-ret', retired: true, retiredReason: 'test layer' });

    const after = await check();
    expect(after.status).toBe(200);
    expect(ids(after.body)).not.toContain('lc-ret');
    expect(ids(after.body)).toContain('lc-keep');
    expect((await cachedLayers(t.db)).map((l) => l.id)).not.toContain('lc-ret');
    // named: not answered either (never a wrong "clear" from a layer no longer kept up)
    const named = await check(['lc-ret']);
    expect(named.status).toBe(404);
    expect(named.body.error.code).toBe('LAYER_NOT_FOUND');

    const got = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks/${stored.body.id}`).expect(200);
    expect(got.body.report.layers.map((l: Layer) => l.layerId)).toContain('lc-ret');
    expect(got.body.hits.map((h: { layerId: string }) => h.layerId)).toContain('lc-ret');
    // a re-run answers from the active layers only (the retired one is left out, not reported clear)
    const rerun = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${stored.body.id}/rerun`);
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(201);
    expect(rerun.body.check.report.layers.map((l: Layer) => l.layerId)).toEqual(['lc-keep']);

    const list = await t.as('officer').get('/api/layers').expect(200);
    expect(list.body.items.find((l: { id: string }) => l.id === 'lc-ret')).toMatchObject({ retired: true });
    expect(list.body.items.find((l: { id: string }) => l.id === 'lc-keep')).toMatchObject({ retired: false });

    const rows = await audits('lc-ret', 'layer.retire');
    expect(rows).toHaveLength(1);
    expect(rows[0].after).toMatchObject({ retired: true, reason: 'test layer' });
  }, 120_000);

  it('refuses to retire twice, to load a retired layer, and unknown layers; only layer admins may retire', async () => {
    const again = await t.as('gis').post('/api/layers/lc-ret/retire').send({});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('LAYER_RETIRED');
    const load = await t
      .as('gis')
      .put('/api/layers/lc-ret/data?filename=l.geojson&reference=ref&name=name')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .set('Prefer', 'wait=300')
      .send(fc('again'));
    expect(load.status).toBe(409);
    expect(load.body.error.code).toBe('LAYER_RETIRED');
    expect((await t.as('gis').post('/api/layers/no-such/retire').send({})).status).toBe(404);
    expect((await t.as('officer').post('/api/layers/lc-keep/retire').send({})).status).toBe(403);
    const bad = await t.as('gis').post('/api/layers/lc-keep/retire').send({ reason: 12 });
    expect(bad.status).toBe(400);
    expect(await audits('lc-keep', 'layer.retire')).toHaveLength(0);
  });
});

describe('delete', () => {
  it('refuses a layer a stored check uses, naming the check (409), and leaves it whole', async () => {
    const res = await t
      .as('gis')
      .delete('/api/layers/lc-keep')
      .set('If-Match', await layerEtag(t, 'lc-keep'));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('LAYER_IN_USE');
    expect(res.body.error.message).toMatch(new RegExp(`case ${caseId}`));
    expect(res.body.error.details.checks[0]).toMatchObject({ caseId });
    expect(await t.db('constraint_feature').where({ layer_id: 'lc-keep' })).toHaveLength(1);
    expect(await audits('lc-keep', 'layer.delete')).toHaveLength(0);
  });

  it('refuses a built-in layer', async () => {
    const res = await t
      .as('gis')
      .delete('/api/layers/conservation-area')
      .set('If-Match', await layerEtag(t, 'conservation-area'));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('LAYER_NOT_LOCAL');
  });

  it('deletes an unused local layer with its features and pieces; audited; the next check leaves it out', async () => {
    await defineAndLoad('lc-del');
    expect(ids((await check()).body)).toContain('lc-del');
    await t
      .as('gis')
      .delete('/api/layers/lc-del')
      .set('If-Match', await layerEtag(t, 'lc-del'))
      .expect(204);
    expect(await t.db('layer').where({ id: 'lc-del' })).toHaveLength(0);
    expect(await t.db('constraint_feature').where({ layer_id: 'lc-del' })).toHaveLength(0);
    expect(await t.db('constraint_piece').where({ layer_id: 'lc-del' })).toHaveLength(0);
    expect(ids((await check()).body)).not.toContain('lc-del');
    const rows = await audits('lc-del', 'layer.delete');
    expect(rows).toHaveLength(1);
    expect(rows[0].before).toMatchObject({ featureCount: 1, dataVersion: 1 });
    expect((await t.as('gis').delete('/api/layers/lc-del').set('If-Match', '"v1"')).status).toBe(404);
  });
});

describe('CLI', () => {
  it('layer:retire and layer:delete, audited; delete refused when used', async () => {
    await defineAndLoad('lc-cli');
    await check(); // this process caches lc-cli; the CLI is another process
    let out = await runCli(t.url, ['layer:retire', '--layer', 'lc-cli', '--reason', 'superseded']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/retired layer lc-cli/);
    expect(ids((await check()).body)).not.toContain('lc-cli');
    expect((await audits('lc-cli', 'layer.retire'))[0].after).toMatchObject({ reason: 'superseded' });
    out = await runCli(t.url, ['layer:list']);
    expect(out.stdout).toMatch(/lc-cli .* retired /);
    out = await runCli(t.url, ['layer:delete', '--layer', 'lc-keep']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/used by 2 stored constraint checks \(check \d+ on case \d+, check \d+ on case \d+\)/); // the check and its re-run
    out = await runCli(t.url, ['layer:delete', '--layer', 'lc-cli']);
    expect(out.code, out.stderr).toBe(0);
    expect(await t.db('layer').where({ id: 'lc-cli' })).toHaveLength(0);
    expect(await audits('lc-cli', 'layer.delete')).toHaveLength(1);
  }, 120_000);
});
