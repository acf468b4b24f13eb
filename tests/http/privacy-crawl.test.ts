/**
 * The public register's privacy crawl (issue 13 item 5): a recognisable marker ('ZZPRIVATE' + the field's name) is
 * seeded through the real API and services into every personal and unpublished field (applicant and agent details,
 * complainants, enforcement descriptions and house-level addresses, unpublished and withdrawn applications, publicity
 * notes, officers' notes on constraint hits, non-public documents, commenters' details and unpublished or redacted
 * comment text, alert subscribers' emails, staff users' names). Then every public GET route of the app's own route
 * table (the routes without a role check, as tests/http/roles.test.ts determines them) is fetched with its
 * parameters filled from the seeded data, links in the pages and API answers are followed (same origin, GET only,
 * bounded), tiles of both grids covering every seeded site are decoded, and the test fails if a marker appears in any
 * body, decoded tile property or header; it also fails if a public route was never reached or the published data
 * never appeared (so it cannot pass by seeing nothing). The commenters' and subscribers' markers must not be logged.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response, Test } from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listRoutes, type RouteInfo } from '../helpers/routes.ts';
import { decodeMvt } from '../helpers/mvt.ts';
import { OS_MAX_ZOOM, tileAt } from '../../shared/os-tile-grid.ts';
import { createToken, createUser } from '../../server/modules/users/service.ts';
import { RecordingNotifier } from '../../server/modules/notify/index.ts';
import { sendAlerts } from '../../server/modules/alerts/service.ts';

const MARK = 'zzprivate';
const m = (field: string) => `ZZPRIVATE${field}`;
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});

let t: TestApp;
const X = 533000;
const Y = 179000;
const POSTCODE = 'SE1 9ZZ';
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
const parties = (tag: string) => [
  {
    role: 'applicant',
    name: m(`${tag}applicantname`),
    organisation: m(`${tag}applicantorg`),
    email: `${m(`${tag}applicantemail`)}@example.org`,
    address: `1 ${m(`${tag}applicantaddress`)} Road, London`,
    postcode: 'ZZ1 1ZZ',
    phone: m(`${tag}phone`).slice(0, 40),
  },
  {
    role: 'agent',
    name: m(`${tag}agentname`),
    organisation: m(`${tag}agentorg`),
    email: `${m(`${tag}agentemail`)}@example.org`,
    address: `2 ${m(`${tag}agentaddress`)} Road`,
    phone: m(`${tag}agentphone`).slice(0, 40),
  },
];

/** the published applications' slugs, the seeded sites (for tiles), the alert tokens */
const seeded = {
  published: [] as string[],
  hidden: [] as string[],
  sites: [] as Array<[number, number]>,
  confirmToken: '',
  unsubscribeToken: '',
  commentable: '',
  noticePersonal: false,
};

