/** The start command (`npm start` = server/main.ts) from nothing: embedded cluster, migrations, demo data,
 *  sign-in, a clean stop on SIGTERM, and data that survives the restart. Also with DATABASE_URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config/index.ts';
import { startRedline } from '../helpers/child-redline.ts';
import { freshDatabase } from '../helpers/db.ts';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const start = (env: Record<string, string>) => startRedline(env, children);

async function login(base: string, username: string, password: string) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe('npm start', () => {
  it('starts from nothing with the embedded cluster and demo data, stops cleanly, and keeps the data', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-start-'));
    const dataDir = path.join(tmp, 'data');
    try {
      const first = await start({ REDLINE_DATA_DIR: dataDir });
      const health = await (await fetch(`${first.url}/healthz`)).json();
      expect(health.postgis.version).toMatch(/^3\./);
      // demo passwords: printed once and written to the data folder, readable by the owner only
      const usersFile = path.join(dataDir, 'demo-users.txt');
      expect(fs.statSync(usersFile).mode & 0o077).toBe(0);
      const accounts = fs
        .readFileSync(usersFile, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(/\s+/));
      expect(accounts.map((a) => a[1]).sort()).toEqual(['admin', 'enforcement', 'gis', 'officer', 'support']);
      const officer = accounts.find((a) => a[0] === 'officer')!;
      expect(first.stdout()).toContain(officer[2]);
      const cookie = await login(first.url, 'officer', officer[2]!);
      const list = await (await fetch(`${first.url}/api/cases?limit=200`, { headers: { cookie } })).json();
      expect(list.total).toBe(13);
      const withSites = await (await fetch(`${first.url}/api/cases?hasSite=true`, { headers: { cookie } })).json();
      expect(withSites.total).toBe(13);
      expect(list.items.some((c: { applicationType: string }) => c.applicationType === 'waste-dev')).toBe(true);
      expect(list.items.filter((c: { kind: string }) => c.kind === 'enforcement').length).toBeGreaterThanOrEqual(3);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'redline.pid'))).toBe(false);

      const second = await start({ REDLINE_DATA_DIR: dataDir });
      expect(second.stdout()).not.toContain('Demo accounts');
      const cookie2 = await login(second.url, 'officer', officer[2]!);
      const again = await (await fetch(`${second.url}/api/cases`, { headers: { cookie: cookie2 } })).json();
      expect(again.total).toBe(13);
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('uses the server in DATABASE_URL instead of starting its own', async () => {
    const tdb = await freshDatabase();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-url-'));
    try {
      const r = await start({
        DATABASE_URL: tdb.url,
        REDLINE_DATA_DIR: path.join(tmp, 'data'),
        REDLINE_DEMO_DATA: 'false',
      });
      expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
      expect(fs.existsSync(path.join(tmp, 'data', 'pg'))).toBe(false);
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      await tdb.close();
    }
  }, 60_000);

  it('refuses to start with invalid configuration, naming each bad variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server', 'main.ts')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty', SITE_VERTEX_CAP: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('invalid configuration');
    expect(err).toMatch(/PORT="eighty"/);
    expect(err).toMatch(/SITE_VERTEX_CAP="2"/);
  });
});
