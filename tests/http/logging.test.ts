/**
 * What the logs hold at LOG_LEVEL=info: one line per request with method, path and status, and never personal
 * details (names, emails, phones, addresses), credentials (bearer tokens, passwords, session cookies), query
 * strings, or any coordinate of a site.
 */
import { Writable } from 'node:stream';
import proj4 from 'proj4';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPSG_27700_PROJ4 } from '../../shared/epsg27700.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, callback) {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(line);
    callback();
  },
});
const logText = () => lines.join('\n');

interface RequestLine {
  level: number;
  msg: string;
  req: { method: string; path: string } & Record<string, unknown>;
  res: { statusCode: number } & Record<string, unknown>;
  userId?: number;
}
const requestLines = () =>
  lines.map((l) => JSON.parse(l) as RequestLine).filter((l) => l.req !== undefined && l.res !== undefined);

const applicant = {
  role: 'applicant',
  name: 'Persephone Quaintrell-Marchbanks',
  email: 'persephone.quaintrell@example.com',
  phone: '+44 20 7946 0999',
  address: '77 Hollowmere Lane',
  postcode: 'SE1 9ZZ',
};
const complainant = {
  role: 'complainant',
  name: 'Evander Blithewood',
  email: 'evander.blithewood@example.net',
  phone: '07700 900456',
};

// distinctive coordinates, so finding any of them in the logs cannot be a coincidence
const bng: Array<[number, number]> = [
  [533017.37, 179023.61],
  [533071.43, 179023.61],
  [533071.43, 179089.29],
  [533017.37, 179089.29],
  [533017.37, 179023.61],
];
proj4.defs('EPSG:27700', EPSG_27700_PROJ4);
const lonlat = [
  [533301.17, 179401.53],
  [533352.71, 179401.53],
  [533352.71, 179457.83],
  [533301.17, 179457.83],
  [533301.17, 179401.53],
].map((p) => proj4('EPSG:27700', 'WGS84', p) as [number, number]);

let t: TestApp;
let caseId: number;
let sessionCookie = '';
const returnedCoordinates: number[] = [];

