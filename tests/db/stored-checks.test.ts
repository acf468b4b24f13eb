/**
 * Stored constraint checks over time (issue 11, item 4), against real PostGIS through the API: a re-run covers the
 * layers that exist now and says which were added or retired; officer decisions carry over to unchanged hits only;
 * a check made before the current site boundary or a layer's data is stale wherever it is shown, and the publicity
 * resting on it says so; a dismissed setting hit triggers no reg 5A publicity; an officer-added setting trigger does.
 * Squares in EPSG:27700 around [534000, 178000] (inside Southwark), one 250 m cell per scenario.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

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
const cell = (i: number, j: number) => ({ x: 534000 + 250 * i, y: 178000 - 250 * j });
const fc = (features: Array<{ props: Record<string, unknown>; geometry: unknown }>) => ({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: features.map((f) => ({ type: 'Feature', properties: f.props, geometry: f.geometry })),
});

const layerDef = (id: string) => ({
  id,
  title: `Test layer ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule: { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 },
  ruleReason: 'A test rule.',
  report: { positive: '{name} is {where}.', negative: `Nothing from ${id} applies.` },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap: { reference: 'ref', name: 'name', properties: {} },
});

async function defineLayer(id: string) {
  await t
    .as('gis')
    .post('/api/layers')
    .send({ definition: layerDef(id) })
    .expect(201);
}
async function upload(id: string, body: unknown) {
  const res = await t
    .as('gis')
    .put(`/api/layers/${id}/data?filename=${id}.geojson`)
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json')
    .set('Prefer', 'wait=300')
    .send(JSON.stringify(body));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function caseWithSite(site: unknown) {
  const created = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Rear extension',
      receivedDate: '2026-10-01',
      validDate: '2026-10-05',
    })
    .expect(201);
  const id = created.body.id as number;
  await t
    .as('officer')
    .put(`/api/cases/${id}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, id))
    .send({ geometry: site })
    .expect(200);
  return id;
}
async function storeCheck(caseId: number, layers?: string[]) {
  const res = await t
    .as('officer')
    .post(`/api/cases/${caseId}/constraint-checks`)
    .send(layers ? { layers } : {});
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as StoredCheck;
}
async function getCheck(caseId: number, checkId: number) {
  return (await t.as('officer').get(`/api/cases/${caseId}/constraint-checks/${checkId}`).expect(200))
    .body as StoredCheck;
}
async function decide(caseId: number, checkId: number, hitId: number, decision: string, reason: string) {
  const res = await t
    .as('officer')
    .patch(`/api/cases/${caseId}/constraint-checks/${checkId}/hits/${hitId}`)
    .send({ decision, reason });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function publicity(caseId: number) {
  return (await t.as('officer').get(`/api/cases/${caseId}/publicity`).expect(200)).body as Publicity;
}

interface Hit {
  id: number;
  layerId: string;
  reference: string;
  decision: string | null;
  decisionReason: string | null;
  decisionFrom: number | null;
  decidedBy: string | null;
}
interface StoredCheck {
  id: number;
  previousId: number | null;
  layers: Array<{ id: string; dataVersion: number }>;
  report: { layers: Array<{ layerId: string; status: string }> };
  hits: Hit[];
  settingTriggers: Array<Record<string, unknown>>;
  stale: boolean;
  staleBecause: Array<{ reason: string; layerId?: string; message: string }>;
}
interface Publicity {
  triggers: Array<{ trigger: string; layerId?: string; grades?: string[]; because?: string }>;
  caveats: string[];
  constraintCheckId: number | null;
  constraintCheck: { id: number; stale: boolean; staleBecause: Array<{ reason: string }> } | null;
  publicity: { summary: Array<{ kind: string; status: string; rule?: string }> };
  statutory?: unknown;
}
const hit = (c: StoredCheck, layerId: string, ref: string) =>
  c.hits.find((h) => h.layerId === layerId && h.reference === ref)!;
const reasons = (c: { staleBecause: Array<{ reason: string; layerId?: string }> }) =>
  c.staleBecause.map((b) => `${b.reason}${b.layerId ? ` ${b.layerId}` : ''}`).sort();
const press = (p: Publicity) => p.publicity.summary.find((s) => s.kind === 'press-advert');

// ---------------------------------------------------------------- re-runs, decisions carried, layers added or retired

describe('re-running a stored check', () => {
  const s = cell(0, 0);
  const site = rect(s.x, s.y, s.x + 10, s.y + 10); // 100 m²
  const A1 = { props: { ref: 'A1', name: 'Area A1' }, geometry: rect(s.x + 5, s.y - 10, s.x + 30, s.y + 20) }; // 50 m²
  const A2 = { props: { ref: 'A2', name: 'Area A2' }, geometry: rect(s.x - 10, s.y - 10, s.x + 2, s.y + 20) }; // 20 m²
  const A3 = { props: { ref: 'A3', name: 'Area A3' }, geometry: rect(s.x - 10, s.y - 10, s.x + 1, s.y + 20) }; // 10 m²
  let caseId = 0;
  let first: StoredCheck;
  let second: StoredCheck;

  beforeAll(async () => {
    await defineLayer('t-rr-a');
    await upload('t-rr-a', fc([A1, A2, A3]));
    caseId = await caseWithSite(site);
  });

  it('a fresh check is not stale', async () => {
    first = await storeCheck(caseId, ['t-rr-a']);
    expect(first.stale).toBe(false);
    expect(first.staleBecause).toEqual([]);
    expect(first.settingTriggers).toEqual([]);
    const list = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks`).expect(200);
    expect(list.body.items).toMatchObject([{ id: first.id, stale: false, staleBecause: [] }]);
    expect(list.body.items[0].layers).toBeUndefined();
    await decide(caseId, first.id, hit(first, 't-rr-a', 'A1').id, 'confirmed', 'Checked on the 1:1250 plan');
    await decide(caseId, first.id, hit(first, 't-rr-a', 'A2').id, 'dismissed', 'Digitising error');
  });

  it('is stale once a layer is added after it, in GET and in the list; the re-run answers the new layer too', async () => {
    await defineLayer('t-rr-b');
    await upload('t-rr-b', fc([{ props: { ref: 'B1', name: 'Area B1' }, geometry: rect(s.x, s.y, s.x + 5, s.y + 5) }]));
    const got = await getCheck(caseId, first.id);
    expect(got.stale).toBe(true);
    expect(reasons(got)).toEqual(['layer-added t-rr-b']);
    expect(got.staleBecause[0]!.message).toMatch(/t-rr-b.*added after this check/);
    const list = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks`).expect(200);
    expect(list.body.items[0]).toMatchObject({ id: first.id, stale: true });

    const res = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${first.id}/rerun`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    second = res.body.check;
    expect(res.body.layerChanges).toEqual({ added: ['t-rr-b'], retired: [], removed: [] });
    expect(second.layers.map((l) => l.id).sort()).toEqual(['t-rr-a', 't-rr-b']);
    expect(second.report.layers.find((l) => l.layerId === 't-rr-b')!.status).toBe('constraint');
    expect(second.stale).toBe(false);
    // unchanged hits keep the officer's decisions, with where they came from; an undecided hit stays undecided
    expect(hit(second, 't-rr-a', 'A1')).toMatchObject({
      decision: 'confirmed',
      decisionReason: 'Checked on the 1:1250 plan',
      decidedBy: 'officer.user',
      decisionFrom: hit(first, 't-rr-a', 'A1').id,
    });
    expect(hit(second, 't-rr-a', 'A2')).toMatchObject({
      decision: 'dismissed',
      decisionFrom: hit(first, 't-rr-a', 'A2').id,
    });
    expect(hit(second, 't-rr-a', 'A3')).toMatchObject({ decision: null, decisionFrom: null });
    expect(hit(second, 't-rr-b', 'B1')).toMatchObject({ decision: null });
    expect(res.body.carriedDecisions).toHaveLength(2);
    // a new decision on a carried one is the officer's own: it no longer names a source
    await decide(caseId, second.id, hit(second, 't-rr-a', 'A1').id, 'confirmed', 'Re-checked on site');
    const redecided = hit(await getCheck(caseId, second.id), 't-rr-a', 'A1');
    expect(redecided).toMatchObject({ decisionReason: 'Re-checked on site', decisionFrom: null });
    second = await getCheck(caseId, second.id);
    const audit = await t
      .db('audit_log')
      .where({ action: 'constraint-check.carry-decisions', entity_id: String(second.id) })
      .first('after');
    expect(audit.after.decisions).toHaveLength(2);
  });

  it('does not carry a decision to a hit whose figures changed; the old check is stale after the reload', async () => {
    // A2 now overlaps 30 m² instead of 20; A1 and A3 as before
    const A2moved = { ...A2, geometry: rect(s.x - 10, s.y - 10, s.x + 3, s.y + 20) };
    await upload('t-rr-a', fc([A1, A2moved, A3]));
    const old = await getCheck(caseId, second.id);
    expect(reasons(old)).toEqual(['layer-reloaded t-rr-a']);
    const res = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${second.id}/rerun`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const third = res.body.check as StoredCheck;
    expect(hit(third, 't-rr-a', 'A1')).toMatchObject({
      decision: 'confirmed',
      decisionFrom: hit(second, 't-rr-a', 'A1').id,
    });
    expect(hit(third, 't-rr-a', 'A2')).toMatchObject({ decision: null, decisionFrom: null });
    expect(res.body.changes.hitChanges).toEqual([
      expect.objectContaining({ layerId: 't-rr-a', key: 'A2', change: 'changed' }),
    ]);
    second = third;
  });

  it('does not carry a decision when only the feature attributes changed', async () => {
    await upload('t-rr-a', fc([{ ...A1, props: { ...A1.props, name: 'Area A1 renamed' } }, A3]));
    const res = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${second.id}/rerun`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(hit(res.body.check, 't-rr-a', 'A1')).toMatchObject({ decision: null });
    second = res.body.check;
  });

  it('says which layers were retired since; the retired layer is not answered; the old check is stale', async () => {
    await t.as('gis').post('/api/layers/t-rr-b/retire').send({ reason: 'superseded' }).expect(200);
    const old = await getCheck(caseId, second.id);
    expect(reasons(old)).toEqual(['layer-retired t-rr-b']);
    const res = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${second.id}/rerun`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.layerChanges).toEqual({ added: [], retired: ['t-rr-b'], removed: [] });
    expect((res.body.check as StoredCheck).layers.map((l) => l.id)).toEqual(['t-rr-a']);
    expect((res.body.check as StoredCheck).stale).toBe(false);
  });
});

// ---------------------------------------------------------------- stale after the site is replaced; publicity caveat

describe('a check older than the current site boundary', () => {
  const s = cell(2, 0);
  const inside = rect(s.x + 10, s.y + 10, s.x + 30, s.y + 30);
  const outside = rect(s.x + 150, s.y + 10, s.x + 170, s.y + 30); // 50 m beyond the conservation area's edge
  let caseId = 0;
  let check: StoredCheck;

  beforeAll(async () => {
    await upload(
      'conservation-area',
      fc([{ props: { reference: 'CA-S1', name: 'Stale Test CA' }, geometry: rect(s.x, s.y, s.x + 100, s.y + 100) }]),
    );
    caseId = await caseWithSite(inside);
    check = await storeCheck(caseId, ['conservation-area']);
  });

  it('drives the conservation-area publicity without a caveat while current', async () => {
    const p = await publicity(caseId);
    expect(p.triggers.map((x) => x.trigger)).toEqual(['conservation-area']);
    expect(p.constraintCheck).toMatchObject({ id: check.id, stale: false, staleBecause: [] });
    expect(p.caveats).toEqual([]);
    expect(press(p)!.status).toBe('required');
  });

  it('is stale once the site is replaced (GET, list, publicity), and the publicity resting on it carries the caveat', async () => {
    await t
      .as('officer')
      .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, caseId))
      .send({ geometry: outside })
      .expect(200);
    const got = await getCheck(caseId, check.id);
    expect(got.stale).toBe(true);
    expect(reasons(got)).toEqual(['site-replaced']);
    const list = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks`).expect(200);
    expect(list.body.items[0]).toMatchObject({ id: check.id, stale: true });
    const p = await publicity(caseId);
    expect(p.constraintCheck).toMatchObject({ id: check.id, stale: true });
    expect(p.caveats.join(' ')).toMatch(new RegExp(`rests on constraint check ${check.id}, which is out of date`));
    expect(p.caveats.join(' ')).toMatch(/site boundary was replaced/);
    // a new check on the current site: no longer in the conservation area, no caveat
    await storeCheck(caseId, ['conservation-area']);
    const fresh = await publicity(caseId);
    expect(fresh.triggers).toEqual([]);
    expect(fresh.constraintCheck!.stale).toBe(false);
    expect(fresh.caveats).toEqual([]);
  });

  it('is stale after the layer it answered is reloaded, and the publicity says so', async () => {
    const c2 = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks`).expect(200);
    const latest = c2.body.items[0].id as number;
    await upload(
      'conservation-area',
      fc([{ props: { reference: 'CA-S1', name: 'Stale Test CA' }, geometry: rect(s.x, s.y, s.x + 200, s.y + 100) }]),
    );
    const p = await publicity(caseId);
    expect(p.constraintCheck).toMatchObject({ id: latest, stale: true, staleBecause: [{ reason: 'layer-reloaded' }] });
    expect(p.caveats.join(' ')).toMatch(/"conservation-area" was reloaded/);
  });
});

// ---------------------------------------------------------------- dismissed setting hits and officer-added triggers

describe('setting hits and reg 5A publicity', () => {
  const s = cell(0, 2);
  const site = rect(s.x, s.y, s.x + 20, s.y + 20);
  // LB-NEAR 30 m east of the site (within the 50 m screening distance); LB-FAR 80 m north (beyond it)
  const lb = fc([
    {
      props: { reference: 'LB-NEAR', name: 'Old Forge', 'listed-building-grade': 'II' },
      geometry: { type: 'Point', coordinates: [s.x + 50, s.y + 10] },
    },
    {
      props: { reference: 'LB-FAR', name: 'St Mary', 'listed-building-grade': 'I' },
      geometry: { type: 'Point', coordinates: [s.x + 10, s.y + 100] },
    },
  ]);
  let caseId = 0;
  let check: StoredCheck;

  beforeAll(async () => {
    await upload('listed-building', lb);
    caseId = await caseWithSite(site);
    check = await storeCheck(caseId, ['listed-building']);
  });

  it('a confirmed setting hit triggers reg 5A; a dismissed one does not, and the caveats say why', async () => {
    const near = hit(check, 'listed-building', 'LB-NEAR');
    expect(near).toBeDefined();
    expect(check.hits.map((h) => h.reference)).toEqual(['LB-NEAR']);
    const before = await publicity(caseId);
    expect(before.triggers.map((x) => x.trigger)).toEqual(['listed-building-setting']);
    expect(press(before)!.status).toBe('required');

    await decide(caseId, check.id, near.id, 'confirmed', 'Forge is visible from the site');
    expect((await publicity(caseId)).triggers.map((x) => x.trigger)).toEqual(['listed-building-setting']);

    await decide(caseId, check.id, near.id, 'dismissed', 'Screened by the railway viaduct');
    const after = await publicity(caseId);
    expect(after.triggers).toEqual([]);
    expect(press(after)).toBeUndefined();
    expect(after.caveats.join(' ')).toMatch(/dismissed 'Old Forge' \(Screened by the railway viaduct\)/);
  });

  it('refuses a setting trigger without a reason, with a grade on a conservation area, or naming the wrong layer', async () => {
    const url = `/api/cases/${caseId}/constraint-checks/${check.id}/setting-triggers`;
    const noReason = await t
      .as('officer')
      .post(url)
      .send({ trigger: 'listed-building-setting', description: 'St Mary, 80 m north' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.code).toBe('VALIDATION_FAILED');
    const grade = await t
      .as('officer')
      .post(url)
      .send({ trigger: 'conservation-area', description: 'Next CA', reason: 'Views into it', grade: 'I' });
    expect(grade.status).toBe(400);
    expect(grade.body.error.message).toMatch(/grade/);
    const wrong = await t.as('officer').post(url).send({
      trigger: 'listed-building-setting',
      description: 'x area',
      reason: 'Views',
      layerId: 'conservation-area',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toMatch(/layerId/);
    const missing = await t
      .as('officer')
      .post(url)
      .send({ trigger: 'listed-building-setting', description: 'x area', reason: 'Views', layerId: 'no-such-layer' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('LAYER_NOT_FOUND');
    const notMine = await t
      .as('officer')
      .post(`/api/cases/${caseId}/constraint-checks/999999/setting-triggers`)
      .send({ trigger: 'listed-building-setting', description: 'St Mary', reason: 'Views' });
    expect(notMine.status).toBe(404);
    const counted = await t.db('constraint_setting_trigger').where({ check_id: check.id }).count({ n: '*' });
    expect(Number(counted[0]!.n)).toBe(0);
  });

  it('an officer-added trigger beyond the screening distance triggers reg 5A (with the Historic England copy for grade I), is audited and carried by a re-run', async () => {
    const res = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${check.id}/setting-triggers`).send({
      trigger: 'listed-building-setting',
      description: 'Church of St Mary, 80 m north',
      reason: 'The tower is seen over the site from the churchyard',
      layerId: 'listed-building',
      reference: 'LB-FAR',
      grade: 'I',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      checkId: check.id,
      trigger: 'listed-building-setting',
      layerId: 'listed-building',
      reference: 'LB-FAR',
      grade: 'I',
      createdBy: 'officer.user',
    });
    const p = await publicity(caseId);
    expect(p.triggers).toEqual([
      expect.objectContaining({ trigger: 'listed-building-setting', grades: ['I'], layerId: 'listed-building' }),
    ]);
    expect(p.triggers[0]!.because).toMatch(/Church of St Mary.*seen over the site/);
    expect(press(p)!.status).toBe('required');
    expect(p.publicity.summary.find((x) => x.kind === 'historic-england-copy')).toBeDefined();
    const audit = await t
      .db('audit_log')
      .where({ action: 'constraint-check.setting-trigger.add', entity_id: String(check.id) })
      .first('actor', 'after');
    expect(audit).toMatchObject({ actor: 'officer.user', after: { id: res.body.id, reason: expect.any(String) } });
    const got = await getCheck(caseId, check.id);
    expect(got.settingTriggers).toEqual([expect.objectContaining({ id: res.body.id })]);

    const rerun = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${check.id}/rerun`);
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(201);
    expect(rerun.body.carriedSettingTriggers).toBe(1);
    expect(rerun.body.check.settingTriggers).toEqual([
      expect.objectContaining({ copiedFrom: res.body.id, reference: 'LB-FAR', grade: 'I' }),
    ]);
    // the dismissal of LB-NEAR carried too (same hit): still only the officer's trigger
    const after = await publicity(caseId);
    expect(after.constraintCheckId).toBe(rerun.body.check.id);
    expect(after.triggers.map((x) => x.because)).toEqual([expect.stringMatching(/Added by an officer/)]);
  });

  it('a conservation-area trigger added by an officer triggers reg 5A on its own', async () => {
    const id = await caseWithSite(rect(s.x + 500, s.y, s.x + 520, s.y + 20));
    const c = await storeCheck(id, ['conservation-area']);
    expect((await publicity(id)).triggers).toEqual([]);
    await t
      .as('officer')
      .post(`/api/cases/${id}/constraint-checks/${c.id}/setting-triggers`)
      .send({
        trigger: 'conservation-area',
        description: 'Borough High Street CA, 60 m west',
        reason: 'Views out of it',
      })
      .expect(201);
    const p = await publicity(id);
    expect(p.triggers.map((x) => x.trigger)).toEqual(['conservation-area']);
    expect(press(p)!.status).toBe('required');
  });
});
