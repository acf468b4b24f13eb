/**
 * Every route the app serves, walked with bad input (issue 16 item 3): NUL characters and lone surrogates, dates in
 * year 0000 and -0001, a 20 MB body, JSON nested 10,000 deep, 3D and 4D coordinates, wrong types, huge numbers, an
 * empty body, path parameters such as `../`, `%00` and very long ids, bad query values; as the admin (a bearer token
 * on /api, a signed-in session with its form token on the pages) and anonymously. No answer may be a 5xx, and none
 * may hold a server file path, a stack trace, SQL or a GDAL driver list. The routes are read from the app's own
 * router (so a new route is walked without editing this file) and their number is checked, so that one cannot be
 * missed silently. The counts (requests, status classes) are printed at the end.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/http/cross-site.ts';
import { openApiDocument } from '../../server/http/openapi.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listRoutes, type RouteInfo } from '../helpers/routes.ts';
import { BODY_MUTATIONS, PATH_VALUES, QUERY_VALUES, leakIn, rawBodies, twentyMegabytes } from '../helpers/fuzz.ts';

/** The routes the app serves today, outside the modules being built (below). A new route changes this number:
 *  look at it, and bump it (the walker already covers the route generically; give it a valid body below if it
 *  takes one). */
const EXPECTED_ROUTES = 146;
/** Modules being built at the same time as this test: their routes are walked and their 5xx reported in the summary,
 *  but not failed on, until they are finished. Empty now (OGC API, interchange and statistics are done). */
const IN_PROGRESS: RegExp[] = [];

/** Routes that cost a password hash, a sign-out or a GDAL run per request: a rotating sample of the corpus. */
const SLOW = /\/(login|logout)$|^\/api\/authority\/boundary$|^\/api\/geometry\/convert$|\/data$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const t: TestApp = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '100000' });
afterAll(async () => {
  await t.closeApp();
});

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
const fx = { app: 0, enf: 0, user: 0, check: 0, hit: 0, run: 0, doc: 0, letter: 0, event: 0, comment: 0, slug: '' };

