/**
 * Issue 16 item 4: every mutable resource is version-checked. For each one: without If-Match the write is refused
 * with 428 PRECONDITION_REQUIRED and changes nothing; with an ETag that is no longer current, 412 VERSION_CONFLICT;
 * and six writers racing with the same ETag make exactly one change (one 2xx, five 412s), after which the GET's
 * ETag has moved on by one version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
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

interface Resource {
  /** the current ETag, as its GET gives it */
  etag(): Promise<string>;
  /** the write, the `i`th writer's own change, with If-Match `ifMatch` (none when undefined) */
  write(i: number, ifMatch?: string): request.Test;
  /** what the resource holds now, to prove a refused write changed nothing */
  state(): Promise<unknown>;
}

async function expectVersionChecked(r: Resource, writers = 6) {
  const before = await r.etag();
  const stateBefore = await r.state();

  const none = await r.write(0);
  expect(none.status, JSON.stringify(none.body)).toBe(428);
  expect(none.body.error.code).toBe('PRECONDITION_REQUIRED');
  expect(none.body.error.message).toMatch(/If-Match/);
  expect(await r.state()).toEqual(stateBefore);

  const stale = await r.write(
    0,
    before.replace(/v(\d+)/, (_m, n) => `v${Number(n) + 7}`),
  );
  expect(stale.status, JSON.stringify(stale.body)).toBe(412);
  expect(stale.body.error.code).toBe('VERSION_CONFLICT');
  expect(await r.state()).toEqual(stateBefore);

  const answers = await Promise.all(Array.from({ length: writers }, (_, i) => r.write(i + 1, before)));
  const statuses = answers.map((a) => a.status);
  expect(
    statuses.filter((s) => s >= 200 && s < 300),
    JSON.stringify(statuses),
  ).toHaveLength(1);
  expect(
    statuses.filter((s) => s === 412),
    JSON.stringify(answers.map((a) => a.body)),
  ).toHaveLength(writers - 1);
  for (const a of answers.filter((x) => x.status === 412)) expect(a.body.error.code).toBe('VERSION_CONFLICT');
  const after = await r.etag();
  expect(after).not.toBe(before);
  // the winner's answer names the new version, which is the GET's
  const winner = answers.find((a) => a.status < 300)!;
  if (winner.headers.etag) expect(winner.headers.etag).toBe(after);
  // and the old ETag is now stale
  const late = await r.write(99, before);
  expect(late.status).toBe(412);
  return { before, after, winner };
}

async function newApplication() {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'hh',
      description: 'Rear extension',
      siteAddress: '1 Version Street, London SE1 1AA',
      receivedDate: '2026-10-01',
    })
    .expect(201);
  return res.body.id as number;
}

