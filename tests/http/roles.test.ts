/**
 * Who may do what: the role matrix of every staff route, read from the app's own router stack (so a new route
 * is covered without editing this file, and a route this file has no request for fails the run), the rules that
 * depend on the kind of case, bearer tokens (revoked, disabled user, unknown), and session sign-in.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES, type Permission, type Role } from '../../shared/roles.ts';
import { createToken, createUser } from '../../server/modules/users/service.ts';
import { repoRoot } from '../../server/config/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listRoutes, type RouteInfo } from '../helpers/routes.ts';
import { caseEtag, layerEtag, userEtag } from '../helpers/if-match.ts';

const t: TestApp = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '1000' });
afterAll(async () => {
  await t.closeApp();
});

const routes = listRoutes(t.app);
const staffRoutes = routes.filter((r): r is RouteInfo & { roles: Role[] } => r.roles !== undefined);
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

type Q = Record<string, unknown>;
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
const application = (over: Q = {}): Q => ({
  kind: 'application',
  applicationType: 'full',
  description: 'Roof terrace',
  receivedDate: '2024-03-01',
  ...over,
});
const enforcement = (over: Q = {}): Q => ({
  kind: 'enforcement',
  breachType: 'untidy-land',
  description: 'Overgrown garden',
  receivedDate: '2024-03-01',
  ...over,
});

const fx = {
  appCase: 0,
  enfCase: 0,
  spareUser: 0,
  checks: {} as Record<number, { checkId: number; hitId: number }>,
  runs: {} as Record<number, number>,
  docs: {} as Record<number, number>,
};
const addressCsv = (n: number) =>
  'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,POSTCODE,X_COORDINATE,Y_COORDINATE\n' +
  Array.from(
    { length: n },
    (_, i) => `${100000 + i},${i + 1} Test Street,London,SE1 1AA,${533000 + 40 + i},${179010}`,
  ).join('\n') +
  '\n';
const outlines = () => ({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: [{ type: 'Feature', properties: { ref: 'P1' }, geometry: square(533030.5, 179000, 20) }],
});
const localLayer = (id: string) => ({
  id,
  title: `Local layer ${id}`,
  category: 'local',
  dataset: null,
  geometryKind: 'polygon',
  rule: { kind: 'within', distanceM: 20 },
  ruleReason: 'A test layer.',
  report: { positive: '{name} is {where}.', negative: 'Nothing within 20 m.' },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
});
const featureCollection = (name: string) => ({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: [{ type: 'Feature', properties: { ref: 'R1', title: name }, geometry: square(532990, 178990, 300) }],
});
let seq = 0;
/** Waits for queued layer loads (an allowed upload answers 202 and its job writes its audit rows later), so that a
 *  count compares only what the request under test did. */
