/** The embedded default: a private PostgreSQL + PostGIS cluster created from nothing in a data folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseError, ensurePostgres, findPostgresBinDir, startEmbedded } from '../../server/db/embedded.ts';

const dirs: string[] = [];
function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-embedded-'));
  dirs.push(d);
  return path.join(d, 'data');
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function query(url: string, sql: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe('embedded cluster', () => {
  it('starts from an empty folder with PostGIS available, keeps its data across a restart, and stops cleanly', async () => {
    const dataDir = tempDir();
    expect(fs.existsSync(dataDir)).toBe(false);
    const first = await startEmbedded({ dataDir, ephemeral: true });
    expect(first.startedHere).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(fs.statSync(path.join(dataDir, 'pg-password')).mode & 0o077).toBe(0);
    expect(first.url).toMatch(/^postgres:\/\/redline:[^@]+@127\.0\.0\.1:\d+\/redline$/);
    await query(first.url, 'CREATE EXTENSION IF NOT EXISTS postgis');
    const [v] = await query(first.url, 'SELECT postgis_lib_version() AS v');
    expect(v.v).toMatch(/^3\./);
    await query(first.url, 'CREATE TABLE kept (n int)');
    await query(first.url, 'INSERT INTO kept VALUES (42)');
    await first.stop();
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    await expect(query(first.url, 'SELECT 1')).rejects.toThrow();

    const second = await startEmbedded({ dataDir, ephemeral: true });
    try {
      expect(second.startedHere).toBe(true);
      expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('uses a cluster that is already running without stopping it, unless told to (adopting one a killed Redline left)', async () => {
    const dataDir = tempDir();
    const owner = await startEmbedded({ dataDir, ephemeral: true });
    const guest = await startEmbedded({ dataDir, ephemeral: true });
    expect(guest.startedHere).toBe(false);
    expect(guest.port).toBe(owner.port);
    await guest.stop();
    expect(await query(owner.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await guest.stop(true); // adopting it: the guest may stop it
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    await owner.stop(); // already stopped: nothing to do, no error
  });

  it('stops with one message naming the package to install when PostGIS is missing and it may not install', async () => {
    const binDir = findPostgresBinDir();
    expect(binDir, 'PostgreSQL server binaries are needed: apt-get install postgresql').toBeTruthy();
    const emptyShare = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-noshare-'));
    dirs.push(emptyShare);
    const major = /postgresql\/(\d+)\//.exec(binDir!)?.[1] ?? '15';
    const err = await ensurePostgres({ binDir: binDir!, shareDir: emptyShare, allowInstall: false }).catch((e) => e);
    expect(err).toBeInstanceOf(EmbeddedDatabaseError);
    expect(err.message).toContain(`apt-get install postgresql-${major}-postgis-3`);
    expect(err.message).toContain('DATABASE_URL');
  });

  it('stops with a message naming PostgreSQL itself when there is no server to run', async () => {
    const saved = process.env.REDLINE_PG_BINDIR;
    process.env.REDLINE_PG_BINDIR = '/nonexistent/bin';
    try {
      const err = await ensurePostgres({ allowInstall: false }).catch((e) => e);
      expect(err).toBeInstanceOf(EmbeddedDatabaseError);
      expect(err.message).toMatch(/PostgreSQL server is not installed.*apt-get install postgresql /);
    } finally {
      if (saved === undefined) delete process.env.REDLINE_PG_BINDIR;
      else process.env.REDLINE_PG_BINDIR = saved;
    }
  });
});