async function makeCase(token: string, body: Record<string, unknown>, centre: [number, number] | null) {
  const res = await t.anon.post('/api/cases').set('Authorization', `Bearer ${token}`).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.id as number;
  if (centre) {
    const site = await t.anon
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('Authorization', `Bearer ${token}`)
      .set('If-Match', `"v${res.body.version}"`)
      .send({ geometry: square(...centre) });
    expect(site.status, JSON.stringify(site.body)).toBe(200);
    seeded.sites.push(centre);
  }
  return id;
}
async function patchCase(role: 'officer' | 'enforcement', id: number, body: Record<string, unknown>) {
  const { version } = await t.db('case_record').where({ id }).first('version');
  const res = await t
    .as(role)
    .patch(`/api/cases/${id}`)
    .send({ ...body, version });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'info' }, logSink);
  // address points: the seeded postcode for "near me" and alerts
  await t.db('address').insert([
    {
      uprn: 990000000101,
      address_lines: ['1 Test Row', 'London'],
      postcode: POSTCODE,
      geom: t.db.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [X - 10, Y]),
      source: 'test',
    },
    {
      uprn: 990000000102,
      address_lines: ['3 Test Row', 'London'],
      postcode: POSTCODE,
      geom: t.db.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [X + 10, Y]),
      source: 'test',
    },
  ]);
  // a staff user with a marked name, who creates and changes cases
  const staff = await createUser(
    t.db,
    { id: null, username: 'test' },
    { username: 'zzprivate.staff', displayName: m('staffname'), role: 'officer', password: 'officer-password-123' },
  );
  const staffToken = (await createToken(t.db, { id: null, username: 'test' }, staff.id, m('tokenname'))).token;

  // published applications: one decided, one in consultation (commentable)
  const decided = await makeCase(
    staffToken,
    {
      kind: 'application',
      applicationType: 'full',
      reference: '26/AP/1001',
      description: 'Rear extension with a roof terrace',
      siteAddress: '10 Test Row, London SE1 9ZZ',
      status: 'decided',
      receivedDate: '2026-01-05',
      validDate: '2026-01-06',
      targetDate: '2026-03-02',
      decision: 'granted',
      decisionDate: '2026-02-10',
      parties: parties('decided'),
    },
    [X, Y],
  );
  const open = await makeCase(
    staffToken,
    {
      kind: 'application',
      applicationType: 'hh',
      reference: '26/AP/1002',
      description: 'Loft conversion with a dormer',
      siteAddress: '20 Test Row, London',
      status: 'consultation',
      receivedDate: '2026-01-10',
      parties: parties('open'),
    },
    [X + 100, Y],
  );
  seeded.published.push('26-AP-1001', '26-AP-1002');
  seeded.commentable = '26-AP-1002';
  // publicity with private notes and places on the decided one
  await t
    .as('officer')
    .post(`/api/cases/${decided}/publicity-events`)
    .send({
      kind: 'site-notice',
      date: '2026-01-07',
      noticeCount: 1,
      places: [m('publicityplace')],
      notes: m('publicitynotes'),
    })
    .expect(201);

  // unpublished and withdrawn applications: markers in reference, proposal and address
  for (const [tag, publication, centre] of [
    ['unpublished', 'unpublished', [X + 2, Y + 2]],
    ['withdrawn', 'withdrawn', [X - 2, Y - 2]],
  ] as const) {
    const id = await makeCase(
      staffToken,
      {
        kind: 'application',
        applicationType: 'full',
        reference: `26/${m(`${tag}ref`)}/1`,
        description: m(`${tag}proposal`),
        siteAddress: `${m(`${tag}address`)}, 4 Test Row, London`,
        status: 'consultation',
        receivedDate: '2026-01-08',
        parties: parties(tag),
      },
      [...centre] as [number, number],
    );
    await patchCase('officer', id, { publication });
    seeded.hidden.push(`26-${m(`${tag}ref`)}-1`);
  }

  // enforcement: the authority publishes it; one case left unpublished, one published (street level only)
  await t.db('authority').where({ id: t.authorityId }).update({ publish_enforcement: true });
  for (const tag of ['enfunpublished', 'enfpublished']) {
    const id = await makeCase(
      t.tokens.enforcement,
      {
        kind: 'enforcement',
        reference: tag === 'enfpublished' ? '26/EN/2001' : `26/EN/${m(`${tag}ref`)}`,
        breachType: 'untidy-land',
        description: m(`${tag}description`),
        siteAddress: `Flat ${m(`${tag}flat`)}, 12 Marker Street, London`,
        receivedDate: '2026-01-09',
        parties: [
          {
            role: 'complainant',
            name: m(`${tag}complainantname`),
            email: `${m(`${tag}complainantemail`)}@example.org`,
            phone: m(`${tag}cphone`).slice(0, 40),
            address: `9 ${m(`${tag}complainantaddress`)} Road`,
          },
        ],
      },
      [X + 37, Y + 42],
    );
    if (tag === 'enfpublished') await patchCase('enforcement', id, { publication: 'published' });
  }

  // a constraint check on the decided application with an officer's notes on the hit
  await t
    .as('gis')
    .post('/api/layers')
    .send({
      definition: {
        id: 'privacy-fixture',
        title: 'Privacy fixture layer',
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
    })
    .expect(201);
  await t
    .as('gis')
    .put('/api/layers/privacy-fixture/data?filename=fixture.geojson&reference=ref&name=title')
    .set('If-Match', '*')
    .set('Prefer', 'wait=300')
    .send({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: [{ type: 'Feature', properties: { ref: 'R1', title: 'Fixture' }, geometry: square(X, Y, 300) }],
    })
    .expect(200);
  const check = await t
    .as('officer')
    .post(`/api/cases/${decided}/constraint-checks`)
    .send({ layers: ['privacy-fixture'] })
    .expect(201);
  await t
    .as('officer')
    .patch(`/api/cases/${decided}/constraint-checks/${check.body.id}/hits/${check.body.hits[0].id}`)
    .send({ decision: 'confirmed', reason: m('hitnotes') })
    .expect(200);
  await t
    .as('officer')
    .post(`/api/cases/${decided}/constraint-checks/${check.body.id}/setting-triggers`)
    .send({ trigger: 'listed-building-setting', description: m('triggerdescription'), reason: m('triggerreason') })
    .expect(201);

  // a non-public document (site history) on the decided application, its contents marked
  const doc = await t
    .as('officer')
    .post(`/api/cases/${decided}/documents`)
    .send({ kind: 'site-history', withinM: 10 })
    .expect(201);
  // (document rows are never changed: a copy of it with marked contents, as its PDF's text is compressed)
  const made = await t.db('document').where({ id: doc.body.id }).first();
  const pdf = Buffer.from(`%PDF-1.4\n${m('docpdf')}\n%%EOF\n`);
  await t.db('document').insert({
    ...Object.fromEntries(Object.entries(made).filter(([k]) => !['id', 'created_at'].includes(k))),
    title: m('doctitle'),
    text: m('doctext'),
    pdf,
    bytes: pdf.length,
    sha256: 'a'.repeat(64),
  });

  // the decision notice, made through the API: public once decided, unless it holds personal data
  const notice = await t.as('officer').post(`/api/cases/${decided}/documents`).send({ kind: 'decision-notice' });
  expect(notice.status, JSON.stringify(notice.body)).toBe(201);
  const noticeRow = await t.db('document').where({ id: notice.body.id }).first();
  seeded.noticePersonal = Boolean(noticeRow.personal_data);
  if (seeded.noticePersonal) {
    // (a notice naming the applicant is never public: a notice without personal data, so the route can be reached)
    const plainPdf = Buffer.from('%PDF-1.4\nDecision notice 26/AP/1001\n%%EOF\n');
    await t.db('document').insert({
      ...Object.fromEntries(Object.entries(noticeRow).filter(([k]) => !['id', 'created_at'].includes(k))),
      personal_data: false,
      pdf: plainPdf,
      bytes: plainPdf.length,
      sha256: 'b'.repeat(64),
    });
  }
  // a later notice holding personal data, marked: never the public one
  const markedNotice = Buffer.from(`%PDF-1.4\n${m('personalnoticepdf')}\n%%EOF\n`);
  await t.db('document').insert({
    ...Object.fromEntries(Object.entries(noticeRow).filter(([k]) => !['id', 'created_at'].includes(k))),
    personal_data: true,
    title: m('personalnoticetitle'),
    pdf: markedNotice,
    bytes: markedNotice.length,
    sha256: 'c'.repeat(64),
  });

  // comments on the open application, through the public form: one published redacted, one rejected, one pending
  const comment = async (tag: string, text: string) => {
    const res = await t.anon
      .post(`/register/applications/${seeded.commentable}/comment`)
      .type('form')
      .send({
        name: m(`${tag}commentername`),
        address: `Flat ${m(`${tag}commenterflat`)}, 3 Test Row, London`,
        postcode: POSTCODE,
        email: `${m(`${tag}commenteremail`)}@example.org`,
        stance: 'object',
        comment: text,
      });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    return (await t.db('comment').where({ case_id: open }).orderBy('id', 'desc').first('id')).id as number;
  };
  const published = await comment('published', `Too tall for the street. ${m('unredactedtext')}`);
  await t
    .as('officer')
    .patch(`/api/cases/${open}/comments/${published}`)
    .send({ status: 'published', redactedText: 'Too tall for the street. [redacted]', reason: m('redactreason') })
    .expect(200);
  const plain = await comment('plain', 'I support a dormer of this size.');
  await t
    .as('officer')
    .patch(`/api/cases/${open}/comments/${plain}`)
    .send({ status: 'published', reason: 'fine' })
    .expect(200);
  const rejected = await comment('rejected', `Abuse. ${m('rejectedtext')}`);
  await t
    .as('officer')
    .patch(`/api/cases/${open}/comments/${rejected}`)
    .send({ status: 'rejected', reason: m('rejectreason') })
    .expect(200);
  await comment('pending', `Not yet looked at. ${m('pendingtext')}`);

  // an alert subscription, confirmed, then sent (tokens from the recorded emails)
  const sub = await t.anon
    .post('/register/alerts')
    .type('form')
    .send({ email: `${m('alertemail')}@example.org`, place: POSTCODE, radius: '500' });
  expect(sub.status, sub.text.slice(0, 500)).toBe(200);
  const confirmMail = await t.db('notify_outbox').where('to_address', 'ilike', `${MARK}alertemail%`).first();
  seeded.confirmToken = String(confirmMail.personalisation.confirm_url).split('/').pop()!;
  await t.anon.post(`/register/alerts/confirm/${seeded.confirmToken}`).type('form').send({}).expect(200);
  // a newly published application to match
  await makeCase(
    t.tokens.officer,
    {
      kind: 'application',
      applicationType: 'hh',
      reference: '26/AP/1003',
      description: 'Side extension',
      siteAddress: '30 Test Row, London',
      receivedDate: '2026-01-20',
      parties: parties('late'),
    },
    [X + 50, Y + 50],
  );
  seeded.published.push('26-AP-1003');
  await sendAlerts(t.db, new RecordingNotifier(t.db), { baseUrl: t.config.PUBLIC_BASE_URL, secret: 'x'.repeat(40) });
  const alertMail = await t
    .db('notify_outbox')
    .where('to_address', 'ilike', `${MARK}alertemail%`)
    .whereNotNull('unsubscribe_url')
    .first();
  expect(alertMail, 'the confirmed subscriber was sent an alert').toBeTruthy();
  seeded.unsubscribeToken = String(alertMail.unsubscribe_url).split('/').pop()!;
}, 300_000);