async function jobsSettled() {
  for (let i = 0; i < 1200; i++) {
    const [row] = await t.db('job').whereIn('status', ['queued', 'running']).count({ n: '*' });
    if (Number(row!.n) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function auditCount() {
  await jobsSettled();
  const [row] = await t.db('audit_log').count({ n: '*' });
  return Number(row!.n);
}
async function caseVersion(id: number) {
  return (await t.db('case_record').where({ id }).first('version')).version as number;
}
/** a site notice recorded on the application, to correct or void */
const siteNotice = async () =>
  (
    await t
      .as('officer')
      .post(`/api/cases/${fx.appCase}/publicity-events`)
      .send({ kind: 'site-notice', date: '2024-03-05', noticeCount: 1, places: ['gate'] })
      .expect(201)
  ).body.event.id as number;
/** a comment received on the application, to publish */
const aComment = async () =>
  (
    await t
      .db('comment')
      .insert({
        case_id: fx.appCase,
        authority_id: t.authorityId,
        name: 'Commenter',
        address: '1 Test Street',
        postcode: 'SE1 1AA',
        email: 'commenter@example.org',
        stance: 'neutral',
        text: `Comment ${++seq}`,
        text_hash: `hash-${seq}`,
        ip_hash: 'x',
      })
      .returning('id')
  )[0].id as number;
/** an enforcement letter on the enforcement case (made once, by admin) */
let letterId = 0;
const enforcementLetter = async () =>
  (letterId ||= (
    await t
      .as('admin')
      .post(`/api/cases/${fx.enfCase}/enforcement-letters`)
      .send({ kind: 'pcn-cover', recipient: { addressLines: ['1 Test Street', 'London'] } })
      .expect(201)
  ).body.id as number);
/** a case the role may write: enforcement cases for the enforcement role, applications for everyone else */
const caseFor = (role: Role) => (role === 'enforcement' ? fx.enfCase : fx.appCase);

interface Call {
  url: string;
  body?: unknown;
  status: number;
  /** the If-Match a write sends (issue 16 item 4) */
  ifMatch?: string;
}
/** A request for each staff route that the route's allowed roles should succeed with. */
const CALLS: Record<string, (role: Role) => Promise<Call>> = {
  'GET /api/auth/me': async () => ({ url: '/api/auth/me', status: 200 }),
  'GET /api/cases': async () => ({ url: '/api/cases?limit=5', status: 200 }),
  // issue 15 items 4 and 5: the returns and the weekly list (every staff role)
  'GET /api/statistics/ps2': async () => ({ url: '/api/statistics/ps2', status: 200 }),
  'GET /api/statistics/ps1': async () => ({ url: '/api/statistics/ps1', status: 200 }),
  'GET /api/statistics/designation': async () => ({ url: '/api/statistics/designation', status: 200 }),
  'GET /api/statistics/ps2.csv': async () => ({ url: '/api/statistics/ps2.csv', status: 200 }),
  'GET /api/statistics/ps1.csv': async () => ({ url: '/api/statistics/ps1.csv', status: 200 }),
  'GET /api/statistics/designation.csv': async () => ({ url: '/api/statistics/designation.csv', status: 200 }),
  'GET /api/reports/weekly-list': async () => ({ url: '/api/reports/weekly-list', status: 200 }),
  'GET /api/reports/weekly-list.csv': async () => ({ url: '/api/reports/weekly-list.csv', status: 200 }),
  'GET /api/reports/weekly-list.pdf': async () => ({ url: '/api/reports/weekly-list.pdf', status: 200 }),
  'GET /api/reports/weekly-list.json': async () => ({ url: '/api/reports/weekly-list.json', status: 200 }),
  // issue 15 item 3: an ODP submission, a new metadata.id each time (the same submission is imported once)
  'POST /api/imports/odp': async () => {
    const body = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests/fixtures/odp/householder.json'), 'utf8'));
    body.metadata.id = crypto.randomUUID();
    return { url: '/api/imports/odp', body, status: 201 };
  },
  'POST /api/cases': async (role) => ({
    url: '/api/cases',
    body: role === 'enforcement' ? enforcement() : application(),
    status: 201,
  }),
  'GET /api/cases/:id': async (role) => ({ url: `/api/cases/${caseFor(role)}`, status: 200 }),
  'PATCH /api/cases/:id': async (role) => ({
    url: `/api/cases/${caseFor(role)}`,
    body: { version: await caseVersion(caseFor(role)), description: `Edited by ${role}` },
    status: 200,
  }),
  'GET /api/cases/:id/site': async (role) => ({ url: `/api/cases/${caseFor(role)}/site`, status: 200 }),
  'PUT /api/cases/:id/site': async (role) => ({
    url: `/api/cases/${caseFor(role)}/site?crs=EPSG:27700`,
    body: { geometry: square(533000, 179000, 30 + ++seq) },
    status: 200,
    ifMatch: await caseEtag(t, caseFor(role)),
  }),
  'PUT /api/cases/:id/location': async () => ({
    url: `/api/cases/${fx.enfCase}/location?crs=EPSG:27700`,
    body: { geometry: { type: 'Point', coordinates: [533010 + ++seq, 179010] } },
    status: 200,
    ifMatch: await caseEtag(t, fx.enfCase),
  }),
  'GET /api/cases/:id/site/versions': async (role) => ({
    url: `/api/cases/${caseFor(role)}/site/versions`,
    status: 200,
  }),
  'GET /api/cases/:id/nearby': async (role) => ({ url: `/api/cases/${caseFor(role)}/nearby?withinM=10`, status: 200 }),
  'POST /api/geometry/validate': async () => ({
    url: '/api/geometry/validate?crs=EPSG:27700',
    body: { geometry: square(533000, 179000, 10) },
    status: 200,
  }),
  'POST /api/geometry/convert': async () => ({
    url: '/api/geometry/convert?filename=site.geojson',
    body: featureCollection('converted'),
    status: 200,
  }),
  'GET /api/places': async () => ({ url: '/api/places?q=TQ%2032525%2079850', status: 200 }),
  'GET /api/users': async () => ({ url: '/api/users', status: 200 }),
  'POST /api/users': async (role) => ({
    url: '/api/users',
    body: { username: `made.by.${role}.${++seq}`, role: 'gis' },
    status: 201,
  }),
  'GET /api/users/:id': async () => ({ url: `/api/users/${fx.spareUser}`, status: 200 }),
  'PATCH /api/users/:id': async () => ({
    url: `/api/users/${fx.spareUser}`,
    body: { displayName: `Renamed ${++seq}` },
    status: 200,
    ifMatch: await userEtag(t, fx.spareUser),
  }),
  'POST /api/users/:id/tokens': async () => ({
    url: `/api/users/${fx.spareUser}/tokens`,
    body: { name: `script ${++seq}` },
    status: 201,
  }),
  'DELETE /api/tokens/:id': async () => {
    const { id } = await createToken(t.db, { id: null, username: 'test' }, fx.spareUser, `to revoke ${++seq}`);
    return { url: `/api/tokens/${id}`, status: 204 };
  },
  'GET /api/audit': async () => ({ url: '/api/audit?limit=5', status: 200 }),
  'GET /api/layers': async () => ({ url: '/api/layers', status: 200 }),
  'GET /api/layers/:id': async () => ({ url: '/api/layers/conservation-area', status: 200 }),
  // the staff map (issue 12): layer list, a tile below its layer's minimum zoom (204), snapping features, the
  // property at a point (none here), the OS base map (not configured in tests)
  'GET /api/tiles': async () => ({ url: '/api/tiles', status: 200 }),
  'GET /api/tiles/:layer/:z/:x/:y.mvt': async () => ({ url: '/api/tiles/properties/0/3/5.mvt', status: 204 }),
  'GET /api/features': async () => ({
    url: '/api/features?bbox=533000,177000,533100,177100&layers=properties,conservation-area',
    status: 200,
  }),
  'GET /api/properties/at': async () => ({ url: '/api/properties/at?x=-1000&y=1000', status: 404 }),
  'GET /api/basemap': async () => ({ url: '/api/basemap', status: 200 }),
  'GET /api/basemap/:style/:z/:x/:y.png': async () => ({ url: '/api/basemap/Road_27700/0/3/5.png', status: 404 }),
  'GET /api/jobs': async () => ({ url: '/api/jobs?kind=layer-load', status: 200 }),
  'GET /api/jobs/:id': async () => ({
    url: `/api/jobs/${(await t.db('job').max({ id: 'id' }).first())?.id ?? 0}`,
    status: 200,
  }),
  'POST /api/layers': async (role) => ({
    url: '/api/layers',
    body: { definition: localLayer(`local-${role}-${++seq}`) },
    status: 201,
  }),
  'POST /api/layers/:id/retire': async (role) => {
    const id = `retire-${role}-${++seq}`;
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: localLayer(id) })
      .expect(201);
    return { url: `/api/layers/${id}/retire`, body: { reason: 'roles test' }, status: 200 };
  },
  'DELETE /api/layers/:id': async (role) => {
    const id = `delete-${role}-${++seq}`;
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: localLayer(id) })
      .expect(201);
    return { url: `/api/layers/${id}`, status: 204, ifMatch: await layerEtag(t, id) };
  },
  'PUT /api/layers/:id': async (role) => {
    const id = `redefine-${role}-${++seq}`;
    await t
      .as('gis')
      .post('/api/layers')
      .send({ definition: localLayer(id) })
      .expect(201);
    return {
      url: `/api/layers/${id}`,
      body: { definition: { ...localLayer(id), title: `Redefined by ${role}` } },
      status: 200,
      ifMatch: await layerEtag(t, id),
    };
  },
  'PUT /api/layers/:id/data': async (role) => ({
    url: '/api/layers/roles-fixture/data?filename=fixture.geojson&reference=ref&name=title',
    body: featureCollection(`loaded by ${role} ${++seq}`),
    status: 202,
    ifMatch: '*',
  }),
  'GET /api/authority/boundary': async () => ({ url: '/api/authority/boundary', status: 200 }),
  'GET /api/authority/details': async () => ({ url: '/api/authority/details', status: 200 }),
  'PUT /api/authority/details': async () => ({
    url: '/api/authority/details',
    body: { phone: '020 7525 5403' },
    status: 200,
    ifMatch: (await t.as('admin').get('/api/authority/details').expect(200)).headers.etag as string,
  }),
  // the bundled boundary again (a new version, the same polygon), so the other calls see the same authority
  'PUT /api/authority/boundary': async () => ({
    url: '/api/authority/boundary?filename=southwark.geojson',
    body: JSON.parse(
      fs.readFileSync(
        path.join(repoRoot, 'layers', 'data', 'southwark', 'boundary', 'southwark-borough-coverage.geojson'),
        'utf8',
      ),
    ),
    status: 200,
    ifMatch: '*',
  }),
  'POST /api/constraints/check': async () => ({
    url: '/api/constraints/check',
    body: { site: square(533000, 179000, 10), crs: 'EPSG:27700', layers: ['roles-fixture'] },
    status: 200,
  }),
  'GET /api/cases/:id/constraint-checks': async (role) => ({
    url: `/api/cases/${caseFor(role)}/constraint-checks`,
    status: 200,
  }),
  'POST /api/cases/:id/constraint-checks': async (role) => ({
    url: `/api/cases/${caseFor(role)}/constraint-checks`,
    body: { layers: ['roles-fixture'] },
    status: 201,
  }),
  'GET /api/cases/:id/constraint-checks/:checkId': async (role) => ({
    url: `/api/cases/${caseFor(role)}/constraint-checks/${fx.checks[caseFor(role)]!.checkId}`,
    status: 200,
  }),
  'POST /api/cases/:id/constraint-checks/:checkId/rerun': async (role) => ({
    url: `/api/cases/${caseFor(role)}/constraint-checks/${fx.checks[caseFor(role)]!.checkId}/rerun`,
    status: 201,
  }),
  'GET /api/cases/:id/publicity': async (role) => ({ url: `/api/cases/${caseFor(role)}/publicity`, status: 200 }),
  'POST /api/cases/:id/publicity-events': async (role) => ({
    url: `/api/cases/${fx.appCase}/publicity-events`,
    body: { kind: 'site-notice', date: '2024-03-05', notes: `posted by ${role}`, noticeCount: 1, places: ['gate'] },
    status: 201,
  }),
  'PATCH /api/cases/:id/publicity-events/:eventId': async (role) => ({
    url: `/api/cases/${fx.appCase}/publicity-events/${await siteNotice()}`,
    body: { reason: `corrected by ${role}`, date: '2024-03-06' },
    status: 200,
  }),
  'POST /api/cases/:id/publicity-events/:eventId/void': async (role) => ({
    url: `/api/cases/${fx.appCase}/publicity-events/${await siteNotice()}/void`,
    body: { reason: `voided by ${role}` },
    status: 200,
  }),
  // comments on an application (issue 13 item 2): every role reads them (personal details only for partyRead),
  // application writers publish or reject
  'GET /api/cases/:id/comments': async () => ({ url: `/api/cases/${fx.appCase}/comments`, status: 200 }),
  'PATCH /api/cases/:id/comments/:commentId': async (role) => ({
    url: `/api/cases/${fx.appCase}/comments/${await aComment()}`,
    body: { status: 'published', reason: `published by ${role}` },
    status: 200,
  }),
  'GET /api/cases/:id/maps/:file': async (role) => ({
    url: `/api/cases/${caseFor(role)}/maps/neighbours.png?runId=${fx.runs[caseFor(role)]}`,
    status: 200,
  }),
  'POST /api/maps/:file': async () => ({
    url: '/api/maps/site-location.png',
    body: { site: square(533000, 179000, 30), crs: 'EPSG:27700' },
    status: 200,
  }),
  'POST /api/neighbours/preview': async () => ({
    url: '/api/neighbours/preview',
    body: { site: square(533000, 179000, 30), siteCrs: 'EPSG:27700', selection: { radiusM: 50 } },
    status: 200,
  }),
  'GET /api/cases/:id/notification-runs': async (role) => ({
    url: `/api/cases/${caseFor(role)}/notification-runs`,
    status: 200,
  }),
  'POST /api/cases/:id/notification-runs': async (role) => ({
    url: `/api/cases/${caseFor(role)}/notification-runs`,
    body: { selection: { adjoining: true, radiusM: 50 } },
    status: 201,
  }),
  'GET /api/cases/:id/notification-runs/:runId': async (role) => ({
    url: `/api/cases/${caseFor(role)}/notification-runs/${fx.runs[caseFor(role)]}`,
    status: 200,
  }),
  'GET /api/cases/:id/notification-runs/:runId/recipients.csv': async (role) => ({
    url: `/api/cases/${caseFor(role)}/notification-runs/${fx.runs[caseFor(role)]}/recipients.csv`,
    status: 200,
  }),
  'GET /api/cases/:id/notification-runs/:runId/recipients.geojson': async (role) => ({
    url: `/api/cases/${caseFor(role)}/notification-runs/${fx.runs[caseFor(role)]}/recipients.geojson`,
    status: 200,
  }),
  'PUT /api/addresses/data': async () => ({
    url: '/api/addresses/data?filename=addresses.csv',
    body: addressCsv(5 + ++seq),
    status: 200,
    ifMatch: '*',
  }),
  'GET /api/addresses/data': async () => ({ url: '/api/addresses/data', status: 200 }),
  'GET /api/properties/data': async () => ({ url: '/api/properties/data', status: 200 }),
  'PUT /api/properties/data': async () => ({
    url: `/api/properties/data?filename=outlines.geojson&reference=ref`,
    body: outlines(),
    status: 200,
    ifMatch: '*',
  }),
  'GET /api/document-templates': async () => ({ url: '/api/document-templates', status: 200 }),
  'GET /api/document-templates/:kind': async () => ({ url: '/api/document-templates/site-notice', status: 200 }),
  'PUT /api/document-templates/:kind': async (role) => ({
    url: '/api/document-templates/press-advert',
    body: {
      title: 'Advert {{case.reference}}',
      body: `# Notice\n\n{{case.description}} (saved by ${role} ${++seq})\n`,
    },
    status: 200,
    ifMatch: (await t.as('admin').get('/api/document-templates/press-advert').expect(200)).headers.etag as string,
  }),
  'GET /api/cases/:id/documents': async (role) => ({ url: `/api/cases/${caseFor(role)}/documents`, status: 200 }),
  // site history: the one kind for both kinds of case (letters and notices are for applications)
  'POST /api/cases/:id/documents': async (role) => ({
    url: `/api/cases/${caseFor(role)}/documents`,
    body: { kind: 'site-history', withinM: 10 },
    status: 201,
  }),
  'GET /api/cases/:id/documents/:docId': async (role) => ({
    url: `/api/cases/${caseFor(role)}/documents/${fx.docs[caseFor(role)]}`,
    status: 200,
  }),
  'GET /api/cases/:id/documents/:docId/pdf': async (role) => ({
    url: `/api/cases/${caseFor(role)}/documents/${fx.docs[caseFor(role)]}/pdf`,
    status: 200,
  }),
  // enforcement letters (issue 14 item 3): a PCN cover letter to the unnamed owner or occupier names nobody
  'GET /api/enforcement-letter-templates': async () => ({ url: '/api/enforcement-letter-templates', status: 200 }),
  'GET /api/enforcement-letter-templates/:kind': async () => ({
    url: '/api/enforcement-letter-templates/pcn-cover',
    status: 200,
  }),
  'PUT /api/enforcement-letter-templates/:kind': async () => {
    const cur = (await t.as('admin').get('/api/enforcement-letter-templates/pcn-cover').expect(200)).body.current;
    return {
      url: '/api/enforcement-letter-templates/pcn-cover',
      body: { title: cur.title, body: cur.body, version: cur.version },
      status: 200,
    };
  },
  'GET /api/cases/:id/enforcement-letters': async () => ({
    url: `/api/cases/${fx.enfCase}/enforcement-letters`,
    status: 200,
  }),
  'POST /api/cases/:id/enforcement-letters': async () => ({
    url: `/api/cases/${fx.enfCase}/enforcement-letters`,
    body: { kind: 'pcn-cover', recipient: { addressLines: ['1 Test Street', 'London'] } },
    status: 201,
  }),
  'GET /api/cases/:id/enforcement-letters/:letterId': async () => ({
    url: `/api/cases/${fx.enfCase}/enforcement-letters/${await enforcementLetter()}`,
    status: 200,
  }),
  'GET /api/cases/:id/enforcement-letters/:letterId.pdf': async () => ({
    url: `/api/cases/${fx.enfCase}/enforcement-letters/${await enforcementLetter()}.pdf`,
    status: 200,
  }),
  'PATCH /api/cases/:id/constraint-checks/:checkId/hits/:hitId': async (role) => {
    const c = fx.checks[caseFor(role)]!;
    return {
      url: `/api/cases/${caseFor(role)}/constraint-checks/${c.checkId}/hits/${c.hitId}`,
      body: { decision: 'confirmed', reason: `checked on site by ${role}` },
      status: 200,
    };
  },
  'POST /api/cases/:id/constraint-checks/:checkId/setting-triggers': async (role) => ({
    url: `/api/cases/${caseFor(role)}/constraint-checks/${fx.checks[caseFor(role)]!.checkId}/setting-triggers`,
    body: {
      trigger: 'listed-building-setting',
      description: 'Church tower, 120 m north',
      reason: `seen from the site by ${role}`,
    },
    status: 201,
  }),
};