/** A valid body for each route that takes one (the mutations start from it). */
function validBody(key: string): Json | undefined {
  const geom = square(533000, 179000, 20) as unknown as Json;
  const bodies: Record<string, Json> = {
    'POST /api/cases': {
      kind: 'application',
      applicationType: 'full',
      description: 'Fuzz case',
      receivedDate: '2024-03-01',
      validDate: '2024-03-02',
      targetDate: '2024-05-01',
      parties: [{ role: 'applicant', name: 'A Person', address: '1 High St', postcode: 'SE1 1AA' }],
      development: { dwellings: 2, floorspaceM2: 120.5, eia: false },
      extensionsOfTime: [{ agreedOn: '2024-04-01', newTargetDate: '2024-06-01', reason: 'more time' }],
    },
    'PATCH /api/cases/:id': { version: 1, description: 'Edited', targetDate: '2024-06-01', status: 'valid' },
    'PUT /api/cases/:id/site': { geometry: geom },
    'PUT /api/cases/:id/location': { geometry: { type: 'Point', coordinates: [533010, 179010] } },
    'POST /api/geometry/validate': { geometry: geom },
    'POST /api/geometry/convert': {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: {}, geometry: geom }],
    },
    'POST /api/users': { username: 'fuzz.user', role: 'gis', displayName: 'Fuzz' },
    'PATCH /api/users/:id': { displayName: 'Renamed', role: 'gis' },
    'POST /api/users/:id/tokens': { name: 'script' },
    'POST /api/auth/login': { username: 'nobody', password: 'wrong-password-1' },
    'PUT /api/authority/details': { phone: '020 7525 5403', email: 'planning@example.org' },
    'POST /api/layers': {
      definition: {
        id: 'fuzz-layer',
        title: 'Fuzz layer',
        category: 'local',
        dataset: null,
        geometryKind: 'polygon',
        rule: { kind: 'within', distanceM: 20 },
        ruleReason: 'A test layer.',
        report: { positive: '{name} is {where}.', negative: 'Nothing within 20 m.' },
        style: { 'stroke-color': '#000000' },
        public: false,
        provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
      },
    },
    'POST /api/layers/:id/retire': { reason: 'fuzz' },
    'PUT /api/layers/:id/data': {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { ref: 'R1' }, geometry: geom }],
    },
    'PUT /api/properties/data': {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { ref: 'P1' }, geometry: geom }],
    },
    'PUT /api/authority/boundary': {
      type: 'Feature',
      properties: {},
      geometry: square(500000, 100000, 100000) as never,
    },
    'POST /api/constraints/check': { site: geom, crs: 'EPSG:27700', layers: ['conservation-area'] },
    'POST /api/cases/:id/constraint-checks': { layers: ['conservation-area'] },
    'PATCH /api/cases/:id/constraint-checks/:checkId/hits/:hitId': { decision: 'confirmed', reason: 'seen' },
    'POST /api/cases/:id/constraint-checks/:checkId/setting-triggers': {
      trigger: 'listed-building-setting',
      description: 'Church tower',
      reason: 'seen',
    },
    'POST /api/neighbours/preview': { site: geom, siteCrs: 'EPSG:27700', selection: { radiusM: 50, adjoining: true } },
    'POST /api/cases/:id/notification-runs': { selection: { adjoining: true, radiusM: 50 } },
    'POST /api/cases/:id/publicity-events': {
      kind: 'site-notice',
      date: '2024-03-05',
      noticeCount: 1,
      places: ['gate'],
      notes: 'posted',
    },
    'PATCH /api/cases/:id/publicity-events/:eventId': { reason: 'corrected', date: '2024-03-06' },
    'POST /api/cases/:id/publicity-events/:eventId/void': { reason: 'voided' },
    'PATCH /api/cases/:id/comments/:commentId': { status: 'published', reason: 'fine' },
    'POST /api/maps/:file': { site: geom, crs: 'EPSG:27700' },
    'PUT /api/document-templates/:kind': {
      title: 'Advert {{case.reference}}',
      body: '# Notice\n\n{{case.description}}\n',
    },
    'POST /api/cases/:id/documents': { kind: 'site-history', withinM: 10 },
    'PUT /api/enforcement-letter-templates/:kind': { title: 'PCN', body: 'Dear {{recipient}}', version: 1 },
    'POST /api/cases/:id/enforcement-letters': {
      kind: 'pcn-cover',
      recipient: { addressLines: ['1 Test Street', 'London'] },
    },
    // the HTML forms (sent as JSON here: the mutations need its types; the form encoding is walked too)
    'POST /login': { username: 'nobody', password: 'wrong-password-1' },
    'POST /cases/new': {
      kind: 'application',
      applicationType: 'full',
      description: 'Form case',
      receivedDate: '2024-03-01',
    },
    'POST /layers/:id/retire': { reason: 'fuzz', confirm: 'yes' },
    'POST /cases/:id/letters': { kind: 'pcn-cover', recipient: '1 Test Street' },
    'POST /cases/:id/decision': {
      version: '1',
      decision: 'granted',
      'decisionDate-day': '1',
      'decisionDate-month': '3',
      'decisionDate-year': '2024',
      decisionMaker: 'delegated',
    },
    'POST /cases/:id/agreements': {
      version: '1',
      action: 'appeal',
      'appealLodgedOn-day': '1',
      'appealLodgedOn-month': '3',
      'appealLodgedOn-year': '2024',
      appealType: 'refusal',
    },
    'POST /register/alerts': { email: 'a@example.org', near: 'SE1 1AA', radius: '500' },
    'POST /register/applications/:slug/comment': {
      name: 'A Person',
      address: '1 High St',
      postcode: 'SE1 1AA',
      email: 'a@example.org',
      stance: 'object',
      text: 'A comment',
    },
    'POST /cases/:id/comments/:commentId': { status: 'published', reason: 'fine' },
  };
  return bodies[key];
}

/** The valid value of each path parameter (fixtures made in beforeAll). Ids on DELETE and token routes are never
 *  the admin's own: the walker must not revoke the token it walks with. */
