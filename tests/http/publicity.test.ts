/** A case's publicity through the API: derived from the case, its site and its stored constraint check, with the
 *  events recorded and the dates that follow (the rules themselves are tested in tests/unit/publicity.test.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
const square = (x: number, y: number, side: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + side, y],
      [x + side, y + side],
      [x, y + side],
      [x, y],
    ],
  ],
});
const conservationArea = {
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: [
    {
      type: 'Feature',
      properties: { reference: 'CA1', name: 'Test Conservation Area' },
      geometry: square(532900, 178900, 400),
    },
  ],
};

async function application(over: Record<string, unknown> = {}) {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Rear extension',
      receivedDate: '2026-10-01',
      validDate: '2026-10-05',
      ...over,
    })
    .expect(201);
  return res.body.id as number;
}

beforeAll(async () => {
  t = await startTestApp();
  await t
    .as('gis')
    .put('/api/layers/conservation-area/data?filename=ca.geojson')
    .set('If-Match', '*')
    .set('Prefer', 'wait=300')
    .send(conservationArea)
    .expect(200);
});
afterAll(async () => {
  await t.closeApp();
});

describe('GET /api/cases/:id/publicity', () => {
  it('adds the conservation-area press advert and site notice once a stored check finds the site in one', async () => {
    const id = await application();
    await t
      .as('officer')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: square(533000, 179000, 20) })
      .expect(200);
    const before = await t.as('officer').get(`/api/cases/${id}/publicity`).expect(200);
    expect(before.body.triggers).toEqual([]);
    expect(before.body.caveats.join(' ')).toMatch(/No constraint check is stored/);
    expect(before.body.publicity.summary.find((s: { kind: string }) => s.kind === 'press-advert')).toBeUndefined();

    await t
      .as('officer')
      .post(`/api/cases/${id}/constraint-checks`)
      .send({ layers: ['conservation-area'] })
      .expect(201);
    const after = await t.as('officer').get(`/api/cases/${id}/publicity`).expect(200);
    expect(after.body.triggers.map((x: { trigger: string }) => x.trigger)).toEqual(['conservation-area']);
    const press = after.body.publicity.summary.find((s: { kind: string }) => s.kind === 'press-advert');
    expect(press.status).toBe('required');
    expect(after.body.caveats).toEqual([]);
  });

  it('computes the windows and the earliest decision date from recorded events (hand-worked dates)', async () => {
    const id = await application();
    await t
      .as('officer')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: square(533000, 179000, 20) })
      .expect(200);
    // letters served Friday 2026-10-09: day 1 is the 9th, the 21st day is Thursday 2026-10-29
    await t
      .as('support')
      .post(`/api/cases/${id}/publicity-events`)
      .send({ kind: 'neighbour-letters', date: '2026-10-09', letterCount: 12 })
      .expect(201);
    // site notice displayed Saturday 2026-10-17: the 21st day is Friday 2026-11-06; no weekend extension
    const res = await t
      .as('officer')
      .post(`/api/cases/${id}/publicity-events`)
      .send({ kind: 'site-notice', date: '2026-10-17', noticeCount: 1, places: ['lamp post outside the site'] })
      .expect(201);
    expect(res.body.publicity.earliestDecisionDate).toBe('2026-11-07');
    // valid Monday 2026-10-05: 8 weeks from the day after is Monday 2026-11-30
    expect(res.body.publicity.determination.statutoryDate).toBe('2026-11-30');
    const got = await t.as('officer').get(`/api/cases/${id}`).expect(200);
    expect(got.body.publicity.earliestDecisionDate).toBe('2026-11-07');
    const audit = await t.db('audit_log').where({ action: 'publicity-event.create', entity_id: String(id) });
    expect(audit).toHaveLength(2);
  });

  it('moves the effective determination date to an agreed extension of time', async () => {
    const id = await application({
      extensionsOfTime: [{ agreedOn: '2026-11-20', newTargetDate: '2027-01-15', reason: 'amended plans' }],
    });
    const res = await t.as('officer').get(`/api/cases/${id}/publicity`).expect(200);
    expect(res.body.determination.statutoryDate).toBe('2026-11-30');
    expect(res.body.determination.effectiveDate).toBe('2027-01-15');
  });

  it('classifies 10 dwellings as major (press advert required) and 9 as minor', async () => {
    const major = await application({ development: { dwellings: 10 } });
    const minor = await application({ development: { dwellings: 9 } });
    const a = await t.as('officer').get(`/api/cases/${major}/publicity`).expect(200);
    const b = await t.as('officer').get(`/api/cases/${minor}/publicity`).expect(200);
    expect(a.body.classification.category).toBe('major');
    expect(a.body.publicity.summary.find((s: { kind: string }) => s.kind === 'press-advert')?.status).toBe('required');
    expect(b.body.classification.category).toBe('minor');
  });

  it('says publicity does not apply to enforcement cases, and refuses to record events on them', async () => {
    const e = await t
      .as('enforcement')
      .post('/api/cases')
      .send({ kind: 'enforcement', breachType: 'untidy-land', description: 'Overgrown', receivedDate: '2026-10-01' })
      .expect(201);
    const res = await t.as('enforcement').get(`/api/cases/${e.body.id}/publicity`).expect(200);
    expect(res.body.applies).toBe(false);
    const rec = await t
      .as('officer')
      .post(`/api/cases/${e.body.id}/publicity-events`)
      .send({ kind: 'site-notice', date: '2026-10-02' })
      .expect(400);
    expect(rec.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses an event dated before the application was received, an unknown kind, and the enforcement role', async () => {
    const id = await application();
    const early = await t
      .as('officer')
      .post(`/api/cases/${id}/publicity-events`)
      .send({ kind: 'site-notice', date: '2026-09-30', noticeCount: 1, places: ['gate'] })
      .expect(400);
    expect(early.body.error.details.issues[0].path).toBe('body.date');
    const kind = await t
      .as('officer')
      .post(`/api/cases/${id}/publicity-events`)
      .send({ kind: 'leaflet', date: '2026-10-02' })
      .expect(400);
    expect(kind.body.error.details.issues[0].path).toBe('body.kind');
    await t
      .as('enforcement')
      .post(`/api/cases/${id}/publicity-events`)
      .send({ kind: 'site-notice', date: '2026-10-02' })
      .expect(403);
  });
});

describe("the authority's Statement of Community Involvement (npm run redline -- authority:sci)", () => {
  const cli = (args: string[]) => runCli(t.url, args);

  it('adds letters to every application once the policy says "letters always", and refuses a malformed policy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-sci-'));
    try {
      const id = await application();
      const none = path.join(dir, 'none.json');
      fs.writeFileSync(none, JSON.stringify({ name: 'Test SCI' }));
      expect((await cli(['authority:sci', '--file', none])).code).toBe(0);
      const before = await t.as('officer').get(`/api/cases/${id}/publicity`).expect(200);
      expect(before.body.publicity.requirements.some((r: { source: string }) => r.source === 'sci')).toBe(false);

      const always = path.join(dir, 'always.json');
      fs.writeFileSync(always, JSON.stringify({ name: 'Test SCI', lettersAlways: true }));
      const set = await cli(['authority:sci', '--file', always]);
      expect(set.code).toBe(0);
      expect(set.stdout).toContain('"lettersAlways": true');
      const after = await t.as('officer').get(`/api/cases/${id}/publicity`).expect(200);
      const sci = after.body.publicity.requirements.filter((r: { source: string }) => r.source === 'sci');
      expect(sci.map((r: { kind: string }) => r.kind)).toEqual(['neighbour-letters']);
      const [audited] = await t.db('audit_log').where({ action: 'authority.sci.update' }).count({ n: '*' });
      expect(Number(audited!.n)).toBe(2);

      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ lettersAlways: 'yes' }));
      const refused = await cli(['authority:sci', '--file', bad]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('lettersAlways');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