function send(agent: ReturnType<typeof request> | ReturnType<TestApp['as']>, method: string, call: Call) {
  const m = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  const req = agent[m](call.url);
  if (call.ifMatch) void req.set('If-Match', call.ifMatch);
  return call.body === undefined ? req : req.send(call.body as object);
}

beforeAll(async () => {
  const a = await t.as('officer').post('/api/cases').send(application()).expect(201);
  const e = await t.as('enforcement').post('/api/cases').send(enforcement()).expect(201);
  fx.appCase = a.body.id;
  fx.enfCase = e.body.id;
  await t
    .as('officer')
    .put(`/api/cases/${fx.appCase}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, fx.appCase))
    .send({ geometry: square(533000, 179000, 30) })
    .expect(200);
  await t
    .as('enforcement')
    .put(`/api/cases/${fx.enfCase}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, fx.enfCase))
    .send({ geometry: square(533100, 179000, 30) })
    .expect(200);
  fx.spareUser = (await createUser(t.db, { id: null, username: 'test' }, { username: 'spare.user', role: 'gis' })).id;
  // a local layer with one feature around both case sites, so stored checks have a hit to decide on
  await t
    .as('gis')
    .post('/api/layers')
    .send({ definition: localLayer('roles-fixture') })
    .expect(201);
  await t
    .as('gis')
    .put('/api/layers/roles-fixture/data?filename=fixture.geojson&reference=ref&name=title')
    .set('If-Match', '*')
    .set('Prefer', 'wait=300')
    .send(featureCollection('fixture'))
    .expect(200);
  for (const [id, role] of [
    [fx.appCase, 'officer'],
    [fx.enfCase, 'enforcement'],
  ] as const) {
    const check = await t
      .as(role)
      .post(`/api/cases/${id}/constraint-checks`)
      .send({ layers: ['roles-fixture'] })
      .expect(201);
    fx.checks[id] = { checkId: check.body.id, hitId: check.body.hits[0].id };
  }
  await t
    .as('gis')
    .put('/api/addresses/data?filename=addresses.csv')
    .set('If-Match', '*')
    .send(addressCsv(5))
    .expect(200);
  await t
    .as('gis')
    .put('/api/properties/data?filename=outlines.geojson&reference=ref')
    .set('If-Match', '*')
    .send(outlines())
    .expect(200);
  for (const [id, role] of [
    [fx.appCase, 'officer'],
    [fx.enfCase, 'enforcement'],
  ] as const) {
    fx.runs[id] = (
      await t
        .as(role)
        .post(`/api/cases/${id}/notification-runs`)
        .send({ selection: { radiusM: 50 } })
        .expect(201)
    ).body.id;
  }
  for (const [id, role] of [
    [fx.appCase, 'officer'],
    [fx.enfCase, 'enforcement'],
  ] as const) {
    fx.docs[id] = (
      await t.as(role).post(`/api/cases/${id}/documents`).send({ kind: 'site-history', withinM: 10 }).expect(201)
    ).body.id;
  }
});