async function waitForRequestLine(method: string, path: string, status: number) {
  for (let i = 0; i < 100; i++) {
    if (requestLines().some((l) => l.req.method === method && l.req.path === path && l.res.statusCode === status))
      return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request line for ${method} ${path} ${status} in:\n${logText()}`);
}

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'info' }, sink);

  const created = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Change of use to a café',
      receivedDate: '2024-04-01',
      parties: [applicant],
    })
    .expect(201);
  caseId = created.body.id;
  const site = await t
    .as('officer')
    .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, caseId))
    .send({ geometry: { type: 'Polygon', coordinates: [bng] } })
    .expect(200);
  const site2 = await t
    .as('officer')
    .put(`/api/cases/${caseId}/site`)
    .set('If-Match', await caseEtag(t, caseId))
    .send({ geometry: { type: 'Polygon', coordinates: [lonlat] }, note: 'Amended red line' })
    .expect(200);
  for (const r of [site, site2])
    returnedCoordinates.push(...(r.body.site.geometry.coordinates as number[][][][]).flat(3));
  await t.as('officer').get(`/api/cases/${caseId}`).expect(200);
  await t.as('officer').get(`/api/cases/${caseId}/site?crs=EPSG:27700`).expect(200);
  await t.as('officer').get(`/api/cases/${caseId}/site/versions`).expect(200);
  await t
    .as('officer')
    .get(`/api/cases?q=${encodeURIComponent(applicant.name)}`)
    .expect(200);
  await t
    .as('officer')
    .patch(`/api/cases/${caseId}`)
    .set('If-Match', '"v3"')
    .send({ parties: [applicant, { ...complainant, role: 'agent' }] })
    .expect(200);
  // refused requests carrying personal data and coordinates
  await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'x',
      receivedDate: '2024-04-01',
      parties: [{ ...applicant, email: 'not an email' }],
    })
    .expect(400);
  await t
    .as('enforcement')
    .post('/api/cases')
    .set('Content-Type', 'application/json')
    .send(`{"kind":"enforcement","parties":[{"name":"${complainant.name}"`)
    .expect(400);
  const bowtie = [
    [533017.37, 179023.61],
    [533071.43, 179089.29],
    [533071.43, 179023.61],
    [533017.37, 179089.29],
    [533017.37, 179023.61],
  ];
  await t
    .as('officer')
    .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, caseId))
    .send({ geometry: { type: 'Polygon', coordinates: [bowtie] } })
    .expect(422);
  await t
    .as('officer')
    .post('/api/geometry/validate?crs=EPSG:27700')
    .send({ geometry: { type: 'Polygon', coordinates: [bng] } })
    .expect(200);
  // a session sign-in: the password and the cookie must not be logged either
  const agent = request.agent(t.app);
  const login = await agent
    .post('/api/auth/login')
    .send({ username: 'support.user', password: 'support-password-123' })
    .expect(200);
  sessionCookie = ([] as string[])
    .concat(login.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('redline.sid='))!
    .split(';')[0]!
    .split('=')[1]!;
  await agent.get(`/api/cases/${caseId}`).expect(200);
  await t.anon.get('/healthz').expect(200);
  await t.anon.get('/api/cases').set('Authorization', `Bearer ${t.tokens.officer}x`).expect(401);
  await agent.post('/api/auth/logout').expect(204);
  await waitForRequestLine('POST', '/api/auth/logout', 204);
});
afterAll(async () => {
  await t.closeApp();
});

describe('request lines', () => {
  it('are JSON lines at info level with method, path and status for each request', () => {
    const reqs = requestLines();
    // 17 requests were made above; /healthz is not logged
    expect(reqs).toHaveLength(16);
    for (const l of reqs) {
      expect(l.level).toBe(30);
      expect(typeof l.req.method).toBe('string');
      expect(l.req.path.startsWith('/')).toBe(true);
      expect(typeof l.res.statusCode).toBe('number');
    }
    const has = (method: string, path: string, status: number) =>
      expect(
        reqs.some((l) => l.req.method === method && l.req.path === path && l.res.statusCode === status),
        `${method} ${path} ${status}`,
      ).toBe(true);
    has('POST', '/api/cases', 201);
    has('PUT', `/api/cases/${caseId}/site`, 200);
    has('PUT', `/api/cases/${caseId}/site`, 422);
    has('PATCH', `/api/cases/${caseId}`, 200);
    has('POST', '/api/cases', 400);
    has('GET', '/api/cases', 200);
    has('GET', '/api/cases', 401);
    has('POST', '/api/auth/login', 200);
  });

  it('log the path without the query string', () => {
    const reqs = requestLines();
    expect(reqs.some((l) => l.req.path === `/api/cases/${caseId}/site` && l.req.method === 'GET')).toBe(true);
    expect(reqs.filter((l) => l.req.path.includes('?'))).toEqual([]);
  });

  it("carry the signed-in user's id, but no headers, body or query", () => {
    const reqs = requestLines();
    expect(
      reqs.some((l) => l.req.method === 'POST' && l.req.path === '/api/cases' && l.userId === t.users.officer.id),
    ).toBe(true);
    for (const l of reqs) {
      expect(Object.keys(l.req).sort()).toEqual(['method', 'path']);
      expect(Object.keys(l.res)).toEqual(['statusCode']);
    }
  });

  it('are not written for /healthz', () => {
    expect(requestLines().some((l) => l.req.path === '/healthz')).toBe(false);
  });
});

describe('personal details, credentials and geometry', () => {
  const assertAbsent = (needles: string[]) => {
    expect(lines.length).toBeGreaterThan(10);
    const text = logText();
    const lower = text.toLowerCase();
    for (const n of needles)
      expect(lower.includes(n.toLowerCase()), `the log contains ${JSON.stringify(n)}`).toBe(false);
  };

  it("never include the applicant's or complainant's name, email, phone or address", () => {
    const parts = (p: Record<string, string>) => [
      p.name!,
      p.name!.split(' ')[0]!,
      p.name!.split(' ')[1]!,
      p.email!,
      p.email!.split('@')[0]!,
      p.phone!,
      p.phone!.replace(/\s/g, ''),
    ];
    assertAbsent([...parts(applicant), ...parts(complainant), applicant.address, applicant.postcode, 'Hollowmere']);
  });

  it('never include a bearer token, the password or the session cookie', () => {
    assertAbsent([
      t.tokens.officer,
      t.tokens.officer.slice(3, 23),
      t.tokens.enforcement,
      'support-password-123',
      sessionCookie,
      decodeURIComponent(sessionCookie),
      'Bearer',
      'authorization',
      'cookie',
    ]);
  });

  it('never include any coordinate of a site, as sent or as returned', () => {
    expect(returnedCoordinates.length).toBeGreaterThanOrEqual(20);
    const needles = new Set<string>();
    for (const [x, y] of bng) {
      needles.add(x.toFixed(2));
      needles.add(y.toFixed(2));
    }
    for (const [lon, lat] of lonlat) {
      needles.add(lon.toFixed(6));
      needles.add(lat.toFixed(6));
    }
    for (const v of returnedCoordinates) needles.add(v.toFixed(Math.abs(v) < 180 ? 6 : 2));
    assertAbsent([...needles, 'coordinates', 'MultiPolygon', 'Polygon']);
  });
});