function validParam(name: string, r: RouteInfo): string {
  const v: Record<string, string | number> = {
    id: r.path.startsWith('/api/users')
      ? fx.user
      : r.path.startsWith('/api/tokens')
        ? 999999
        : r.path.includes('layers')
          ? 'conservation-area'
          : r.path.includes('jobs')
            ? 1
            : fx.app,
    checkId: fx.check,
    hitId: fx.hit,
    runId: fx.run,
    docId: fx.doc,
    letterId: fx.letter,
    eventId: fx.event,
    commentId: fx.comment,
    slug: fx.slug,
    token: 'not-a-token',
    kind: r.path.includes('enforcement-letter') ? 'pcn-cover' : 'site-notice',
    file: r.path.startsWith('/api/maps') ? 'site-location.png' : 'site-location.png',
    layer: 'properties',
    grid: 'os27700',
    collectionId: 'conservation-area',
    featureId: 1,
    version: 1,
    style: 'Road_27700',
    z: 3,
    x: 3,
    y: 5,
  };
  if (r.path.includes('enforcement-letters') && name === 'id') return String(fx.enf);
  if (r.method === 'DELETE') return name === 'id' && r.path.includes('layers') ? 'no-such-layer' : '999999';
  if (!(name in v) && IN_PROGRESS.some((re) => re.test(r.path))) return '1';
  if (!(name in v)) throw new Error(`The fuzz walker does not know path parameter :${name} of ${r.method} ${r.path}`);
  return String(v[name]);
}

const paramsOf = (path: string) => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
const fill = (r: RouteInfo, over: Record<string, string> = {}) =>
  r.path.replace(/:([A-Za-z0-9_]+)/g, (_, n: string) => over[n] ?? encodeURIComponent(validParam(n, r)));

/** The query parameters OpenAPI documents for the route (a few usual ones where it documents none). */
function queryParams(r: RouteInfo): string[] {
  const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const item = (
    openApiDocument.paths as unknown as Record<
      string,
      Record<string, { parameters?: ReadonlyArray<{ in: string; name: string }> }>
    >
  )[path];
  const op = item?.[r.method.toLowerCase()];
  const names = (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  return names.length ? names : ['q', 'crs', 'page'];
}

interface Outcome {
  route: string;
  what: string;
  who: string;
  status: number;
  body: string;
}
const outcomes: Outcome[] = [];
const failures: string[] = [];

let sessionAgent: ReturnType<typeof request.agent>;
let formToken = '';
async function signIn() {
  sessionAgent = request.agent(t.app);
  const res = await sessionAgent
    .post('/api/auth/login')
    .send({ username: 'admin.user', password: 'admin-password-123' })
    .expect(200);
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('redline.sid='));
  const signed = decodeURIComponent(cookie!.split(';')[0]!.slice('redline.sid='.length));
  const sid = signed.slice(2, signed.lastIndexOf('.'));
  formToken = csrfToken('x'.repeat(40), sid);
}

type Who = 'admin' | 'anon';
interface Send {
  url: string;
  json?: string;
  form?: Record<string, string>;
  type?: string;
}

async function hit(r: RouteInfo, who: Who, what: string, s: Send, inProgress: boolean) {
  const api = r.path.startsWith('/api/');
  const m = r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  const base = who === 'anon' ? request(t.app) : api ? null : sessionAgent;
  let req: request.Test = base ? base[m](s.url) : t.as('admin')[m](s.url);
  if (s.json !== undefined) req = req.set('Content-Type', s.type ?? 'application/json').send(s.json);
  else if (s.form) {
    const form = who === 'admin' && !api ? { ...s.form, _csrf: formToken } : s.form;
    req = req.type('form').send(form);
  }
  let res: request.Response;
  try {
    res = await req;
  } catch (e) {
    // the server closed the connection while a 20 MB body was still being sent: it answered, so not a 5xx
    const err = e as { code?: string };
    if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
    throw e;
  }
  const text = /json|text|html|csv|xml/.test(res.headers['content-type'] ?? '') ? res.text : '';
  const o = { route: `${r.method} ${r.path}`, what, who, status: res.status, body: text.slice(0, 400) };
  outcomes.push(o);
  const leak = res.status === 200 && r.path === '/api/openapi.json' ? null : leakIn(text);
  const tag = inProgress ? '[in progress, not failed] ' : '';
  if (res.status >= 500)
    failures.push(`${tag}${o.route} ${who} ${what} (${s.url.slice(0, 120)}) → ${res.status} ${o.body}`);
  else if (leak)
    failures.push(`${tag}${o.route} ${who} ${what} (${s.url.slice(0, 120)}) → ${res.status} leaks ${leak}`);
}

