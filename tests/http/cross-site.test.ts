/**
 * Sign-in and session defences that survive a council's proxy: failed sign-ins limited per address and per
 * username (successful ones not counted), the session cookie Secure whenever the request came over HTTPS, an
 * Origin / Referer / Sec-Fetch-Site check on every cookie-authenticated write, and a token in HTML forms.
 */
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { intakeOptions } from '../../server/http/context.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
const HOST = 'redline.council.test';
beforeAll(async () => {
  t = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '1000' });
});
afterAll(async () => {
  await t?.closeApp();
});
beforeEach(async () => {
  await t.db('rate_limit').delete();
});

function otherApp(env: Record<string, string>) {
  const config = loadConfig({ LOG_LEVEL: 'silent', REDLINE_DATA_DIR: '/nonexistent', ...env });
  return buildApp(
    {
      db: t.db,
      readDb: t.db,
      config,
      log: createLogger('silent'),
      authorityId: t.authorityId,
      sessionSecret: 'x'.repeat(40),
      intake: intakeOptions(config, t.authorityId),
    },
    t.url,
  );
}

/** A browser-like session: signed in through the JSON route, every request with this site's Host. */
async function session(role: 'officer' | 'support' = 'officer') {
  const agent = request.agent(t.app);
  await agent
    .post('/api/auth/login')
    .set('Host', HOST)
    .send({ username: `${role}.user`, password: `${role}-password-123` })
    .expect(200);
  return agent;
}

async function caseWithSite() {
  const c = await t
    .as('officer')
    .post('/api/cases')
    .send({ kind: 'application', applicationType: 'hh', description: 'Rear extension', receivedDate: '2026-10-01' })
    .expect(201);
  await t
    .as('officer')
    .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, c.body.id))
    .send({
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [532000, 179000],
            [532012, 179000],
            [532012, 179012],
            [532000, 179012],
            [532000, 179000],
          ],
        ],
      },
    })
    .expect(200);
  return c.body.id as number;
}

const checks = async (id: number) =>
  Number((await t.db('constraint_check').where({ case_id: id }).count('* as n'))[0]!.n);