describe('If-Match on every mutable resource', () => {
  it('a case (PATCH /api/cases/:id)', async () => {
    const id = await newApplication();
    await expectVersionChecked({
      etag: () => caseEtag(t, id),
      write: (i, m) => {
        const req = t.as('officer').patch(`/api/cases/${id}`);
        if (m) void req.set('If-Match', m);
        return req.send({ description: `Rear extension, edit ${i}` });
      },
      state: async () => (await t.db('case_record').where({ id }).first('description', 'version')) as unknown,
    });
  });

  it('a site (PUT /api/cases/:id/site)', async () => {
    const id = await newApplication();
    await expectVersionChecked({
      etag: () => caseEtag(t, id),
      write: (i, m) => {
        const req = t.as('officer').put(`/api/cases/${id}/site?crs=EPSG:27700`);
        if (m) void req.set('If-Match', m);
        return req.send({ geometry: square(533000 + i * 10, 179000, 20) });
      },
      state: async () => (await t.db('case_site').where({ case_id: id }).count({ n: '*' }).first()) as unknown,
    });
  });

  it('an enforcement case’s location (PUT /api/cases/:id/location)', async () => {
    const res = await t
      .as('enforcement')
      .post('/api/cases')
      .send({
        kind: 'enforcement',
        breachType: 'untidy-land',
        description: 'Rubbish in the front garden',
        receivedDate: '2026-05-01',
      })
      .expect(201);
    const id = res.body.id as number;
    await expectVersionChecked({
      etag: () => caseEtag(t, id),
      write: (i, m) => {
        const req = t.as('enforcement').put(`/api/cases/${id}/location?crs=EPSG:27700`);
        if (m) void req.set('If-Match', m);
        return req.send({ geometry: { type: 'Point', coordinates: [533000 + i, 179000] } });
      },
      state: async () => (await t.db('case_record').where({ id }).first('version')) as unknown,
    });
  });

  it('a letter or notice template (PUT /api/document-templates/:kind)', async () => {
    const url = '/api/document-templates/site-notice';
    const cur = (await t.as('admin').get(url).expect(200)).body;
    await expectVersionChecked({
      etag: async () => (await t.as('admin').get(url).expect(200)).headers.etag as string,
      write: (i, m) => {
        const req = t.as('admin').put(url);
        if (m) void req.set('If-Match', m);
        return req.send({ title: `${cur.current.title} (${i})`, body: cur.current.body });
      },
      state: async () => (await t.as('admin').get(url)).body.current,
    });
  });

  it('an enforcement letter template (PUT /api/enforcement-letter-templates/:kind)', async () => {
    const url = '/api/enforcement-letter-templates/owner-occupier';
    const cur = (await t.as('admin').get(url).expect(200)).body;
    await expectVersionChecked({
      etag: async () => (await t.as('admin').get(url).expect(200)).headers.etag as string,
      write: (i, m) => {
        const req = t.as('admin').put(url);
        if (m) void req.set('If-Match', m);
        return req.send({ title: `${cur.current.title} (${i})`, body: cur.current.body });
      },
      state: async () => (await t.as('admin').get(url)).body.current,
    });
  });

  it('the authority’s details (PUT /api/authority/details)', async () => {
    const url = '/api/authority/details';
    await expectVersionChecked({
      etag: async () => `"v${(await t.as('admin').get(url).expect(200)).body.version}"`,
      write: (i, m) => {
        const req = t.as('admin').put(url);
        if (m) void req.set('If-Match', m);
        return req.send({ phone: `020 7525 ${String(1000 + i)}` });
      },
      state: async () => (await t.as('admin').get(url)).body,
    });
  });

  it('a user account (PATCH /api/users/:id)', async () => {
    const created = await t
      .as('admin')
      .post('/api/users')
      .send({ username: 'version.person', role: 'officer', displayName: 'Version Person' })
      .expect(201);
    const id = created.body.user.id as number;
    await expectVersionChecked({
      etag: async () => (await t.as('admin').get(`/api/users/${id}`).expect(200)).headers.etag as string,
      write: (i, m) => {
        const req = t.as('admin').patch(`/api/users/${id}`);
        if (m) void req.set('If-Match', m);
        return req.send({ displayName: `Version Person ${i}` });
      },
      state: async () => (await t.as('admin').get(`/api/users/${id}`)).body.user,
    });
  });

  it('a local layer’s definition (PUT /api/layers/:id)', async () => {
    const def = (title: string) => ({
      id: 'version-layer',
      title,
      category: 'local',
      dataset: null,
      geometryKind: 'polygon',
      rule: { kind: 'intersects' },
      ruleReason: 'A test rule.',
      report: { positive: '{name} is {where}.', negative: 'Nothing.' },
      style: { 'stroke-color': '#000000' },
      public: false,
      provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
    });
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: def('Version layer') })
      .expect(201);
    const url = '/api/layers/version-layer';
    await expectVersionChecked({
      etag: async () => (await t.as('gis').get(url).expect(200)).headers.etag as string,
      write: (i, m) => {
        const req = t.as('gis').put(url);
        if (m) void req.set('If-Match', m);
        return req.send({ definition: def(`Version layer ${i}`) });
      },
      state: async () => (await t.as('gis').get(url)).body.title,
    });
  });

  it('the address points (PUT /api/addresses/data; "*" loads over whatever is there)', async () => {
    const csv = (i: number) =>
      'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,ADDRESS_LINE_3,POSTCODE,X_COORDINATE,Y_COORDINATE\n' +
      `${920000000000 + i},${i} Version Street,,London,SE1 1AA,${533050 + i},179050\n`;
    const url = '/api/addresses/data?filename=addresses.csv';
    await t.as('gis').put(url).set('If-Match', '*').set('Content-Type', 'text/csv').send(csv(0)).expect(200);
    await expectVersionChecked({
      etag: async () => (await t.as('gis').get('/api/addresses/data').expect(200)).headers.etag as string,
      write: (i, m) => {
        const req = t.as('gis').put(url).set('Content-Type', 'text/csv');
        if (m) void req.set('If-Match', m);
        return req.send(csv(i));
      },
      state: async () => (await t.db('address').orderBy('uprn').pluck('uprn')) as unknown,
    });
  });
});