beforeAll(async () => {
  const app = await t
    .as('admin')
    .post('/api/cases')
    .send(validBody('POST /api/cases') as object)
    .expect(201);
  fx.app = app.body.id;
  fx.slug = String(app.body.reference).replace(/\//g, '-');
  const enf = await t
    .as('admin')
    .post('/api/cases')
    .send({ kind: 'enforcement', breachType: 'untidy-land', description: 'Garden', receivedDate: '2024-03-01' })
    .expect(201);
  fx.enf = enf.body.id;
  for (const id of [fx.app, fx.enf])
    await t
      .as('admin')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .send({ geometry: square(533000, 179000, 30) });
  fx.user = (await t.as('admin').post('/api/users').send({ username: 'spare.user', role: 'gis' }).expect(201)).body.id;
  const check = await t.as('admin').post(`/api/cases/${fx.app}/constraint-checks`).send({});
  fx.check = check.body.id ?? 1;
  fx.hit = check.body.hits?.[0]?.id ?? 1;
  fx.event =
    (
      await t
        .as('admin')
        .post(`/api/cases/${fx.app}/publicity-events`)
        .send({ kind: 'site-notice', date: '2024-03-05', noticeCount: 1, places: ['gate'] })
    ).body.event?.id ?? 1;
  fx.doc =
    (await t.as('admin').post(`/api/cases/${fx.app}/documents`).send({ kind: 'site-history', withinM: 10 })).body.id ??
    1;
  fx.letter =
    (
      await t
        .as('admin')
        .post(`/api/cases/${fx.enf}/enforcement-letters`)
        .send({ kind: 'pcn-cover', recipient: { addressLines: ['1 Test Street', 'London'] } })
    ).body.id ?? 1;
  fx.run = 1;
  fx.comment = 1;
  await signIn();
}, 120_000);

describe('every route, walked with bad input', () => {
  const routes = listRoutes(t.app);
  const inProgress = (r: RouteInfo) => IN_PROGRESS.some((re) => re.test(r.path));

  it('knows every route (a new one changes the count: see EXPECTED_ROUTES)', () => {
    const settled = routes.filter((r) => !inProgress(r));
    expect(settled.length, settled.map((r) => `${r.method} ${r.path}`).join('\n')).toBe(EXPECTED_ROUTES);
    // every path parameter has a valid value to start from
    for (const r of routes) for (const p of paramsOf(r.path)) expect(() => validParam(p, r)).not.toThrow();
  });

  it('answers no 5xx and gives nothing away', { timeout: 600_000 }, async () => {
    const started = Date.now();
    const raw = rawBodies();
    const timing: Array<[string, number]> = [];
    let n = 0; // rotates the corpus across routes: every value is used, not every value on every route
    const pick = <T>(list: T[], k: number) =>
      Array.from({ length: Math.min(k, list.length) }, (_, i) => list[(n + i) % list.length]!);
    for (const r of routes) {
      n++;
      const t0 = Date.now();
      const ip = inProgress(r);
      const key = `${r.method} ${r.path}`;
      const writes = r.method !== 'GET' && r.method !== 'DELETE';
      const valid =
        validBody(key) ??
        (writes
          ? { name: 'x', description: 'x', date: '2024-01-01', geometry: square(533000, 179000, 20) as never }
          : undefined);
      const page = !r.path.startsWith('/api/');
      for (const who of ['admin', 'anon'] as Who[]) {
        // a staff route answers an anonymous caller 401 before reading anything: a sample is enough there
        // sign-in and sign-out hash passwords or end the walker's session, uploads run GDAL: sampled too
        const full = (who === 'admin' || !r.roles) && !SLOW.test(r.path);
        const plain = fill(r);
        // 1. path parameters: each one in turn, with bad values
        for (const p of paramsOf(r.path))
          for (const v of pick(PATH_VALUES, full ? 5 : 2))
            await hit(r, who, `path :${p}=${v.slice(0, 20)}`, { url: fill(r, { [p]: v }) }, ip);
        // 2. query parameters (those documented, or usual ones): one at a time, every parameter at least once
        const qp = queryParams(r);
        const rounds = full ? Math.max(qp.length, 5) : 2;
        for (let i = 0; i < rounds; i++) {
          const name = qp[i % qp.length]!;
          const v = QUERY_VALUES[(n + i) % QUERY_VALUES.length]!;
          await hit(r, who, `query ${name}=${v.slice(0, 20)}`, { url: `${plain}?${name}=${v}` }, ip);
        }
        if (full) await hit(r, who, 'query repeated', { url: `${plain}?${qp[0]}=a&${qp[0]}=b` }, ip);
        if (!writes) continue;
        // 3. bodies: the valid one, each mutation of it, the raw bad bodies, 20 MB
        await hit(r, who, 'valid body', { url: plain, json: JSON.stringify(valid) }, ip);
        await hit(r, who, 'empty body', { url: plain }, ip);
        const mutations = Object.entries(BODY_MUTATIONS);
        for (const [name, mutate] of full ? mutations : pick(mutations, SLOW.test(r.path) && who === 'admin' ? 6 : 3))
          await hit(r, who, name, { url: plain, json: JSON.stringify(mutate(valid as Json)) }, ip);
        const raws = Object.entries(raw);
        for (const [name, text] of full ? raws : pick(raws, 2)) await hit(r, who, name, { url: plain, json: text }, ip);
        if (who === 'admin') {
          const threeD = JSON.stringify(BODY_MUTATIONS['3D coordinates']!(valid as Json));
          await hit(r, who, 'geo+json 3D', { url: plain, json: threeD, type: 'application/geo+json' }, ip);
          await hit(r, who, '20 MB body', { url: plain, json: twentyMegabytes() }, ip);
        }
        if (page) {
          const flat = (v: Json): Record<string, string> =>
            Object.fromEntries(
              Object.entries((v ?? {}) as Record<string, Json>).map(([k, x]) => [
                k,
                typeof x === 'string' ? x : JSON.stringify(x),
              ]),
            );
          for (const m of ['valid', 'NUL in every string', 'year 0000 dates', 'very long strings', 'wrong types'])
            await hit(
              r,
              who,
              `form ${m}`,
              { url: plain, form: flat(m === 'valid' ? (valid as Json) : BODY_MUTATIONS[m]!(valid as Json)) },
              ip,
            );
        }
      }
      if (/logout$/.test(r.path)) await signIn();
      timing.push([key, Date.now() - t0]);
    }
    timing.sort((a, b) => b[1] - a[1]);
    console.log(
      'slowest routes (ms): ' +
        timing
          .slice(0, 8)
          .map(([k, ms]) => `${k} ${ms}`)
          .join('; '),
    );
    const classes: Record<string, number> = {};
    for (const o of outcomes)
      classes[`${Math.floor(o.status / 100)}xx`] = (classes[`${Math.floor(o.status / 100)}xx`] ?? 0) + 1;
    const byStatus: Record<number, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    console.log(
      `fuzz walker: ${routes.length} routes, ${outcomes.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `status classes ${JSON.stringify(classes)}; statuses ${JSON.stringify(byStatus)}`,
    );
    const settledFailures = failures.filter((f) => !f.startsWith('[in progress'));
    if (failures.length) console.log(failures.join('\n'));
    expect(settledFailures).toEqual([]);
  });
});