describe('cookie-authenticated writes from another site are refused', () => {
  it('a foreign Origin, with an empty body and with a body, gets 403 CROSS_SITE_REQUEST and changes nothing', async () => {
    const agent = await session();
    const id = await caseWithSite();
    const url = `/api/cases/${id}/constraint-checks`;
    const empty = await agent.post(url).set('Host', HOST).set('Origin', 'https://evil.example');
    expect(empty.status).toBe(403);
    expect(empty.body.error.code).toBe('CROSS_SITE_REQUEST');
    expect(empty.body.error.message).toMatch(/another website/);
    const withBody = await agent.post(url).set('Host', HOST).set('Origin', 'https://evil.example').send({});
    expect(withBody.status).toBe(403);
    // a form-encoded body, as a plain HTML form elsewhere would send it
    const form = await agent
      .post(url)
      .set('Host', HOST)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ a: '1' });
    expect([403, 415]).toContain(form.status);
    expect(await checks(id)).toBe(0);
  });

  it('refuses a sibling subdomain, an opaque origin ("null"), a foreign Referer and Sec-Fetch-Site cross-site or same-site', async () => {
    const agent = await session();
    const id = await caseWithSite();
    const url = `/api/cases/${id}/constraint-checks`;
    const cases: Array<[string, string]> = [
      ['Origin', `https://planning.${HOST}`],
      ['Origin', `http://${HOST}:8443`],
      ['Origin', 'null'],
      ['Referer', 'https://evil.example/page'],
      ['Sec-Fetch-Site', 'cross-site'],
      ['Sec-Fetch-Site', 'same-site'],
    ];
    for (const [header, value] of cases) {
      const res = await agent.post(url).set('Host', HOST).set(header, value).send({});
      expect(res.status, `${header}: ${value}`).toBe(403);
    }
    expect(await checks(id)).toBe(0);
  });

  it('lets the same site through: its Origin, its Referer, Sec-Fetch-Site same-origin, and a client that sends none', async () => {
    const agent = await session();
    const id = await caseWithSite();
    const url = `/api/cases/${id}/constraint-checks`;
    await agent.post(url).set('Host', HOST).set('Origin', `http://${HOST}`).send({}).expect(201);
    await agent.post(url).set('Host', HOST).set('Referer', `http://${HOST}/cases/${id}`).send({}).expect(201);
    await agent
      .post(url)
      .set('Host', HOST)
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Origin', `http://${HOST}`)
      .send({})
      .expect(201);
    await agent.post(url).set('Host', HOST).send({}).expect(201); // curl with a cookie: no browser, no forgery
    expect(await checks(id)).toBe(4);
  });

  it('a bearer token is not sent by browsers on their own: a foreign Origin does not matter for it', async () => {
    const id = await caseWithSite();
    await t
      .as('officer')
      .post(`/api/cases/${id}/constraint-checks`)
      .set('Origin', 'https://gis-tool.example')
      .send({})
      .expect(201);
  });

  it('the sign-in itself from another site is refused (no login CSRF)', async () => {
    const res = await request(t.app)
      .post('/login')
      .set('Host', HOST)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ username: 'officer.user', password: 'officer-password-123' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form was sent from another website');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('HTML forms of a signed-in session carry a token', () => {
  async function pageSession() {
    const agent = request.agent(t.app);
    await agent
      .post('/login')
      .set('Host', HOST)
      .type('form')
      .send({ username: 'support.user', password: 'support-password-123' })
      .expect(303);
    const page = await agent.get('/cases/new').set('Host', HOST).expect(200);
    const tokens = [
      ...page.text.matchAll(/<form\b[^>]*method="post"[^>]*><input type="hidden" name="_csrf" value="([\w-]+)">/g),
    ].map((m) => m[1]);
    return { agent, page, tokens };
  }

  it('every POST form on a staff page has the session token; a form post without it is refused with a page that says why', async () => {
    const { agent, page, tokens } = await pageSession();
    const forms = (page.text.match(/<form\b[^>]*method="post"/g) ?? []).length;
    expect(forms).toBeGreaterThanOrEqual(1);
    expect(tokens).toHaveLength(forms);
    expect(new Set(tokens).size).toBe(1);
    const refused = await agent
      .post('/cases/new')
      .set('Host', HOST)
      .type('form')
      .send({ kind: 'application', applicationType: 'hh', description: 'Loft', receivedDate: '2026-10-01' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('The form had expired');
    const before = Number((await t.db('case_record').count('* as n'))[0]!.n);
    const wrong = await agent
      .post('/cases/new')
      .set('Host', HOST)
      .type('form')
      .send({ _csrf: tokens[0]!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), kind: 'application' });
    expect(wrong.status).toBe(403);
    expect(Number((await t.db('case_record').count('* as n'))[0]!.n)).toBe(before);
  });

  it('with the token the form works; another session’s token does not', async () => {
    const a = await pageSession();
    const b = await pageSession();
    expect(a.tokens[0]).not.toBe(b.tokens[0]);
    await a.agent.post('/logout').set('Host', HOST).type('form').send({ _csrf: b.tokens[0] }).expect(403);
    await a.agent.post('/logout').set('Host', HOST).type('form').send({ _csrf: a.tokens[0] }).expect(303);
    await a.agent.get('/cases').set('Host', HOST).expect(303);
  });

  it('a signed-out page (the sign-in form) has no token, and the register’s public forms need none', async () => {
    const login = await request(t.app).get('/login').set('Host', HOST).expect(200);
    expect(login.text).not.toContain('name="_csrf"');
  });
});

describe(
  'failed sign-ins are limited per address and per username; successful ones are not counted',
  { timeout: 120_000 },
  () => {
    it('ten successful sign-ins from one address (a council behind one proxy) all work under a limit of 4', async () => {
      const app = otherApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '4', LOGIN_FAILURES_PER_USERNAME: '3' });
      try {
        for (let i = 0; i < 10; i++) {
          const role = (['officer', 'support', 'gis', 'enforcement', 'admin'] as const)[i % 5];
          await request(app.app)
            .post('/api/auth/login')
            .send({ username: `${role}.user`, password: `${role}-password-123` })
            .expect(200);
        }
        // a success is counted when the request arrives and taken off once its answer has gone (the limiter's
        // decrement is written after the response), so the last one may still be landing: wait for it
        await expect
          .poll(async () => {
            const counted = await t.db('rate_limit').where('key', 'like', 'login%').sum('hits as n');
            return Number(counted[0]!.n ?? 0);
          })
          .toBe(0);
      } finally {
        await app.close();
      }
    });

    it('three failures to one username from three addresses lock it (even the right password), with a message; other accounts carry on', async () => {
      const app = otherApp({
        LOGIN_RATE_LIMIT_PER_15_MIN: '100',
        LOGIN_FAILURES_PER_USERNAME: '3',
        TRUST_PROXY: 'loopback',
      });
      try {
        const attempt = (ip: string, username: string, password: string) =>
          request(app.app).post('/api/auth/login').set('X-Forwarded-For', ip).send({ username, password });
        for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
          expect((await attempt(ip, 'Officer.User', 'wrong-password')).status).toBe(401);
        const locked = await attempt('198.51.100.4', 'officer.user', 'officer-password-123');
        expect(locked.status).toBe(429);
        expect(locked.body.error.code).toBe('RATE_LIMITED');
        expect(locked.body.error.message).toMatch(/this account: it is locked for 15 minutes/);
        expect((await attempt('198.51.100.1', 'support.user', 'support-password-123')).status).toBe(200);
        // the sign-in page says the same
        const page = await request(app.app)
          .post('/login')
          .set('X-Forwarded-For', '198.51.100.5')
          .type('form')
          .send({ username: 'officer.user', password: 'officer-password-123' });
        expect(page.status).toBe(429);
        expect(page.text).toContain('it is locked for 15 minutes');
      } finally {
        await app.close();
      }
    });

    it('failures under the username limit do not lock: the right password still signs in', async () => {
      const app = otherApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '100', LOGIN_FAILURES_PER_USERNAME: '3' });
      try {
        for (let i = 0; i < 2; i++)
          await request(app.app)
            .post('/api/auth/login')
            .send({ username: 'gis.user', password: 'nope-nope' })
            .expect(401);
        await request(app.app)
          .post('/api/auth/login')
          .send({ username: 'gis.user', password: 'gis-password-123' })
          .expect(200);
      } finally {
        await app.close();
      }
    });
  },
);

