/**
 * Signing in stores the session before the answer's headers go out. express-session on its own sends the headers
 * (the cookie and the redirect's Location) while it is still writing the row, so a browser that follows the redirect
 * at once can arrive first, find no session and be sent back to sign in ("your session has ended"). The test makes
 * the write slow and checks that the row is there the moment the headers arrive.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let server: http.Server;
let port = 0;
beforeAll(async () => {
  t = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '1000' });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
}, 120_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await t?.closeApp();
});

/** Posts `body` and resolves as soon as the status and headers arrive. */
function post(path: string, body: string, type: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': type, 'sec-fetch-site': 'same-origin' },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sidOf = (headers: http.IncomingHttpHeaders) => {
  const cookie = (headers['set-cookie'] ?? []).find((c) => c.startsWith('redline.sid='));
  const value = decodeURIComponent(cookie!.split(';')[0]!.slice('redline.sid='.length));
  return value.slice(2, value.lastIndexOf('.')); // s:<sid>.<signature>
};

describe('signing in stores the session before answering', () => {
  for (const [route, body, type, status] of [
    [
      '/login',
      'username=support.user&password=support-password-123&next=%2Fcases',
      'application/x-www-form-urlencoded',
      303,
    ],
    [
      '/api/auth/login',
      JSON.stringify({ username: 'support.user', password: 'support-password-123' }),
      'application/json',
      200,
    ],
  ] as const) {
    it(`${route}: the session row is there when the headers (with the cookie) arrive`, async () => {
      // a slow disk or a busy server, made certain: each write of a session takes 1.5 s
      await t.db.raw(`CREATE OR REPLACE FUNCTION test_slow_session() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(1.5); RETURN NEW; END $$`);
      await t.db.raw(`CREATE TRIGGER test_slow_session BEFORE INSERT OR UPDATE ON session
        FOR EACH ROW EXECUTE FUNCTION test_slow_session()`);
      try {
        const res = await post(route, body, type);
        // at once, as a browser following the redirect would
        const row = await t
          .db('session')
          .where({ sid: sidOf(res.headers) })
          .first();
        expect(res.status).toBe(status);
        expect(row, 'the session row exists when the browser has the cookie').toBeTruthy();
        expect((row.sess as { userId: number }).userId).toBe(t.users.support.id);
      } finally {
        await t.db.raw('DROP TRIGGER IF EXISTS test_slow_session ON session');
      }
    });
  }
});
