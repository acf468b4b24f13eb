/**
 * The web side's groundwork: HTML pages with GOV.UK Frontend and a per-response CSP nonce, form posts on HTML
 * routes (JSON only on /api), the client bundle with immutable hashed URLs, sign-in by form, TRUST_PROXY, and
 * sign-in limits counted in PostgreSQL so that several Redline processes share them.
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listRoutes } from '../helpers/routes.ts';
import { readClientManifest } from '../../server/http/client-build.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { intakeOptions } from '../../server/http/context.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '4' });
});
afterAll(async () => {
  await t?.closeApp();
});

const nonceOfHeader = (csp: string | undefined) => /script-src[^;]*'nonce-([^']+)'/.exec(csp ?? '')?.[1];

/** a second Redline process on the same database, as behind a load balancer */
function secondApp(env: Record<string, string>) {
  const config = loadConfig({ LOG_LEVEL: 'silent', REDLINE_DATA_DIR: '/nonexistent', ...env });
  return buildApp(
    {
      db: t.db,
      config,
      log: createLogger('silent'),
      authorityId: t.authorityId,
      sessionSecret: 'x'.repeat(40),
      intake: intakeOptions(config, t.authorityId),
    },
    t.url,
  );
}

describe('pages and their content security policy', () => {
  it('gives every response its own nonce, on the GOV.UK inline script and on the module scripts', async () => {
    const a = await t.anon.get('/').expect(200);
    const b = await t.anon.get('/').expect(200);
    const na = nonceOfHeader(a.headers['content-security-policy']);
    const nb = nonceOfHeader(b.headers['content-security-policy']);
    expect(na).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect(nb).not.toBe(na);
    expect(a.text).toContain(`<script nonce="${na}">document.body.className`);
    const scripts = [...a.text.matchAll(/<script type="module" src="([^"]+)" nonce="([^"]+)"/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s[2]).toBe(na);
    expect(a.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(a.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(a.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
    expect(a.text).toContain('<html lang="en-GB"');
  });

  it('serves the client bundle under content-hashed names, cached as immutable', async () => {
    const staff = readClientManifest().staff!;
    expect(staff.scripts[0]).toMatch(/^\/assets\/staff-[\w-]{8}\.js$/);
    const js = await t.anon.get(staff.scripts[0]!).expect(200);
    expect(js.headers['cache-control']).toMatch(/immutable/);
    expect(js.headers['cache-control']).toMatch(/max-age=31536000/);
    const css = await t.anon.get(staff.styles[0]!).expect(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    // the council's own type: GDS Transport is GOV.UK's alone
    expect(css.text).not.toMatch(/GDS Transport/);
    await t.anon.get('/assets/govuk/images/favicon.ico').expect(200);
    await t.anon.get('/assets/.vite/manifest.json').expect(404);
  });
});

describe('sign-in by form (no JavaScript)', () => {
  it('shows each missing field beside it and in the error summary', async () => {
    const res = await t.anon.post('/login').type('form').send({ username: '', password: '' }).expect(400);
    expect(res.text).toContain('govuk-error-summary');
    expect(res.text).toMatch(/href="#username">Enter your username/);
    expect(res.text).toMatch(/id="password-error"[^>]*>[\s\S]*Enter your password/);
  });

  it('refuses a wrong password with the page, not JSON, and keeps the username typed', async () => {
    const res = await t.anon
      .post('/login')
      .type('form')
      .send({ username: 'officer.user', password: 'nope' })
      .expect(401);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('The username or password is wrong');
    expect(res.text).toContain('value="officer.user"');
  });

  it('signs in, goes only to a local next page, shows who is signed in, and signs out', async () => {
    const agent = request.agent(t.app);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ username: 'officer.user', password: 'officer-password-123', next: '//evil.example/x' })
      .expect(303);
    expect(res.headers.location).toBe('/');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('signed in as officer.user');
    await agent.get('/api/auth/me').expect(200);
    // the sign-out form carries the session's token (server/http/cross-site.ts)
    const token = /name="_csrf" value="([\w-]+)"/.exec(home.text)![1];
    const out = await agent.post('/logout').type('form').send({ _csrf: token }).expect(303);
    expect(out.headers.location).toBe('/login');
    await agent.get('/api/auth/me').expect(401);
  });

  it('keeps /api JSON-only: a form post there is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await t.anon.post('/api/auth/login').type('form').send({ username: 'a', password: 'b' }).expect(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('routers under a prefix', () => {
  it('lists the routes of a router mounted at /ogc with the prefix, for the contract and role tests', () => {
    const app = express();
    const r = express.Router();
    r.get('/', (_req, res) => void res.end());
    r.get('/collections/:id', (_req, res) => void res.end());
    app.use('/ogc', r);
    app.use(express.Router().get('/healthz', (_req, res) => void res.end()));
    expect(listRoutes(app).map((x) => `${x.method} ${x.path}`)).toEqual([
      'GET /ogc',
      'GET /ogc/collections/:id',
      'GET /healthz',
    ]);
  });
});

describe('sign-in limits shared by every process, and TRUST_PROXY', () => {
  it('counts attempts in PostgreSQL: two processes share one limit per address', async () => {
    const other = secondApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '4' });
    try {
      await t.db('rate_limit').delete();
      const attempt = (app: express.Express) =>
        request(app).post('/api/auth/login').send({ username: 'admin.user', password: 'wrong-password' });
      expect((await attempt(t.app)).status).toBe(401);
      expect((await attempt(other.app)).status).toBe(401);
      expect((await attempt(t.app)).status).toBe(401);
      expect((await attempt(other.app)).status).toBe(401);
      // the fifth attempt, on either process, is over the limit of 4 — even with the right password
      const fifth = await request(other.app)
        .post('/api/auth/login')
        .send({ username: 'admin.user', password: 'admin-password-123' });
      expect(fifth.status).toBe(429);
      expect(fifth.body.error.code).toBe('RATE_LIMITED');
      const page = await request(t.app).post('/login').type('form').send({ username: 'x', password: 'y' });
      expect(page.status).toBe(429);
      expect(page.text).toContain('Too many failed sign-ins from this address');
    } finally {
      await other.close();
      await t.db('rate_limit').delete();
    }
  });

  it('with TRUST_PROXY, counts each client behind the proxy by its X-Forwarded-For address', async () => {
    const proxied = secondApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '2', TRUST_PROXY: 'loopback' });
    const direct = secondApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '2' });
    try {
      await t.db('rate_limit').delete();
      const attempt = (app: express.Express, ip: string) =>
        request(app)
          .post('/api/auth/login')
          .set('X-Forwarded-For', ip)
          .send({ username: 'admin.user', password: 'wrong-password' });
      for (const ip of ['198.51.100.1', '198.51.100.1']) expect((await attempt(proxied.app, ip)).status).toBe(401);
      expect((await attempt(proxied.app, '198.51.100.1')).status).toBe(429);
      expect((await attempt(proxied.app, '198.51.100.2')).status).toBe(401);
      const keys = (await t.db('rate_limit').select('key'))
        .map((r) => r.key as string)
        .filter((k) => k.startsWith('login:'))
        .sort();
      expect(keys).toEqual(['login:198.51.100.1', 'login:198.51.100.2']);
      // without it, the proxy's own address is the key, whatever the header says
      await t.db('rate_limit').delete();
      await attempt(direct.app, '198.51.100.1');
      const [only] = await t.db('rate_limit').where('key', 'like', 'login:%').select('key');
      expect(only.key).toMatch(/^login:(::ffff:)?127\.0\.0\.1$|^login:::1$/);
    } finally {
      await proxied.close();
      await direct.close();
      await t.db('rate_limit').delete();
    }
  });

  it('sets the secure session cookie behind a TLS proxy only when the proxy is trusted', async () => {
    const trusted = secondApp({ SESSION_COOKIE_SECURE: 'true', TRUST_PROXY: '1' });
    const untrusted = secondApp({ SESSION_COOKIE_SECURE: 'true' });
    try {
      const login = (app: express.Express) =>
        request(app)
          .post('/api/auth/login')
          .set('X-Forwarded-Proto', 'https')
          .send({ username: 'support.user', password: 'support-password-123' });
      const ok = await login(trusted.app);
      expect(ok.status).toBe(200);
      expect(String(ok.headers['set-cookie'])).toMatch(/redline\.sid=.*; Secure/);
      const plain = await login(untrusted.app);
      expect(plain.status).toBe(200);
      // express-session will not send a Secure cookie over what it sees as plain HTTP
      expect(plain.headers['set-cookie']).toBeUndefined();
    } finally {
      await trusted.close();
      await untrusted.close();
      await t.db('rate_limit').delete();
    }
  });
});
