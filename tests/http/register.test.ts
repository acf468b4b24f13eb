/**
 * The public planning register (issue 13 items 1, 4, 5): search filters at their boundaries (inclusive date edges,
 * a radius exactly at the distance and 1 cm short of it), paging and sorting, "near me" by postcode, grid reference
 * and easting/northing, unpublished and withdrawn applications never listed, enforcement only when the authority
 * publishes it and then at street level, ETag/304 and Cache-Control, no personal data in anything served, and the
 * pages rendering without JavaScript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
/** every public response body this file received, checked for the markers at the end */
const served: Array<{ url: string; text: string }> = [];
const MARKERS = ['ZZMARKER', 'zzmarker'];

const square = (cx: number, cy: number, half = 5) => ({
  type: 'Polygon',
  coordinates: [
    [
      [cx - half, cy - half],
      [cx + half, cy - half],
      [cx + half, cy + half],
      [cx - half, cy + half],
      [cx - half, cy - half],
    ],
  ],
});

const parties = [
  {
    role: 'applicant',
    name: 'ZZMARKER Applicant',
    email: 'zzmarker.applicant@example.org',
    address: '1 ZZMARKER Road',
    postcode: 'SE1 1ZZ',
    phone: '0700 ZZMARKER',
  },
  { role: 'agent', name: 'ZZMARKER Agent', organisation: 'ZZMARKER LLP', email: 'zzmarker.agent@example.org' },
];

async function makeApp(body: Record<string, unknown>, centre: [number, number] | null) {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({ kind: 'application', applicationType: 'full', parties, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.id as number;
  if (centre)
    await t
      .as('officer')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: square(...centre) })
      .expect(200);
  return id;
}

async function get(url: string, expectStatus = 200): Promise<Response> {
  const res = await t.anon.get(url);
  expect(res.status, `${url}: ${res.text.slice(0, 300)}`).toBe(expectStatus);
  served.push({ url, text: res.text ?? '' });
  return res;
}
/** PATCH a case as `role` with its current version (the API requires it) */
async function patchCase(role: 'officer' | 'enforcement', id: number, body: Record<string, unknown>) {
  const { version } = await t.db('case_record').where({ id }).first('version');
  const res = await t
    .as(role)
    .patch(`/api/cases/${id}`)
    .send({ ...body, version });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}
const api = async (qs: string) => (await get(`/api/public/applications?${qs}`)).body;
const refs = (body: { items: Array<{ reference: string }> }) => body.items.map((i) => i.reference);