describe('the route table read from the app', () => {
  it('holds the staff routes of every module', () => {
    const keys = staffRoutes.map(key);
    for (const k of [
      'GET /api/auth/me',
      'GET /api/cases',
      'PATCH /api/cases/:id',
      'PUT /api/cases/:id/site',
      'POST /api/geometry/validate',
      'DELETE /api/tokens/:id',
      'GET /api/audit',
    ]) {
      expect(keys).toContain(k);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has a request in this file for every staff route (a new route must be added here)', () => {
    expect(staffRoutes.map(key).filter((k) => !(k in CALLS))).toEqual([]);
    expect(Object.keys(CALLS).filter((k) => !staffRoutes.some((r) => key(r) === k))).toEqual([]);
  });

  it('leaves only the public routes without a role check', () => {
    expect(
      routes
        .filter((r) => !r.roles)
        .map(key)
        .sort(),
    ).toEqual(
      [
        'GET /',
        'GET /api/codelists/application-types',
        'GET /api/codelists/cases',
        'GET /api/openapi.json',
        'GET /healthz',
        'GET /login',
        'POST /api/auth/login',
        'POST /api/auth/logout',
        'POST /login',
        'POST /logout',
        // the staff pages: signed in by signedInPage (a redirect to /login, not a 401), roles checked inside
        'GET /cases',
        'GET /cases/new',
        'POST /cases/new',
        'GET /cases/:id',
        'GET /enforcement',
        'GET /layers',
        'GET /layers/:id/retire',
        'POST /layers/:id/retire',
        // the case page's comment form (issue 13): signed in, roles checked inside
        'POST /cases/:id/comments/:commentId',
        // the enforcement letters page (issue 14 item 3): signed in, roles checked inside
        'GET /cases/:id/letters',
        'POST /cases/:id/letters',
        // recording an application's decision (issue 15's returns count it): signed in, roles checked inside
        'GET /cases/:id/decision',
        'POST /cases/:id/decision',
        'GET /cases/:id/agreements',
        'POST /cases/:id/agreements',
        'GET /register/applications/:slug/comment',
        'POST /register/applications/:slug/comment',
        'GET /register/applications/:slug/comment/sent',
        // the public planning register (issue 13): no account
        'GET /register',
        'GET /register/near-me',
        'GET /register/applications/:slug',
        'GET /register/applications/:slug/decision-notice.pdf',
        'GET /register/lists/weekly',
        'GET /register/lists/monthly',
        'GET /api/public/applications',
        'GET /api/public/applications.geojson',
        // planning.data.gov.uk exports of the published register (issue 15 item 2): no account
        'GET /register/data/planning-application.csv',
        'GET /register/data/planning-application.geojson',
        'GET /api/public/applications/:slug',
        'GET /api/public/tiles/:grid.json',
        'GET /api/public/tiles/:grid/:version/:z/:x/:y.mvt',
        // alerts (issue 13): subscribe, confirm and unsubscribe by the token in the email, no account
        'GET /register/alerts',
        'POST /register/alerts',
        'GET /register/alerts/confirm/:token',
        'POST /register/alerts/confirm/:token',
        'GET /register/alerts/unsubscribe/:token',
        'POST /register/alerts/unsubscribe/:token',
        // the statistics and weekly list pages (issue 15): signed in by signedInPage, roles checked inside
        'GET /staff/statistics',
        'GET /staff/weekly-list',
        // OGC API – Features (issue 15 item 1): public collections with no account; staff collections check the
        // caller inside (401 without a token or session)
        'GET /ogc',
        'GET /ogc/conformance',
        'GET /ogc/api',
        'GET /ogc/collections',
        'GET /ogc/collections/:collectionId',
        'GET /ogc/collections/:collectionId/queryables',
        'GET /ogc/collections/:collectionId/items',
        'GET /ogc/collections/:collectionId/items/:featureId',
      ].sort(),
    );
  });

  it('declares admin only for accounts, tokens and the audit log', () => {
    const admin = staffRoutes.filter((r) => /^\/api\/(users|tokens|audit)/.test(r.path));
    expect(admin.length).toBe(7);
    for (const r of admin) expect(r.roles, key(r)).toEqual(['admin']);
  });

  it('declares every staff role for reading cases and checking geometry, and the four writing roles for changing cases', () => {
    const deciding = '/api/cases/:id/constraint-checks/:checkId/hits/:hitId';
    expect([...staffRoutes.find((x) => x.path === deciding)!.roles].sort()).toEqual([
      'admin',
      'enforcement',
      'officer',
    ]);
    // an officer's reg 5A setting trigger (issue 11 item 4): the same judgement as a hit decision
    const settingTriggers = '/api/cases/:id/constraint-checks/:checkId/setting-triggers';
    expect([...staffRoutes.find((x) => x.path === settingTriggers)!.roles].sort()).toEqual([
      'admin',
      'enforcement',
      'officer',
    ]);
    const publicity = '/api/cases/:id/publicity-events';
    const isPublicity = (path: string) => path === publicity || path.startsWith(`${publicity}/`);
    for (const r of staffRoutes.filter((x) => isPublicity(x.path)))
      expect([...r.roles].sort(), key(r)).toEqual(['admin', 'officer', 'support']);
    // publishing a comment (issue 13 item 2): application writers
    const commenting = '/api/cases/:id/comments/:commentId';
    expect([...staffRoutes.find((x) => x.path === commenting)!.roles].sort()).toEqual(['admin', 'officer', 'support']);
    // an enforcement case's location (issue 11 item 7b): only enforcement cases have one
    const locating = '/api/cases/:id/location';
    expect([...staffRoutes.find((x) => x.path === locating)!.roles].sort()).toEqual([
      'admin',
      'enforcement',
      'support',
    ]);
    // enforcement letters (issue 14 item 3): enforcement officers and admins write them
    const letters = '/api/cases/:id/enforcement-letters';
    expect([...staffRoutes.find((x) => x.method === 'POST' && x.path === letters)!.roles].sort()).toEqual([
      'admin',
      'enforcement',
    ]);
    for (const r of staffRoutes.filter(
      (x) =>
        (x.path.startsWith('/api/cases') &&
          x.path !== deciding &&
          x.path !== settingTriggers &&
          x.path !== locating &&
          x.path !== commenting &&
          !(x.method === 'POST' && x.path === letters) &&
          !isPublicity(x.path)) ||
        x.path.startsWith('/api/geometry') ||
        x.path === '/api/constraints/check' ||
        x.path === '/api/auth/me',
    )) {
      const expected =
        r.method === 'GET' ||
        r.path === '/api/geometry/validate' ||
        r.path === '/api/geometry/convert' ||
        r.path === '/api/constraints/check'
          ? [...PERMISSIONS.caseRead]
          : [...PERMISSIONS.caseWrite];
      expect([...r.roles].sort(), key(r)).toEqual([...expected].sort());
    }
  });
});

/** The permission (shared/roles.ts) each staff route is declared with. */
const NEEDS: Record<string, Permission> = {
  'GET /api/auth/me': 'signedIn',
  'GET /api/cases': 'caseRead',
  'GET /api/statistics/ps2': 'caseRead',
  'GET /api/statistics/ps1': 'caseRead',
  'GET /api/statistics/designation': 'caseRead',
  'GET /api/statistics/ps2.csv': 'caseRead',
  'GET /api/statistics/ps1.csv': 'caseRead',
  'GET /api/statistics/designation.csv': 'caseRead',
  'GET /api/reports/weekly-list': 'caseRead',
  'GET /api/reports/weekly-list.csv': 'caseRead',
  'GET /api/reports/weekly-list.pdf': 'caseRead',
  'GET /api/reports/weekly-list.json': 'caseRead',
  'POST /api/cases': 'caseWrite',
  'POST /api/imports/odp': 'applicationWrite',
  'GET /api/cases/:id': 'caseRead',
  'PATCH /api/cases/:id': 'caseWrite',
  'GET /api/cases/:id/site': 'caseRead',
  'PUT /api/cases/:id/site': 'caseWrite',
  'PUT /api/cases/:id/location': 'enforcementWrite',
  'GET /api/cases/:id/site/versions': 'caseRead',
  'GET /api/cases/:id/nearby': 'caseRead',
  'POST /api/geometry/validate': 'geometryCheck',
  'POST /api/geometry/convert': 'geometryCheck',
  'GET /api/places': 'referenceRead',
  'GET /api/users': 'userAdmin',
  'GET /api/users/:id': 'userAdmin',
  'POST /api/users': 'userAdmin',
  'PATCH /api/users/:id': 'userAdmin',
  'POST /api/users/:id/tokens': 'userAdmin',
  'DELETE /api/tokens/:id': 'userAdmin',
  'GET /api/audit': 'auditRead',
  'GET /api/layers': 'referenceRead',
  'GET /api/layers/:id': 'referenceRead',
  'PUT /api/layers/:id': 'layerAdmin',
  'GET /api/tiles': 'referenceRead',
  'GET /api/tiles/:layer/:z/:x/:y.mvt': 'referenceRead',
  'GET /api/features': 'referenceRead',
  'GET /api/properties/at': 'referenceRead',
  'GET /api/basemap': 'referenceRead',
  'GET /api/basemap/:style/:z/:x/:y.png': 'referenceRead',
  'GET /api/jobs': 'referenceRead',
  'GET /api/jobs/:id': 'referenceRead',
  'POST /api/layers': 'layerAdmin',
  'PUT /api/layers/:id/data': 'layerAdmin',
  'GET /api/authority/boundary': 'referenceRead',
  'PUT /api/authority/boundary': 'layerAdmin',
  'GET /api/authority/details': 'templateAdmin',
  'PUT /api/authority/details': 'templateAdmin',
  'POST /api/layers/:id/retire': 'layerAdmin',
  'DELETE /api/layers/:id': 'layerAdmin',
  'POST /api/constraints/check': 'geometryCheck',
  'GET /api/cases/:id/constraint-checks': 'caseRead',
  'POST /api/cases/:id/constraint-checks': 'caseWrite',
  'GET /api/cases/:id/constraint-checks/:checkId': 'caseRead',
  'POST /api/cases/:id/constraint-checks/:checkId/rerun': 'caseWrite',
  'PATCH /api/cases/:id/constraint-checks/:checkId/hits/:hitId': 'hitDecide',
  'POST /api/cases/:id/constraint-checks/:checkId/setting-triggers': 'hitDecide',
  'POST /api/neighbours/preview': 'geometryCheck',
  'GET /api/cases/:id/notification-runs': 'caseRead',
  'POST /api/cases/:id/notification-runs': 'caseWrite',
  'GET /api/cases/:id/notification-runs/:runId': 'caseRead',
  'GET /api/cases/:id/notification-runs/:runId/recipients.csv': 'caseRead',
  'GET /api/cases/:id/notification-runs/:runId/recipients.geojson': 'caseRead',
  'PUT /api/addresses/data': 'addressAdmin',
  'GET /api/addresses/data': 'addressAdmin',
  'GET /api/properties/data': 'addressAdmin',
  'PUT /api/properties/data': 'addressAdmin',
  'GET /api/cases/:id/publicity': 'caseRead',
  'POST /api/cases/:id/publicity-events': 'publicityWrite',
  'PATCH /api/cases/:id/publicity-events/:eventId': 'publicityWrite',
  'POST /api/cases/:id/publicity-events/:eventId/void': 'publicityWrite',
  'GET /api/cases/:id/comments': 'caseRead',
  'PATCH /api/cases/:id/comments/:commentId': 'applicationWrite',
  'GET /api/cases/:id/maps/:file': 'caseRead',
  'POST /api/maps/:file': 'geometryCheck',
  'GET /api/document-templates': 'referenceRead',
  'GET /api/document-templates/:kind': 'referenceRead',
  'PUT /api/document-templates/:kind': 'templateAdmin',
  'GET /api/cases/:id/documents': 'caseRead',
  'POST /api/cases/:id/documents': 'caseWrite',
  'GET /api/cases/:id/documents/:docId': 'caseRead',
  'GET /api/cases/:id/documents/:docId/pdf': 'caseRead',
  'GET /api/enforcement-letter-templates': 'referenceRead',
  'GET /api/enforcement-letter-templates/:kind': 'referenceRead',
  'PUT /api/enforcement-letter-templates/:kind': 'templateAdmin',
  'GET /api/cases/:id/enforcement-letters': 'caseRead',
  'POST /api/cases/:id/enforcement-letters': 'enforcementLetterWrite',
  'GET /api/cases/:id/enforcement-letters/:letterId': 'caseRead',
  'GET /api/cases/:id/enforcement-letters/:letterId.pdf': 'caseRead',
};

describe('the roles in shared/roles.ts', () => {
  it('gives each permission the roles the README describes', () => {
    const sorted = (p: Permission) => [...PERMISSIONS[p]].sort();
    expect([...ROLES].sort()).toEqual(['admin', 'enforcement', 'gis', 'officer', 'support']);
    for (const p of ['signedIn', 'caseRead', 'geometryCheck', 'referenceRead'] as const)
      expect(sorted(p), p).toEqual([...ROLES].sort());
    expect(sorted('caseWrite')).toEqual(['admin', 'enforcement', 'officer', 'support']);
    expect(sorted('applicationWrite')).toEqual(['admin', 'officer', 'support']);
    expect(sorted('enforcementWrite')).toEqual(['admin', 'enforcement', 'support']);
    expect(sorted('publicityWrite')).toEqual(['admin', 'officer', 'support']);
    expect(sorted('hitDecide')).toEqual(['admin', 'enforcement', 'officer']);
    // personal details: every staff role but gis
    expect(sorted('partyRead')).toEqual(['admin', 'enforcement', 'officer', 'support']);
    expect(sorted('layerAdmin')).toEqual(['admin', 'gis']);
    expect(sorted('addressAdmin')).toEqual(['admin', 'gis']);
    expect(sorted('enforcementLetterWrite')).toEqual(['admin', 'enforcement']);
    for (const p of ['templateAdmin', 'userAdmin', 'auditRead'] as const) expect(sorted(p), p).toEqual(['admin']);
  });

  it('declares each staff route with exactly the roles of its permission, in their order', () => {
    expect(Object.keys(NEEDS).sort()).toEqual(staffRoutes.map(key).sort());
    for (const r of staffRoutes) expect(r.roles, key(r)).toEqual([...PERMISSIONS[NEEDS[key(r)]!]]);
  });
});

describe.each(staffRoutes.map((r) => [key(r), r] as const))('%s', (_name, route) => {
  const forbidden = ROLES.filter((r) => !route.roles.includes(r));
  const allowed = ROLES.filter((r) => route.roles.includes(r));

  it('answers 401 AUTHENTICATION_REQUIRED to an anonymous request and changes nothing', async () => {
    const call = await CALLS[key(route)]!(route.roles[0]!);
    const before = await auditCount();
    const res = await send(t.anon, route.method, call);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
    expect(await auditCount()).toBe(before);
  });

  if (forbidden.length > 0) {
    it.each(forbidden)('answers 403 FORBIDDEN to the %s role and changes nothing', async (role) => {
      const call = await CALLS[key(route)]!(role);
      const before = await auditCount();
      const res = await send(t.as(role), route.method, call);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      expect(res.body.error.details).toEqual({ required: route.roles, role });
      expect(await auditCount()).toBe(before);
    });
  }

  it.each(allowed)('lets the %s role through', async (role) => {
    const call = await CALLS[key(route)]!(role);
    const res = await send(t.as(role), route.method, call);
    expect([401, 403]).not.toContain(res.status);
    expect(res.status, JSON.stringify(res.body)).toBe(call.status);
  });
});

describe('rules that depend on the kind of case', () => {
  it('forbids the officer role to register an enforcement case', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .send(enforcement({ reference: 'KIND/1' }))
      .expect(403);
    expect(res.body.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { required: ['admin', 'support', 'enforcement'], role: 'officer' },
    });
    expect(await t.db('case_record').where({ reference: 'KIND/1' }).first()).toBeUndefined();
  });

  it('forbids the officer role to change an enforcement case or its site', async () => {
    const version = await caseVersion(fx.enfCase);
    const patch = await t
      .as('officer')
      .patch(`/api/cases/${fx.enfCase}`)
      .send({ version, status: 'closed' })
      .expect(403);
    expect(patch.body.error.code).toBe('FORBIDDEN');
    const site = await t
      .as('officer')
      .put(`/api/cases/${fx.enfCase}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, fx.enfCase))
      .send({ geometry: square(533100, 179000, 5) })
      .expect(403);
    expect(site.body.error.code).toBe('FORBIDDEN');
    expect(await caseVersion(fx.enfCase)).toBe(version);
  });

  it('forbids the enforcement role to register a planning application', async () => {
    const res = await t
      .as('enforcement')
      .post('/api/cases')
      .send(application({ reference: 'KIND/2' }))
      .expect(403);
    expect(res.body.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { required: ['admin', 'support', 'officer'], role: 'enforcement' },
    });
    expect(await t.db('case_record').where({ reference: 'KIND/2' }).first()).toBeUndefined();
  });

  it('forbids the enforcement role to change a planning application or its site', async () => {
    const version = await caseVersion(fx.appCase);
    expect(
      (await t.as('enforcement').patch(`/api/cases/${fx.appCase}`).send({ version, status: 'withdrawn' }).expect(403))
        .body.error.code,
    ).toBe('FORBIDDEN');
    expect(
      (
        await t
          .as('enforcement')
          .put(`/api/cases/${fx.appCase}/site?crs=EPSG:27700`)
          .set('If-Match', await caseEtag(t, fx.appCase))
          .send({ geometry: square(533000, 179000, 5) })
          .expect(403)
      ).body.error.code,
    ).toBe('FORBIDDEN');
    expect(await caseVersion(fx.appCase)).toBe(version);
  });

  it.each(['admin', 'support'] as const)('lets the %s role register and change both kinds', async (role) => {
    for (const body of [application(), enforcement()]) {
      const c = await t.as(role).post('/api/cases').send(body).expect(201);
      await t
        .as(role)
        .patch(`/api/cases/${c.body.id}`)
        .set('If-Match', '"v1"')
        .send({ description: 'Changed' })
        .expect(200);
    }
  });

  it('lets every role read both kinds', async () => {
    for (const role of ROLES) {
      await t.as(role).get(`/api/cases/${fx.appCase}`).expect(200);
      await t.as(role).get(`/api/cases/${fx.enfCase}`).expect(200);
    }
  });
});

describe('API tokens', () => {
  async function userWithToken(role: Role) {
    const user = await createUser(t.db, { id: null, username: 'test' }, { username: `tok.${role}.${++seq}`, role });
    const { id, token } = await createToken(t.db, { id: null, username: 'test' }, user.id, 'tests');
    return { user, tokenId: id, token };
  }
  const me = (token: string) => t.anon.get('/api/auth/me').set('Authorization', `Bearer ${token}`);

  it('refuses a revoked token with 401 INVALID_CREDENTIALS', async () => {
    const { token, tokenId, user } = await userWithToken('officer');
    expect((await me(token).expect(200)).body.user.username).toBe(user.username);
    await t.as('admin').delete(`/api/tokens/${tokenId}`).expect(204);
    expect((await me(token).expect(401)).body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await t.anon.get('/api/cases').set('Authorization', `Bearer ${token}`).expect(401)).body.error.code).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('refuses to revoke a token twice (404 NOT_FOUND)', async () => {
    const { tokenId } = await userWithToken('gis');
    await t.as('admin').delete(`/api/tokens/${tokenId}`).expect(204);
    expect((await t.as('admin').delete(`/api/tokens/${tokenId}`).expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  it("refuses a disabled user's token with 401, and accepts it again once the user is enabled", async () => {
    const { token, user } = await userWithToken('support');
    await me(token).expect(200);
    await t
      .as('admin')
      .patch(`/api/users/${user.id}`)
      .set('If-Match', await userEtag(t, user.id))
      .send({ disabled: true })
      .expect(200);
    expect((await me(token).expect(401)).body.error.code).toBe('INVALID_CREDENTIALS');
    await t
      .as('admin')
      .patch(`/api/users/${user.id}`)
      .set('If-Match', await userEtag(t, user.id))
      .send({ disabled: false })
      .expect(200);
    await me(token).expect(200);
  });

  it("applies a change of role to the user's token at once", async () => {
    const { token, user } = await userWithToken('admin');
    await t.anon.get('/api/users').set('Authorization', `Bearer ${token}`).expect(200);
    await t
      .as('admin')
      .patch(`/api/users/${user.id}`)
      .set('If-Match', await userEtag(t, user.id))
      .send({ role: 'gis' })
      .expect(200);
    expect((await t.anon.get('/api/users').set('Authorization', `Bearer ${token}`).expect(403)).body.error.code).toBe(
      'FORBIDDEN',
    );
  });

  it.each([
    ['an unknown token', 'Bearer rl_not-a-real-token'],
    ['a bearer header without a token', 'Bearer '],
    ['another scheme', 'Basic b2ZmaWNlci51c2VyOnBhc3N3b3Jk'],
  ])('refuses %s with 401 INVALID_CREDENTIALS', async (_what, header) => {
    const res = await t.anon.get('/api/auth/me').set('Authorization', header).expect(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('session sign-in', () => {
  const cookieOf = (res: request.Response) =>
    ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('redline.sid='));

  it('signs in with username and password, sets an HttpOnly SameSite=Strict cookie, and /api/auth/me answers with the user', async () => {
    const agent = request.agent(t.app);
    const res = await agent
      .post('/api/auth/login')
      .send({ username: 'officer.user', password: 'officer-password-123' })
      .expect(200);
    expect(res.body.user).toMatchObject({ username: 'officer.user', role: 'officer', disabled: false });
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/i);
    const cookie = cookieOf(res);
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const me = await agent.get('/api/auth/me').expect(200);
    expect(me.body.user).toMatchObject({ username: 'officer.user', role: 'officer' });
  });

  it('takes the username in any case', async () => {
    const agent = request.agent(t.app);
    await agent
      .post('/api/auth/login')
      .send({ username: 'Officer.User', password: 'officer-password-123' })
      .expect(200);
    await agent.get('/api/auth/me').expect(200);
  });

  it("checks the session user's role on each route", async () => {
    const agent = request.agent(t.app);
    await agent.post('/api/auth/login').send({ username: 'gis.user', password: 'gis-password-123' }).expect(200);
    await agent.get('/api/cases').expect(200);
    expect((await agent.post('/api/cases').send(application()).expect(403)).body.error.code).toBe('FORBIDDEN');
    expect((await agent.get('/api/users').expect(403)).body.error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['a wrong password', { username: 'officer.user', password: 'officer-password-124' }],
    ['an unknown username', { username: 'nobody.at.all', password: 'officer-password-123' }],
    ["another user's password", { username: 'admin.user', password: 'officer-password-123' }],
  ])('refuses %s with 401 INVALID_CREDENTIALS and no session', async (_what, body) => {
    const agent = request.agent(t.app);
    const res = await agent.post('/api/auth/login').send(body).expect(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
    expect(cookieOf(res)).toBeUndefined();
    expect((await agent.get('/api/auth/me').expect(401)).body.error.code).toBe('AUTHENTICATION_REQUIRED');
  });

  it('refuses a token-only account (no password) with 401', async () => {
    await createUser(t.db, { id: null, username: 'test' }, { username: 'script.only', role: 'gis' });
    const res = await t.anon
      .post('/api/auth/login')
      .send({ username: 'script.only', password: 'anything-at-all' })
      .expect(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a login without a password with 400 VALIDATION_FAILED', async () => {
    const res = await t.anon.post('/api/auth/login').send({ username: 'officer.user' }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('ends the session on logout: the same cookie is then anonymous', async () => {
    const agent = request.agent(t.app);
    const login = await agent
      .post('/api/auth/login')
      .send({ username: 'support.user', password: 'support-password-123' })
      .expect(200);
    const cookie = cookieOf(login)!.split(';')[0]!;
    await agent.get('/api/auth/me').expect(200);
    await agent.post('/api/auth/logout').expect(204);
    expect((await agent.get('/api/auth/me').expect(401)).body.error.code).toBe('AUTHENTICATION_REQUIRED');
    // the old cookie, replayed by someone who kept it, is no longer a session
    expect((await t.anon.get('/api/auth/me').set('Cookie', cookie).expect(401)).body.error.code).toBe(
      'AUTHENTICATION_REQUIRED',
    );
  });

  it('refuses a disabled user at sign-in, and ends the sessions of a user who is disabled', async () => {
    const user = await createUser(
      t.db,
      { id: null, username: 'test' },
      { username: 'soon.disabled', role: 'officer', password: 'soon-disabled-password' },
    );
    const agent = request.agent(t.app);
    await agent
      .post('/api/auth/login')
      .send({ username: 'soon.disabled', password: 'soon-disabled-password' })
      .expect(200);
    await agent.get('/api/auth/me').expect(200);
    await t
      .as('admin')
      .patch(`/api/users/${user.id}`)
      .set('If-Match', await userEtag(t, user.id))
      .send({ disabled: true })
      .expect(200);
    expect((await agent.get('/api/auth/me').expect(401)).body.error.code).toBe('AUTHENTICATION_REQUIRED');
    const again = await request
      .agent(t.app)
      .post('/api/auth/login')
      .send({ username: 'soon.disabled', password: 'soon-disabled-password' })
      .expect(401);
    expect(again.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('signs in with a password an admin set', async () => {
    const created = await t
      .as('admin')
      .post('/api/users')
      .send({ username: 'new.officer', role: 'officer', password: 'a-long-enough-password' })
      .expect(201);
    expect(created.body).not.toHaveProperty('password');
    await t.anon
      .post('/api/auth/login')
      .send({ username: 'new.officer', password: 'a-long-enough-password' })
      .expect(200);
  });
});

describe('sign-in rate limit', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '3' });
  });
  afterAll(async () => {
    await limited.closeApp();
  });

  it('answers 429 RATE_LIMITED after the limit, even to the right password', async () => {
    for (let i = 0; i < 3; i++) {
      await limited.anon
        .post('/api/auth/login')
        .send({ username: 'officer.user', password: 'wrong-password-000' })
        .expect(401);
    }
    const res = await limited.anon
      .post('/api/auth/login')
      .send({ username: 'officer.user', password: 'officer-password-123' })
      .expect(429);
    expect(res.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String), details: null } });
  });
});