describe('the session cookie', () => {
  it('is Secure when the request came over HTTPS through the trusted proxy, and not over plain HTTP', async () => {
    const app = otherApp({ TRUST_PROXY: '1' });
    try {
      const login = (proto?: string) => {
        const r = request(app.app).post('/api/auth/login');
        if (proto) r.set('X-Forwarded-Proto', proto);
        return r.send({ username: 'support.user', password: 'support-password-123' }).expect(200);
      };
      expect(String((await login('https')).headers['set-cookie'])).toMatch(/redline\.sid=[^;]+;.*; Secure/);
      const plain = String((await login()).headers['set-cookie']);
      expect(plain).toMatch(/redline\.sid=/);
      expect(plain).not.toMatch(/Secure/);
    } finally {
      await app.close();
    }
  });

  it('the session id changes at sign-in (no fixation)', async () => {
    const agent = request.agent(t.app);
    const first = await agent
      .post('/api/auth/login')
      .send({ username: 'officer.user', password: 'officer-password-123' })
      .expect(200);
    const second = await agent
      .post('/api/auth/login')
      .send({ username: 'officer.user', password: 'officer-password-123' })
      .expect(200);
    const sid = (r: request.Response) => /redline\.sid=([^;]+)/.exec(String(r.headers['set-cookie']))![1];
    expect(sid(second)).not.toBe(sid(first));
  });
});
