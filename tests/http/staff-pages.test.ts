/**
 * The staff pages (issue 12 item 1) as a browser without JavaScript sees them: signed out and expired sessions go
 * to sign-in and come back; the case list searches, filters, sorts and pages; the new-case form shows each error
 * beside its field and in the error summary, registers and redirects; the case page carries the map and panel
 * containers with server-rendered fallbacks; roles decide what is offered; no personal data for roles without it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { fieldError, makeCase as makeCaseAs } from '../helpers/staff-forms.ts';
import type { Role } from '../../shared/roles.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '1000' });
});
afterAll(async () => {
  await t?.closeApp();
});

const page = (role: Role, url: string) => t.as(role).get(url);
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

async function signIn(role: Role) {
  const agent = request.agent(t.app);
  await agent
    .post('/login')
    .type('form')
    .send({ username: `${role}.user`, password: `${role}-password-123` })
    .expect(303);
  return agent;
}

const makeCase = (body: Record<string, unknown>) => makeCaseAs(t, body);

describe('signed-in pages', () => {
  it('sends a signed-out visitor to sign in, and back to the page after', async () => {
    for (const url of ['/cases', '/cases/new', '/cases/1', '/enforcement', '/layers']) {
      const res = await t.anon.get(url).expect(303);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    const withQuery = await t.anon.get('/cases?q=oak&page=2').expect(303);
    expect(withQuery.headers.location).toBe('/login?next=%2Fcases%3Fq%3Doak%26page%3D2');
    const agent = request.agent(t.app);
    const login = await agent
      .post('/login')
      .type('form')
      .send({ username: 'officer.user', password: 'officer-password-123', next: '/cases?q=oak' })
      .expect(303);
    expect(login.headers.location).toBe('/cases?q=oak');
    await agent.get('/cases?q=oak').expect(200);
  });

  it('says the session has ended when the cookie no longer signs anyone in', async () => {
    const agent = await signIn('support');
    await agent.get('/cases').expect(200);
    // the session ends on the server (expired, or pruned) while the browser still holds the cookie
    await t.db('session').delete();
    const res = await agent.get('/cases/new').expect(303);
    expect(res.headers.location).toBe('/login?next=%2Fcases%2Fnew&expired=1');
    const login = await agent.get(res.headers.location!).expect(200);
    expect(login.text).toContain('Your session has ended');
    expect(login.text).toContain('value="/cases/new"');
  });

  it('signs out from the header, and the pages then ask to sign in', async () => {
    const agent = await signIn('officer');
    const cases = await agent.get('/cases').expect(200);
    expect(cases.text).toMatch(
      /<form method="post" action="\/logout"[^>]*><input type="hidden" name="_csrf" value="[\w-]+">/,
    );
    const token = /name="_csrf" value="([\w-]+)"/.exec(cases.text)![1];
    await agent.post('/logout').type('form').send({ _csrf: token }).expect(303);
    const after = await agent.get('/cases').expect(303);
    expect(after.headers.location).toBe('/login?next=%2Fcases');
  });

  it('shows the staff navigation by role, with the current page marked', async () => {
    const gis = (await page('gis', '/cases').expect(200)).text;
    expect(gis).toMatch(/<nav aria-label="Staff"/);
    expect(gis).toMatch(/href="\/cases" aria-current="page">Cases/);
    expect(gis).toContain('href="/enforcement"');
    expect(gis).toContain('href="/layers"');
    expect(gis).not.toContain('href="/cases/new"');
    const officer = (await page('officer', '/cases').expect(200)).text;
    expect(officer).toContain('href="/cases/new"');
    expect(officer).not.toContain('href="/layers"');
    const home = (await page('officer', '/').expect(200)).text;
    expect(home).toContain('href="/cases"');
    // one h1 per page
    for (const url of ['/cases', '/cases/new', '/enforcement'])
      expect((await page('admin', url).expect(200)).text.match(/<h1[\s>]/g)?.length, url).toBe(1);
  });
});

describe('the case list', () => {
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    ids.oak = (
      await makeCase({
        kind: 'application',
        applicationType: 'hh',
        reference: 'LST/001',
        siteAddress: '1 Oak Road',
        receivedDate: '2025-01-10',
      })
    ).id;
    ids.elm = (
      await makeCase({
        kind: 'application',
        applicationType: 'full',
        reference: 'LST/002',
        siteAddress: '2 Elm Street',
        description: 'Six flats',
        receivedDate: '2025-01-12',
      })
    ).id;
    ids.enf = (
      await makeCase({
        kind: 'enforcement',
        breachType: 'untidy-land',
        reference: 'LST/003',
        siteAddress: '3 Oak Road',
        description: 'Overgrown garden',
        receivedDate: '2025-01-11',
      })
    ).id;
  });
  const refs = (html: string) => [...html.matchAll(/href="\/cases\/\d+">(LST\/\d+)</g)].map((m) => m[1]);

  it('searches reference, address and description', async () => {
    expect(refs((await page('officer', '/cases?q=oak+road').expect(200)).text).sort()).toEqual(['LST/001', 'LST/003']);
    expect(refs((await page('officer', '/cases?q=six+flats').expect(200)).text)).toEqual(['LST/002']);
    expect(refs((await page('officer', '/cases?q=LST%2F003').expect(200)).text)).toEqual(['LST/003']);
    const none = await page('officer', '/cases?q=nothing-matches-this').expect(200);
    expect(none.text).toContain('No cases match');
  });

  it('filters by kind, status and application type, keeping the choices in the form', async () => {
    expect(refs((await page('officer', '/cases?q=LST&kind=enforcement').expect(200)).text)).toEqual(['LST/003']);
    const hh = await page('officer', '/cases?q=LST&applicationType=hh').expect(200);
    expect(refs(hh.text)).toEqual(['LST/001']);
    expect(hh.text).toMatch(/<option value="hh" selected>/);
    expect(
      refs((await page('officer', '/cases?q=LST&status=received&kind=application').expect(200)).text).sort(),
    ).toEqual(['LST/001', 'LST/002']);
    // a value that is not one of the choices is ignored, not a 500 or a JSON error
    expect(refs((await page('officer', '/cases?q=LST&kind=bogus&sort=nope&page=x').expect(200)).text)).toHaveLength(3);
  });

  it('sorts by a column heading (aria-sort says which) and pages', async () => {
    const byRef = await page('officer', '/cases?q=LST&sort=reference&order=asc').expect(200);
    expect(refs(byRef.text)).toEqual(['LST/001', 'LST/002', 'LST/003']);
    expect(byRef.text).toMatch(
      /aria-sort="ascending">\s*<a class="govuk-link" href="[^"]*sort=reference&amp;order=desc/,
    );
    expect(refs((await page('officer', '/cases?q=LST&sort=reference&order=desc').expect(200)).text)).toEqual([
      'LST/003',
      'LST/002',
      'LST/001',
    ]);
    // newest received first by default
    expect(refs((await page('officer', '/cases?q=LST').expect(200)).text)).toEqual(['LST/002', 'LST/003', 'LST/001']);
    for (let i = 0; i < 26; i++) await makeCase({ kind: 'application', applicationType: 'hh', reference: `PG/${i}` });
    const first = await page('officer', '/cases?q=PG%2F').expect(200);
    expect(first.text).toContain('Showing 1 to 25 of 26 cases');
    expect(first.text).toContain('govuk-pagination');
    const second = await page('officer', '/cases?q=PG%2F&page=2').expect(200);
    expect(second.text).toContain('Showing 26 to 26 of 26 cases');
  });
});

describe('registering a case', () => {
  it('shows each error beside its field and in the error summary, keeping what was typed', async () => {
    const res = await t
      .as('support')
      .post('/cases/new')
      .type('form')
      .send({
        kind: 'application',
        applicationType: '',
        'receivedDate-day': '31',
        'receivedDate-month': '2',
        'receivedDate-year': '2025',
        description: '',
        siteAddress: '4 Ash Lane',
        dwellings: 'lots',
        'applicant-email': 'not-an-email',
        'applicant-name': 'Ann Applicant',
      })
      .expect(400);
    expect(res.text).toContain('govuk-error-summary');
    expect(res.text).toMatch(/<title>Error: /);
    expect(fieldError(res.text, 'applicationType')).toMatch(/Select application type/);
    expect(fieldError(res.text, 'receivedDate')).toMatch(/must be a real date/);
    expect(res.text).toContain('href="#receivedDate-day"');
    expect(fieldError(res.text, 'description')).toMatch(/Enter a description/);
    expect(fieldError(res.text, 'dwellings')).toMatch(/whole number/);
    expect(fieldError(res.text, 'applicant-email')).toMatch(/correct format/);
    expect(res.text).toContain('4 Ash Lane</textarea>');
    expect(res.text).toContain('value="Ann Applicant"');
  });

  it('places the service’s own refusals beside their field (a reference already used)', async () => {
    await makeCase({ kind: 'application', applicationType: 'hh', reference: 'DUP/1' });
    const res = await t
      .as('support')
      .post('/cases/new')
      .type('form')
      .send({
        kind: 'application',
        applicationType: 'hh',
        reference: 'DUP/1',
        'receivedDate-day': '3',
        'receivedDate-month': '2',
        'receivedDate-year': '2025',
        description: 'Loft conversion',
      })
      .expect(409);
    expect(fieldError(res.text, 'reference')).toMatch(/already used/);
  });

  it('registers an application with its development and parties, then shows its page', async () => {
    const res = await t
      .as('support')
      .post('/cases/new')
      .type('form')
      .send({
        kind: 'application',
        applicationType: 'full',
        'receivedDate-day': '3',
        'receivedDate-month': '2',
        'receivedDate-year': '2025',
        'validDate-day': '10',
        'validDate-month': '2',
        'validDate-year': '2025',
        description: 'Two new houses',
        siteAddress: '5 Birch Close',
        uprns: '100021234567, 100021234568',
        dwellings: '2',
        development: ['newBuildingOrExtension', 'nearRailway'],
        'applicant-name': 'Ann Applicant',
        'applicant-email': 'ann@example.com',
        'agent-organisation': 'Plans Ltd',
      })
      .expect(303);
    const id = Number(/^\/cases\/(\d+)\?created=1$/.exec(res.headers.location!)![1]);
    const c = (await t.as('admin').get(`/api/cases/${id}`).expect(200)).body;
    expect(c).toMatchObject({
      kind: 'application',
      applicationType: 'full',
      receivedDate: '2025-02-03',
      validDate: '2025-02-10',
      siteAddress: '5 Birch Close',
      uprns: [100021234567, 100021234568],
      development: { dwellings: 2, newBuildingOrExtension: true, nearRailway: true },
    });
    expect(c.parties.map((p: { role: string }) => p.role).sort()).toEqual(['agent', 'applicant']);
    const shown = await page('support', res.headers.location!).expect(200);
    expect(shown.text).toContain(`${c.reference} registered`);
    expect(shown.text).toContain('Ann Applicant');
  });

  it('registers an enforcement case with its complainant', async () => {
    const res = await t
      .as('enforcement')
      .post('/cases/new')
      .type('form')
      .send({
        kind: 'enforcement',
        breachType: 'unauthorised-building-works',
        'receivedDate-day': '4',
        'receivedDate-month': '3',
        'receivedDate-year': '2025',
        description: 'Wall built on the boundary',
        'complainant-name': 'Carl Complainant',
        'complainant-phone': '020 7946 0000',
      })
      .expect(303);
    const id = Number(/^\/cases\/(\d+)/.exec(res.headers.location!)![1]);
    const c = (await t.as('admin').get(`/api/cases/${id}`).expect(200)).body;
    expect(c).toMatchObject({
      kind: 'enforcement',
      breachType: 'unauthorised-building-works',
      reference: expect.stringMatching(/\/EN\//),
    });
    expect(c.parties).toEqual([expect.objectContaining({ role: 'complainant', name: 'Carl Complainant' })]);
  });

  it('offers each role only the kinds it may register', async () => {
    const both = await page('support', '/cases/new').expect(200);
    expect(both.text).toContain('What are you registering?');
    expect(both.text).toContain('value="application"');
    expect(both.text).toContain('value="enforcement"');
    const chooseNothing = await page('support', '/cases/new?choose=1').expect(200);
    expect(fieldError(chooseNothing.text, 'kind')).toMatch(/Select what you are registering/);
    // one kind only: straight to its form
    const officer = await page('officer', '/cases/new').expect(200);
    expect(officer.text).toContain('Register a planning application');
    await page('officer', '/cases/new?kind=enforcement').expect(403);
    const refused = await t
      .as('officer')
      .post('/cases/new')
      .type('form')
      .send({ kind: 'enforcement', breachType: 'other', description: 'x' })
      .expect(403);
    expect(refused.text).toContain('You cannot do this');
    await page('gis', '/cases/new').expect(403);
    await t.as('gis').post('/cases/new').type('form').send({ kind: 'application' }).expect(403);
  });
});

describe('the case page', () => {
  it('has the map and panel containers, key dates and server-rendered fallbacks', async () => {
    const c = await makeCase({
      kind: 'application',
      applicationType: 'hh',
      validDate: '2025-02-05',
      siteAddress: '9 Cedar Way',
      parties: [{ role: 'applicant', name: 'Pat Private', email: 'pat@example.com' }],
    });
    await t
      .as('admin')
      .put(`/api/cases/${c.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.id))
      .send({ geometry: square(533000, 180000, 20) })
      .expect(200);
    const html = (await page('officer', `/cases/${c.id}`).expect(200)).text;
    expect(html).toMatch(
      new RegExp(
        `<div id="staff-map" class="redline-map" data-case-id="${c.id}" data-case-kind="application" data-case-version="\\d+" data-has-site="true" data-extent="[\\d.-]+,[\\d.-]+,[\\d.-]+,[\\d.-]+"></div>`,
      ),
    );
    for (const id of ['site-panel', 'constraints-panel', 'neighbours-panel', 'publicity-panel', 'documents-panel'])
      expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/id="map-description"[^>]*aria-live="polite"/);
    expect(html).toContain('5 February 2025'); // valid
    expect(html).toMatch(/Target<\/dt>\s*<dd[^>]*>[^<]*\d{4} \(8 weeks/);
    expect(html).toContain('400 m²');
    expect(html).toContain('No constraint check has been stored');
    expect(html).toContain('Pat Private');
  });

  it('shows no personal details to a role without them (gis)', async () => {
    const c = await makeCase({
      kind: 'enforcement',
      breachType: 'other',
      parties: [{ role: 'complainant', name: 'Secret Complainant', email: 'secret@example.com', phone: '07700900123' }],
    });
    const html = (await page('gis', `/cases/${c.id}`).expect(200)).text;
    expect(html).not.toContain('Secret Complainant');
    expect(html).not.toContain('secret@example.com');
    expect(html).not.toContain('07700900123');
    expect(html).toContain('not shown to your role');
    expect(html).toContain('data-case-kind="enforcement"');
  });

  it('answers a case that does not exist with a page, not JSON', async () => {
    const res = await page('officer', '/cases/999999').expect(404);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Page not found');
    await page('officer', '/cases/abc').expect(404);
  });
});

describe('the enforcement map and the layers page', () => {
  it('lists open enforcement cases beside the map container, not closed ones', async () => {
    const open = await makeCase({
      kind: 'enforcement',
      breachType: 'other',
      reference: 'ENF/OPEN',
      status: 'investigating',
    });
    await makeCase({ kind: 'enforcement', breachType: 'other', reference: 'ENF/SHUT', status: 'closed' });
    const html = (await page('enforcement', '/enforcement').expect(200)).text;
    expect(html).toMatch(
      /<div id="staff-map" class="redline-map redline-map--compact" data-view="enforcement" data-extent="[\d.,-]+" data-places="[^"]*"><\/div>/,
    );
    expect(html).toContain(`href="/cases/${open.id}">ENF/OPEN`);
    expect(html).not.toContain('ENF/SHUT');
  });

  it('is for gis and admin only, with each layer, an upload form and the CLI without JavaScript', async () => {
    for (const role of ['officer', 'support', 'enforcement'] as const) await page(role, '/layers').expect(403);
    const html = (await page('gis', '/layers').expect(200)).text;
    expect(html).toContain('<h1 class="govuk-heading-l">Constraint layers</h1>');
    expect(html).toContain('data-module="redline-layer-upload"');
    expect(html).toContain('layer:load --layer');
    expect(html).toMatch(/<th scope="col" class="govuk-table__header[^"]*">Coverage<\/th>/);
  });

  it('retires a layer after confirmation with a reason', async () => {
    const [layer] = await t.db('layer').whereNull('retired_at').orderBy('id').limit(1).select('id', 'title');
    expect(layer, 'a layer to retire').toBeDefined();
    const confirm = await page('admin', `/layers/${layer.id}/retire`).expect(200);
    expect(confirm.text).toContain(`Retire ${layer.title}`);
    const missing = await t.as('admin').post(`/layers/${layer.id}/retire`).type('form').send({}).expect(400);
    expect(fieldError(missing.text, 'reason')).toMatch(/Enter why/);
    expect(fieldError(missing.text, 'confirm')).toMatch(/Confirm/);
    await t
      .as('gis')
      .post(`/layers/${layer.id}/retire`)
      .type('form')
      .send({ reason: 'Superseded', confirm: 'yes' })
      .expect(303);
    const row = await t.db('layer').where({ id: layer.id }).first('retired_at', 'retired_reason');
    expect(row.retired_at).not.toBeNull();
    expect(row.retired_reason).toBe('Superseded');
    await t
      .as('officer')
      .post(`/layers/${layer.id}/retire`)
      .type('form')
      .send({ reason: 'x', confirm: 'yes' })
      .expect(403);
  });
});