let a1: number;
let enf: number;
beforeAll(async () => {
  t = await startTestApp();
  await t.db.raw(
    `INSERT INTO address (uprn, address_lines, postcode, geom, source)
     VALUES (990000000001, ARRAY['1 Test Row', 'London'], 'SE1 9ZZ', ST_SetSRID(ST_MakePoint(532990, 179000), 27700), 'test'),
            (990000000002, ARRAY['3 Test Row', 'London'], 'SE1 9ZZ', ST_SetSRID(ST_MakePoint(533010, 179000), 27700), 'test')`,
  );
  a1 = await makeApp(
    {
      reference: '26/AP/1001',
      description: 'Rear extension with a roof terrace',
      siteAddress: '10 Test Row, London SE1 9ZZ',
      status: 'decided',
      receivedDate: '2026-01-05',
      validDate: '2026-01-06',
      targetDate: '2026-03-02',
      decision: 'granted',
      decisionDate: '2026-02-10',
    },
    [533000, 179000],
  );
  await makeApp(
    {
      reference: '26/AP/1002',
      applicationType: 'hh',
      description: 'Loft conversion with dormer',
      siteAddress: '20 Test Row, London',
      status: 'consultation',
      receivedDate: '2026-01-10',
    },
    [533100, 179000],
  );
  await makeApp(
    {
      reference: '26/AP/1003',
      description: 'Change of use to a cafe',
      siteAddress: '5 Other Street, London',
      status: 'valid',
      receivedDate: '2026-01-11',
    },
    [533000, 179200],
  );
  const hidden = await makeApp(
    { reference: '26/AP/1004', description: 'Unpublished ZZMARKER proposal', receivedDate: '2026-01-07' },
    [533001, 179001],
  );
  await patchCase('officer', hidden, { publication: 'unpublished' });
  const withdrawn = await makeApp(
    { reference: '26/AP/1005', description: 'Withdrawn ZZMARKER proposal', receivedDate: '2026-01-08' },
    [533002, 179002],
  );
  await patchCase('officer', withdrawn, { publication: 'withdrawn' });
  // publicity with notes (private) on the first application
  await t
    .as('officer')
    .post(`/api/cases/${a1}/publicity-events`)
    .send({
      kind: 'site-notice',
      date: '2026-01-07',
      noticeCount: 1,
      places: ['ZZMARKER gate'],
      notes: 'ZZMARKER note',
    })
    .expect(201);
  // an enforcement complaint at 12 Marker Street, with a complainant
  const e = await t
    .as('enforcement')
    .post('/api/cases')
    .send({
      kind: 'enforcement',
      reference: '26/EN/2001',
      breachType: 'untidy-land',
      description: 'ZZMARKER complaint about the garden',
      siteAddress: '12 Marker Street, London',
      receivedDate: '2026-01-09',
      parties: [{ role: 'complainant', name: 'ZZMARKER Complainant', email: 'zzmarker.c@example.org' }],
    });
  expect(e.status, JSON.stringify(e.body)).toBe(201);
  enf = e.body.id;
  await t
    .as('enforcement')
    .put(`/api/cases/${enf}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, enf))
    .send({ geometry: square(533037, 179042) })
    .expect(200);
});
afterAll(async () => {
  await t?.closeApp();
});

describe('GET /api/public/applications', () => {
  it('lists the published applications only, newest received first', async () => {
    const body = await api('');
    expect(refs(body)).toEqual(['26/AP/1003', '26/AP/1002', '26/AP/1001']);
    expect(body.total).toBe(3);
    const item = body.items[2];
    expect(item).toMatchObject({
      slug: '26-AP-1001',
      url: '/register/applications/26-AP-1001',
      applicationType: 'full',
      status: 'decided',
      decision: 'granted',
      decisionDate: '2026-02-10',
      receivedDate: '2026-01-05',
      validDate: '2026-01-06',
      targetDate: '2026-03-02',
      postcode: 'SE1 9ZZ',
      point: [533000, 179000],
    });
    expect(Object.keys(item).sort()).toEqual(
      [
        'reference',
        'slug',
        'url',
        'applicationType',
        'applicationTypeLabel',
        'proposal',
        'siteAddress',
        'postcode',
        'status',
        'decision',
        'decisionDate',
        'receivedDate',
        'validDate',
        'consultationEndDate',
        'earliestDecisionDate',
        'targetDate',
        'point',
      ].sort(),
    );
  });

  it('date ranges include both edges', async () => {
    expect(refs(await api('receivedFrom=2026-01-10&receivedTo=2026-01-10'))).toEqual(['26/AP/1002']);
    expect(refs(await api('receivedFrom=2026-01-05&receivedTo=2026-01-11&sort=received-asc'))).toEqual([
      '26/AP/1001',
      '26/AP/1002',
      '26/AP/1003',
    ]);
    expect(refs(await api('receivedFrom=2026-01-06&receivedTo=2026-01-10'))).toEqual(['26/AP/1002']);
    expect(refs(await api('decidedFrom=2026-02-10&decidedTo=2026-02-10'))).toEqual(['26/AP/1001']);
    expect(refs(await api('decidedFrom=2026-02-11'))).toEqual([]);
    expect(refs(await api('decidedTo=2026-02-09'))).toEqual([]);
  });

  it('filters by keyword, reference, address, postcode, type, status and decision', async () => {
    expect(refs(await api('q=ROOF%20terrace'))).toEqual(['26/AP/1001']);
    expect(refs(await api('reference=26-AP-1002'))).toEqual(['26/AP/1002']);
    expect(refs(await api('address=other%20street'))).toEqual(['26/AP/1003']);
    expect(refs(await api('address=se19zz'))).toEqual(['26/AP/1001']);
    expect(refs(await api('postcode=SE1%209'))).toEqual(['26/AP/1001']);
    expect(refs(await api('type=hh'))).toEqual(['26/AP/1002']);
    expect(refs(await api('status=valid'))).toEqual(['26/AP/1003']);
    expect(refs(await api('decision=granted'))).toEqual(['26/AP/1001']);
    expect(refs(await api('q=100%25'))).toEqual([]);
  });

  it('near x,y within a radius: exactly at the distance is in, 1 cm short of it is out', async () => {
    const at = await api('near=533100,179000&radius=100');
    expect(refs(at)).toEqual(['26/AP/1002', '26/AP/1001']);
    expect(at.items.map((i: { distanceM: number }) => i.distanceM)).toEqual([0, 100]);
    expect(refs(await api('near=533100,179000&radius=99.99'))).toEqual(['26/AP/1002']);
    // 26/AP/1003 is sqrt(100² + 200²) = 223.607 m away
    expect(refs(await api('near=533100,179000&radius=223.61'))).toEqual(['26/AP/1002', '26/AP/1001', '26/AP/1003']);
    expect(refs(await api('near=533100,179000&radius=223.60'))).toEqual(['26/AP/1002', '26/AP/1001']);
  });

  it('near a postcode, an OS grid reference, or a latitude/longitude', async () => {
    const pc = await api('near=se1%209zz&radius=50');
    expect(refs(pc)).toEqual(['26/AP/1001']);
    expect(pc.near).toEqual({ x: 533000, y: 179000, radiusM: 50 });
    expect(refs(await api(`near=${encodeURIComponent('TQ 33000 79000')}&radius=1`))).toEqual(['26/AP/1001']);
    expect(refs(await api(`near=${encodeURIComponent('TQ 3310 7900')}&radius=10`))).toEqual(['26/AP/1002']);
    const ll = await api('lat=51.4897&lon=-0.0866&radius=5000');
    expect(ll.total).toBe(3);
    const unknown = await get('/api/public/applications?near=SE9%209ZZ', 400);
    expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
    expect(unknown.body.error.message).toMatch(/could not find the postcode SE9 9ZZ/);
  });

  it('pages and sorts, with links', async () => {
    const p2 = await api('sort=received-asc&pageSize=1&page=2');
    expect(refs(p2)).toEqual(['26/AP/1002']);
    expect(p2).toMatchObject({ total: 3, page: 2, pageSize: 1 });
    expect(p2.links.prev).toBe('/api/public/applications?sort=received-asc&page=1&pageSize=1');
    expect(p2.links.next).toBe('/api/public/applications?sort=received-asc&page=3&pageSize=1');
    expect(p2.links.last).toBe('/api/public/applications?sort=received-asc&page=3&pageSize=1');
    const p3 = await api('sort=received-asc&pageSize=1&page=3');
    expect(p3.links.next).toBeUndefined();
    expect(refs(await api('sort=received-asc&pageSize=1&page=4'))).toEqual([]);
    expect(refs(await api('sort=reference'))).toEqual(['26/AP/1001', '26/AP/1002', '26/AP/1003']);
    expect(refs(await api('sort=decided-desc'))[0]).toBe('26/AP/1001');
    await get('/api/public/applications?pageSize=101', 400);
    await get('/api/public/applications?sort=officer', 400);
    await get('/api/public/applications?receivedFrom=2026-02-30', 400);
  });

  it('answers with an ETag, 304 for it, and Cache-Control public, max-age=60; the ETag changes with the data', async () => {
    const first = await get('/api/public/applications?sort=reference');
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await t.anon.get('/api/public/applications?sort=reference').set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(etag);
    await patchCase('officer', a1, { description: 'Rear extension with a roof garden' });
    const changed = await t.anon.get('/api/public/applications?sort=reference').set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    await patchCase('officer', a1, { description: 'Rear extension with a roof terrace' });
    const one = await get('/api/public/applications/26-AP-1001');
    expect(one.headers['cache-control']).toBe('public, max-age=60');
    expect(
      (await t.anon.get('/api/public/applications/26-AP-1001').set('If-None-Match', String(one.headers.etag))).status,
    ).toBe(304);
  });

  it('GeoJSON: the same page as site outlines in CRS84, or EPSG:27700 on request', async () => {
    const fc = (await get('/api/public/applications.geojson?sort=reference')).body;
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.map((f: { id: string }) => f.id)).toEqual(['26-AP-1001', '26-AP-1002', '26-AP-1003']);
    const [lon, lat] = fc.features[0].geometry.coordinates[0][0][0];
    expect(lon).toBeCloseTo(-0.0866, 2);
    expect(lat).toBeCloseTo(51.4897, 2);
    const bng = (await get('/api/public/applications.geojson?sort=reference&crs=EPSG:27700')).body;
    expect(bng.features[0].geometry.coordinates[0][0]).toContainEqual([532995, 178995]);
    expect(bng.features[0].properties.point).toEqual([533000, 179000]);
    const box = (await get('/api/public/applications.geojson?bbox=533090,178990,533110,179010')).body;
    expect(box.features.map((f: { id: string }) => f.id)).toEqual(['26-AP-1002']);
  });

  it('one application: key dates, site, publicity kinds and dates only; unpublished and withdrawn are 404', async () => {
    const a = (await get('/api/public/applications/26-AP-1001')).body;
    expect(a.reference).toBe('26/AP/1001');
    expect(a.publicity).toEqual([{ kind: 'site-notice', date: '2026-01-07' }]);
    expect(a.site.crs).toBe('EPSG:27700');
    expect(a.site.areaM2).toBe(100);
    expect(a.decisionNotice).toBeNull();
    await get('/api/public/applications/26-AP-1004', 404);
    await get('/api/public/applications/26-AP-1005', 404);
    await get('/api/public/applications/26-EN-2001', 404);
    await get('/register/applications/26-AP-1004', 404);
    for (const q of ['q=Unpublished', 'q=Withdrawn', 'reference=26-AP-1004', 'near=533001,179001&radius=2']) {
      expect(refs(await api(q)).filter((r: string) => r === '26/AP/1004' || r === '26/AP/1005')).toEqual([]);
    }
  });
});

describe('enforcement on the register', () => {
  it('is hidden unless the authority publishes enforcement and the case is published, then shown by street only', async () => {
    const page = () => get('/register/near-me?near=533000,179000&radius=1000');
    expect((await page()).text).not.toContain('26/EN/2001');
    await t.db('authority').where({ id: t.authorityId }).update({ publish_enforcement: true });
    // enforcement cases start unpublished
    expect((await page()).text).not.toContain('26/EN/2001');
    await patchCase('enforcement', enf, { publication: 'published' });
    const shown = (await page()).text;
    expect(shown).toContain('26/EN/2001');
    expect(shown).toContain('Marker Street');
    expect(shown).not.toContain('12 Marker Street');
    const snapped = await t.db('public_enforcement').where({ reference: '26/EN/2001' }).first();
    expect(Object.keys(snapped).sort()).toEqual(
      [
        'authority_id',
        'data_version',
        'id',
        'opened_date',
        'point_geom',
        'reference',
        'slug',
        'status',
        'street',
        'ward',
      ].sort(),
    );
    const xy = await t.db.raw(
      `SELECT ST_X(point_geom) x, ST_Y(point_geom) y FROM public_enforcement WHERE reference = '26/EN/2001'`,
    );
    expect(xy.rows[0]).toEqual({ x: 533000, y: 179000 });
    // never in the applications API
    expect(refs(await api('near=533000,179000&radius=1000'))).not.toContain('26/EN/2001');
    await t.db('authority').where({ id: t.authorityId }).update({ publish_enforcement: false });
    expect((await page()).text).not.toContain('26/EN/2001');
  });
});

describe('the pages, without JavaScript', () => {
  it('/register: the form, the results list, paging and the map placeholder', async () => {
    const res = await get('/register?sort=received-asc&pageSize=2');
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const html = res.text;
    expect(html).toContain('Search planning applications');
    expect(html).toContain('Planning register');
    expect(html).not.toMatch(/href="\/cases"/);
    expect(html).toContain('3 applications');
    expect(html).toContain('href="/register/applications/26-AP-1001"');
    expect(html).toContain('href="/register/applications/26-AP-1002"');
    expect(html).not.toContain('href="/register/applications/26-AP-1003"');
    expect(html).toContain('/register?sort=received-asc&amp;pageSize=2&amp;page=2');
    expect(html).toContain('data-geojson="/api/public/applications.geojson?sort=received-asc&amp;pageSize=2"');
    const bad = await get('/register?receivedFrom=2026-13-01', 400);
    expect(bad.text).toContain('There is a problem');
  });

  it('/register shows no staff navigation to a signed-in user either', async () => {
    const res = await t.as('officer').get('/register');
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/href="\/cases"/);
    expect(res.text).not.toContain('officer.user');
  });

  it('/register/near-me: by postcode with distances, and an unknown postcode explained', async () => {
    const blank = await get('/register/near-me');
    expect(blank.text).toContain('Postcode, address or grid reference');
    const html = (await get('/register/near-me?near=SE1+9ZZ&radius=250')).text;
    expect(html).toContain('3 applications within 250 metres of SE1 9ZZ');
    expect(html).toContain('0 metres away');
    expect(html).toContain('100 metres away');
    const bad = await get('/register/near-me?near=SE9+9ZZ', 400);
    expect(bad.text).toContain('We could not find the postcode SE9 9ZZ');
  });

  it('/register/applications/:slug: details, key dates, publicity and the site', async () => {
    const html = (await get('/register/applications/26-AP-1001')).text;
    expect(html).toContain('26/AP/1001');
    expect(html).toContain('Rear extension with a roof terrace');
    expect(html).toContain('5 January 2026');
    expect(html).toContain('10 February 2026');
    expect(html).toContain('Site notice: 7 January 2026');
    expect(html).toContain('The site has not been checked against planning constraints yet.');
    expect(html).toContain('about 100 square metres');
    expect(html).not.toContain('Comment on this application');
    const open = (await get('/register/applications/26-AP-1002')).text;
    expect(open).toContain('Comment on this application');
    await get('/register/applications/26-AP-9999', 404);
    await get('/register/applications/26-AP-1001/decision-notice.pdf', 404);
  });

  it('weekly and monthly lists: received and decided, navigable', async () => {
    const week = (await get('/register/lists/weekly?week=2026-01-07')).text;
    expect(week).toContain('5 January 2026 to 11 January 2026');
    expect(week).toContain('Received (3)');
    expect(week).toContain('Decided (0)');
    expect(week).toContain('/register/lists/weekly?week=2025-12-29');
    expect(week).toContain('/register/lists/weekly?week=2026-01-12');
    const month = (await get('/register/lists/monthly?month=2026-02')).text;
    expect(month).toContain('February 2026');
    expect(month).toContain('Received (0)');
    expect(month).toContain('Decided (1)');
    expect(month).toContain('/register/lists/monthly?month=2026-01');
    expect(month).toContain('/register/lists/monthly?month=2026-03');
  });
});

describe('personal data', () => {
  it('appears in nothing the register served', async () => {
    expect(served.length).toBeGreaterThan(40);
    for (const s of served) for (const m of MARKERS) expect(s.text.includes(m), `${m} in ${s.url}`).toBe(false);
  });
});