afterAll(async () => {
  await t?.closeApp();
});

/* ---------------- the crawl ---------------- */

interface Visit {
  url: string;
  status: number;
  route?: string;
}
const visits: Visit[] = [];
const leaks: string[] = [];
/** every decoded tile feature's reference, and every body's text, for "the published data appears" */
const tileRefs = new Set<string>();
let allText = '';

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
function routeRegex(path: string): RegExp {
  const src = path
    .split(/(:[A-Za-z_]\w*)/)
    .map((part) => (part.startsWith(':') ? '([^/]+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}$`);
}

function binary(req: Test): Test {
  return req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

/** A request for a hidden application by its marked slug is answered "no such application <slug>": that echo of
 *  the request is taken out (the slug as asked for), so only what the server knows and should not say is left. */
function scan(where: string, text: string, asked = '') {
  const echoes = [...asked.matchAll(/[^/?&=.]*zzprivate[^/?&=.]*/gi)].map((e) => e[0].toLowerCase());
  let lower = text.toLowerCase();
  for (const e of echoes) lower = lower.split(e).join(' '.repeat(e.length));
  let i = lower.indexOf(MARK);
  while (i >= 0) {
    leaks.push(`${where}: …${text.slice(Math.max(0, i - 60), i + 60)}…`);
    i = lower.indexOf(MARK, i + MARK.length);
    if (leaks.length > 200) return;
  }
}

async function visit(url: string): Promise<{ res: Response; text: string; type: string }> {
  const res = await binary(t.anon.get(url));
  const buf = res.body as Buffer;
  const type = String(res.headers['content-type'] ?? '');
  visits.push({ url, status: res.status });
  scan(`${url} headers`, JSON.stringify(res.headers), url);
  // every body as bytes (PDFs, tiles) and as text
  const text = buf.toString('utf8');
  scan(`${url} body`, buf.toString('latin1'), url);
  if (type.startsWith('application/vnd.mapbox-vector-tile') && buf.length) {
    for (const layer of decodeMvt(new Uint8Array(buf))) {
      scan(`${url} tile layer name`, layer.name);
      for (const f of layer.features) {
        for (const [k, v] of Object.entries(f.properties)) {
          scan(`${url} tile property ${k}`, `${k}=${String(v)}`);
          if (k === 'reference') tileRefs.add(String(v));
        }
      }
    }
  } else {
    allText += '\n' + text;
  }
  return { res, text, type };
}

/** links to follow: same-origin hrefs and actions of GET forms in HTML, and URLs in JSON (links, tiles, url) */
function linksIn(text: string, type: string, from: string): string[] {
  const out: string[] = [];
  const add = (raw: string) => {
    const u = raw.replace(/&amp;/g, '&');
    try {
      const abs = new URL(u, `http://127.0.0.1${from}`);
      if (abs.hostname !== '127.0.0.1' && !u.startsWith(t.config.PUBLIC_BASE_URL)) return;
      out.push(abs.pathname + abs.search);
    } catch {
      // not a URL
    }
  };
  if (type.includes('html')) {
    for (const mm of text.matchAll(/\s(?:href|src|data-geojson)="([^"#][^"]*)"/g)) add(mm[1]!);
    for (const form of text.matchAll(/<form\b[^>]*>/g)) {
      const tag = form[0];
      if (/method="post"/i.test(tag)) continue;
      const action = /action="([^"]*)"/.exec(tag)?.[1];
      if (action) add(action);
    }
  } else if (type.includes('json')) {
    for (const mm of text.matchAll(/"(\/(?:register|api\/public)[^"]*)"/g)) add(mm[1]!);
    for (const mm of text.matchAll(/"(https?:\/\/[^"]+)"/g)) {
      const u = new URL(mm[1]!.replace(/\{z\}\/\{x\}\/\{y\}/, '0/0/0'));
      if (u.pathname.startsWith('/register') || u.pathname.startsWith('/api/public')) out.push(u.pathname + u.search);
    }
  }
  return out;
}

/** the weekly and monthly lists link to the week or month before and after without end: the seeded months only */
const withinBounds = (url: string) => !url.startsWith('/register/lists/') || /(week|month)=2026-0[1-3]/.test(url);
const has = (needle: string) => allText.includes(needle);

const MERC = 20037508.342789244;
const mercTile = (z: number, X3857: number, Y3857: number) => {
  const span = (2 * MERC) / 2 ** z;
  return { z, x: Math.floor((X3857 + MERC) / span), y: Math.floor((MERC - Y3857) / span) };
};

describe('the public routes, crawled', () => {
  let publicGets: RouteInfo[] = [];

  it('finds no marker in any public page, API answer, decoded tile or header', async () => {
    const routes = listRoutes(t.app);
    publicGets = routes.filter((r) => !r.roles && r.method === 'GET');
    expect(publicGets.length).toBeGreaterThan(15);
    const version = (await t.anon.get('/api/public/tiles/os27700.json').expect(200)).body.data_version as number;
    expect(Number.isInteger(version)).toBe(true);

    // tiles covering every seeded site (published and not) on both grids, at several zooms
    const tiles: string[] = [];
    for (const [x, y] of seeded.sites) {
      for (const z of [0, 2, 4, 6, 8, 10, OS_MAX_ZOOM]) {
        const tt = tileAt(z, x, y);
        tiles.push(`/api/public/tiles/os27700/${version}/${tt.z}/${tt.x}/${tt.y}.mvt`);
      }
      const r = await t.db.raw<{ rows: Array<{ x: number; y: number }> }>(
        'SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 3857) p) s',
        [x, y],
      );
      const { x: mx, y: my } = r.rows[0]!;
      for (const z of [0, 5, 10, 14, 15, 17, 20]) {
        const tt = mercTile(z, mx, my);
        tiles.push(`/api/public/tiles/webmercator/${version}/${tt.z}/${tt.x}/${tt.y}.mvt`);
      }
    }
    const slugs = [...seeded.published, ...seeded.hidden, '26-EN-2001', `26-EN-${m('enfunpublishedref')}`];
    // OGC API – Features (issue 15): every collection an anonymous caller is shown, and a few features of each
    const ogcCollections = (
      (await t.anon.get('/ogc/collections?f=json').expect(200)).body.collections as Array<{
        id: string;
      }>
    ).map((c) => c.id);
    const ogcFeatures: string[] = [];
    for (const c of ogcCollections) {
      const items = (await t.anon.get(`/ogc/collections/${c}/items?limit=5&f=json`)).body as {
        features?: Array<{ id: string | number }>;
      };
      for (const f of items.features ?? []) ogcFeatures.push(`/ogc/collections/${c}/items/${f.id}`);
    }
    /** each public GET route's URLs, its parameters filled from the seeded data */
    const fill = (path: string): string[] => {
      if (!path.includes(':')) return [path];
      if (path === '/ogc/collections/:collectionId/items/:featureId') return ogcFeatures;
      if (path.includes(':collectionId')) return ogcCollections.map((c) => path.replace(':collectionId', c));
      if (path === '/api/public/tiles/:grid/:version/:z/:x/:y.mvt') return [...new Set(tiles)];
      if (path === '/api/public/tiles/:grid.json')
        return ['/api/public/tiles/os27700.json', '/api/public/tiles/webmercator.json'];
      if (path.includes(':slug')) return slugs.map((s) => path.replace(':slug', s));
      if (path === '/register/alerts/confirm/:token') return [path.replace(':token', seeded.confirmToken)];
      if (path === '/register/alerts/unsubscribe/:token') return [path.replace(':token', seeded.unsubscribeToken)];
      if (path.includes(':id')) return [path.replace(':id', '1')];
      throw new Error(`The privacy crawl does not know how to fill the parameters of GET ${path}: add it here`);
    };
    const extra = [
      '/register?q=unpublishedproposal',
      '/register?sort=reference&pageSize=1',
      '/register?receivedFrom=2026-01-01&receivedTo=2026-12-31',
      `/register/near-me?near=${encodeURIComponent(POSTCODE)}&radius=1000`,
      `/register/near-me?near=${X},${Y}&radius=2000`,
      `/api/public/applications?near=${encodeURIComponent(POSTCODE)}&radius=1000`,
      '/api/public/applications?q=withdrawnproposal',
      '/api/public/applications.geojson?q=unpublishedproposal',
      '/api/public/applications?pageSize=1',
      `/api/public/applications.geojson?bbox=${X - 500},${Y - 500},${X + 500},${Y + 500}&crs=EPSG:27700`,
      '/api/public/applications.geojson',
      '/register/lists/weekly?week=2026-01-05',
      '/register/lists/weekly?week=2026-01-12',
      '/register/lists/monthly?month=2026-01',
      '/register/lists/monthly?month=2026-02',
      `/register/applications/${seeded.commentable}/comment/sent`,
    ];
    const queue = [...publicGets.flatMap((r) => fill(r.path)), ...extra];
    const seen = new Set<string>();
    const LIMIT = 1500;
    while (queue.length && seen.size < LIMIT) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const { res, text, type } = await visit(url);
      if (res.status >= 300 && res.status < 400 && res.headers.location)
        queue.push(...linksIn(`"${res.headers.location}"`, 'json', url));
      if (res.status !== 200) continue;
      // follow links into the public register only (the staff pages answer anonymous users with /login)
      for (const l of linksIn(text, type, url))
        if (/^\/(register|api\/public)(\/|\?|$|\.)/.test(l) && !seen.has(l) && withinBounds(l)) queue.push(l);
    }
    expect(seen.size, 'the crawl stopped at its bound').toBeLessThan(LIMIT);
    for (const v of visits) {
      const r = publicGets.find((p) => routeRegex(p.path).test(v.url.split('?')[0]!));
      if (r) v.route = key(r);
    }
    expect(leaks, `markers in public responses:\n${leaks.slice(0, 40).join('\n')}`).toEqual([]);
  }, 600_000);

  it('reached every public GET route with a success', () => {
    const ok = new Set(visits.filter((v) => v.status >= 200 && v.status < 400 && v.route).map((v) => v.route));
    const missing = publicGets.map(key).filter((k) => !ok.has(k));
    expect(missing, `public routes the crawl never reached with a 2xx/3xx answer`).toEqual([]);
    const pages = visits.filter((v) => v.status === 200);
    expect(pages.length).toBeGreaterThan(50);
    // the hidden ones were asked for by slug and refused
    for (const s of seeded.hidden)
      expect(visits.find((v) => v.url === `/api/public/applications/${s}`)?.status, s).toBe(404);
  });

  it('saw the published data (so a marker could have been seen)', () => {
    for (const ref of ['26/AP/1001', '26/AP/1002', '26/AP/1003']) expect(has(ref), ref).toBe(true);
    expect(has('Rear extension with a roof terrace'), 'Rear extension with a roof terrace').toBe(true);
    expect(has('Test Row'), 'Test Row').toBe(true);
    // the published enforcement case, at street level
    expect(has('26/EN/2001'), '26/EN/2001').toBe(true);
    expect(has('Marker Street'), 'Marker Street').toBe(true);
    // decoded tiles hold the published applications on both grids
    expect([...tileRefs].sort()).toEqual(['26/AP/1001', '26/AP/1002', '26/AP/1003']);
    const grids = new Set(
      visits.filter((v) => v.url.endsWith('.mvt') && v.status === 200).map((v) => v.url.split('/')[4]),
    );
    expect([...grids].sort()).toEqual(['os27700', 'webmercator']);
  });

  it('shows the published comments (the redacted text and the street) on the public pages', () => {
    expect(has('Too tall for the street. [redacted]'), 'the published, redacted comment').toBe(true);
    expect(has('I support a dormer of this size.'), 'the published comment').toBe(true);
  });

  it("logs no commenter's or subscriber's details", () => {
    const logged = logLines.join('').toLowerCase();
    expect(logLines.length).toBeGreaterThan(0);
    for (const field of [
      'publishedcommentername',
      'publishedcommenteremail',
      'publishedcommenterflat',
      'rejectedcommentername',
      'pendingcommenteremail',
      'alertemail',
    ])
      expect(logged.includes(m(field).toLowerCase()), field).toBe(false);
  });
});
