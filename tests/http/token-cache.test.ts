/**
 * The bearer token cache (server/modules/auth/token-cache.ts): a token's user is kept for
 * API_TOKEN_CACHE_SECONDS, yet a revocation or user change takes effect on the very next request when made
 * through this app, within moments when made anywhere else (another process, the CLI, plain SQL: the database
 * notifies redline_auth), and after API_TOKEN_CACHE_SECONDS at the latest even if no notification came.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { createToken, createUser } from '../../server/modules/users/service.ts';
import { userEtag } from '../helpers/if-match.ts';

const TTL_S = 4;
let t: TestApp;
const system = { id: null, username: 'test' };

beforeAll(async () => {
  t = await startTestApp({ API_TOKEN_CACHE_SECONDS: String(TTL_S) });
});
afterAll(async () => {
  await t.closeApp();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh officer with a token (each test its own, so no test sees another's revocation). */
async function freshToken(name: string) {
  const user = await createUser(t.db, system, { username: name, role: 'officer' });
  const { id, token } = await createToken(t.db, system, user.id, 'tests');
  return { user, id, token };
}
const me = (token: string) => t.anon.get('/api/auth/me').set('Authorization', `Bearer ${token}`);
// as text: microseconds (a Date would keep milliseconds, its String only seconds)
const lastUsedIn = async (db: TestApp['db'], tokenId: number) =>
  String((await db('api_token').where({ id: tokenId }).first(db.raw('last_used_at::text AS t'))).t);
const lastUsed = (tokenId: number) => lastUsedIn(t.db, tokenId);

/** Uses the token until a request is answered from the cache (last_used_at no longer moves): the app's
 *  notification listener is connected and the token is cached. */
async function cached(tokenId: number, token: string) {
  for (let i = 0; i < 100; i++) {
    await me(token).expect(200);
    const before = await lastUsed(tokenId);
    await sleep(5);
    await me(token).expect(200);
    if ((await lastUsed(tokenId)) === before) return;
  }
  throw new Error('the token was never answered from the cache');
}

/** Polls until the token is refused; returns how long that took. */
async function refusedWithin(token: string, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    const res = await me(token);
    if (res.status === 401) {
      expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
      return Date.now() - started;
    }
    expect(res.status).toBe(200);
    await sleep(20);
  }
  throw new Error(`the token was still accepted after ${limitMs} ms`);
}

describe('the bearer token cache', () => {
  it('answers repeated requests from memory: last_used_at is written once per window, not on every request', async () => {
    const { id, token } = await freshToken('cache.hits');
    await cached(id, token);
    const before = await lastUsed(id);
    for (let i = 0; i < 5; i++) await me(token).expect(200);
    expect(await lastUsed(id)).toBe(before);
  });

  it('refuses a token revoked through the API on the very next request', async () => {
    const { id, token } = await freshToken('cache.revoke.api');
    await cached(id, token);
    await t.as('admin').delete(`/api/tokens/${id}`).expect(204);
    const res = await me(token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it("refuses a disabled user's token, and applies a new role, on the very next request", async () => {
    const a = await freshToken('cache.disable');
    const b = await freshToken('cache.role');
    await cached(a.id, a.token);
    await cached(b.id, b.token);
    await t
      .as('admin')
      .patch(`/api/users/${b.user.id}`)
      .set('If-Match', await userEtag(t, b.user.id))
      .send({ role: 'gis' })
      .expect(200);
    expect((await me(b.token).expect(200)).body.user.role).toBe('gis');
    await t
      .as('admin')
      .patch(`/api/users/${a.user.id}`)
      .set('If-Match', await userEtag(t, a.user.id))
      .send({ disabled: true })
      .expect(200);
    expect((await me(a.token)).status).toBe(401);
  });

  it('refuses a token revoked in plain SQL from another connection within moments (the database notifies every app)', async () => {
    const { id, token } = await freshToken('cache.revoke.sql');
    await cached(id, token);
    await t.db('api_token').where({ id }).update({ revoked_at: t.db.fn.now() });
    expect(await refusedWithin(token, 1500)).toBeLessThan(1500);
  });

  it('refuses a token revoked by `redline token:revoke` (another process) within moments', async () => {
    const { id, token } = await freshToken('cache.revoke.cli');
    await cached(id, token);
    const out = await runCli(t.url, ['token:revoke', '--id', String(id)]);
    expect(out.code, out.stderr).toBe(0);
    expect(await refusedWithin(token, 1500)).toBeLessThan(1500);
  });

  it('refuses a revoked token after API_TOKEN_CACHE_SECONDS at the latest, even when no notification comes', async () => {
    const { id, token } = await freshToken('cache.revoke.silent');
    await cached(id, token);
    // a revocation the app is not told about (the notifying trigger disabled in this test's own database)
    await t.db.raw('ALTER TABLE api_token DISABLE TRIGGER api_token_auth_change');
    try {
      const revokedAt = Date.now();
      await t.db('api_token').where({ id }).update({ revoked_at: t.db.fn.now() });
      await me(token).expect(200); // still cached: this is the window
      const waited = await refusedWithin(token, TTL_S * 1000 + 2000);
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(TTL_S * 1000 + 1000);
      expect(waited).toBeGreaterThan(0);
    } finally {
      await t.db.raw('ALTER TABLE api_token ENABLE TRIGGER api_token_auth_change');
    }
  });

  it('never caches an unknown token', async () => {
    const { id, token } = await freshToken('cache.unknown');
    await t.db('api_token').where({ id }).update({ revoked_at: t.db.fn.now() });
    await sleep(50);
    expect((await me(token)).status).toBe(401);
    await t.db.raw('ALTER TABLE api_token DISABLE TRIGGER api_token_auth_change');
    try {
      // un-revoked silently: a refused token was not remembered as refused either
      await t.db('api_token').where({ id }).update({ revoked_at: null });
      await me(token).expect(200);
    } finally {
      await t.db.raw('ALTER TABLE api_token ENABLE TRIGGER api_token_auth_change');
    }
  });
});

describe('with API_TOKEN_CACHE_SECONDS=0', () => {
  let u: TestApp;
  beforeAll(async () => {
    u = await startTestApp({ API_TOKEN_CACHE_SECONDS: '0' });
  });
  afterAll(async () => {
    await u.closeApp();
  });

  it('looks the token up on every request (last_used_at moves each time)', async () => {
    const user = await createUser(u.db, system, { username: 'nocache.user', role: 'officer' });
    const { id, token } = await createToken(u.db, system, user.id, 'tests');
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await u.anon.get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
      seen.add(await lastUsedIn(u.db, id));
      await sleep(5);
    }
    expect(seen.size).toBe(3);
  });
});
