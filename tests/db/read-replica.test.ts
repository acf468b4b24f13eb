/**
 * Issue 13 item 7: public routes read from a PostgreSQL streaming replica (DATABASE_READ_URL -> AppContext.readDb);
 * staff routes and writes stay on the primary. The test makes a hot standby of the throwaway test cluster with
 * pg_basebackup -R (as the unprivileged OS user the cluster runs as, on a free loopback port, in its own temporary
 * folder), waits for it to stream, creates a published application on the primary, waits until the replica has
 * replayed it (pg_last_wal_replay_lsn), then serves a public tile, the TileJSON, the public search API and the
 * application page from an app whose readDb is the replica, and shows where each request read: the replica (its
 * pool's queries, pg_stat_activity there, pg_is_in_recovery) and not the primary. The replica is stopped after.
 * The primary needs wal_level replica (PostgreSQL's default), max_wal_senders > 0 (default 10) and a
 * `host replication` pg_hba line for 127.0.0.1 (initdb's default): checked first, nothing is changed.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp, type BuiltApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { intakeOptions } from '../../server/http/context.ts';
import { createDb } from '../../server/db/knex.ts';
import { createReadDb } from '../../server/db/read.ts';
import { findPostgresBinDir, freePort } from '../../server/db/embedded.ts';
import { createToken, createUser } from '../../server/modules/users/service.ts';
import { tileAt, tileEnvelope } from '../../shared/os-tile-grid.ts';
import { freshDatabase, type TestDb } from '../helpers/db.ts';
import { decodeMvt } from '../helpers/mvt.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const primaryBase = inject('pgBaseUrl');
const primaryUrl = new URL(primaryBase);

let tdb: TestDb;
let admin: Knex;
let replicaDir = '';
let replicaPort = 0;
let osUser: string | null = null;
let binDir = '';
let readDb: Knex | null = null;
let built: BuiltApp | null = null;
let replicaStarted = false;

/** runs a PostgreSQL program as the cluster's OS user (when we are root and it is not) */
async function asClusterUser(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const [file, argv] = osUser ? ['runuser', ['-u', osUser, '--', cmd, ...args]] : [cmd, args];
  return run(file, argv, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

const replicaUrl = (db: string) => {
  const u = new URL(primaryBase);
  u.port = String(replicaPort);
  return `${u.toString().replace(/\/$/, '')}/${db}`;
};
const dbName = () => new URL(tdb.url).pathname.slice(1);

/** waits until the replica has replayed everything the primary has written so far (the insert position: with
 *  synchronous_commit off a commit returns before its WAL is written, so the write position can be behind it) */
async function caughtUp() {
  const lsn = (await admin.raw<{ rows: Array<{ lsn: string }> }>('SELECT pg_current_wal_insert_lsn()::text AS lsn'))
    .rows[0]!.lsn;
  const replica = createDb(replicaUrl('postgres'), 1);
  try {
    await waitFor(`replay of ${lsn}`, async () => {
      const r = await replica.raw<{ rows: Array<{ ok: boolean }> }>(
        'SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn AS ok',
        [lsn],
      );
      return r.rows[0]!.ok;
    });
  } finally {
    await replica.destroy();
  }
}

beforeAll(async () => {
  tdb = await freshDatabase();
  admin = createDb(`${primaryBase}/postgres`, 1);
  const show = async (name: string) =>
    (await admin.raw<{ rows: Array<Record<string, string>> }>(`SHOW ${name}`)).rows[0]![name]!;
  expect(await show('wal_level')).not.toBe('minimal');
  expect(Number(await show('max_wal_senders'))).toBeGreaterThan(0);
  const hba = await admin.raw<{ rows: unknown[] }>(
    `SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND type = 'host' AND address = '127.0.0.1'`,
  );
  expect(hba.rows.length, 'the primary needs a "host replication all 127.0.0.1/32" pg_hba line').toBeGreaterThan(0);

  // the cluster's data folder is local (the throwaway test cluster): the replica runs as the same OS user
  const dataDir = await show('data_directory');
  const uid = fs.statSync(dataDir).uid;
  if (process.getuid?.() === 0 && uid !== 0) {
    osUser = spawnSync('id', ['-nu', String(uid)], { encoding: 'utf8' }).stdout.trim();
  }
  binDir = findPostgresBinDir()!;
  replicaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-replica-'));
  fs.chmodSync(replicaDir, 0o700);
  if (osUser) spawnSync('chown', [`${osUser}:`, replicaDir]);
  const pgDir = path.join(replicaDir, 'pg');
  // -R writes standby.signal and primary_conninfo; -X stream brings the WAL of the copy; -c fast: no waiting
  await asClusterUser(
    path.join(binDir, 'pg_basebackup'),
    [
      ...['-h', '127.0.0.1', '-p', primaryUrl.port, '-U', decodeURIComponent(primaryUrl.username)],
      ...['-D', pgDir, '-R', '-X', 'stream', '-c', 'fast'],
    ],
    { PGPASSWORD: decodeURIComponent(primaryUrl.password) },
  );
  replicaPort = await freePort();
  replicaStarted = true;
  await asClusterUser(path.join(binDir, 'pg_ctl'), [
    ...['-D', pgDir, '-l', path.join(replicaDir, 'replica.log'), '-w', '-t', '120'],
    ...['-o', `-p ${replicaPort} -c shared_buffers=32MB -c hot_standby=on`, 'start'],
  ]);
  await waitFor('the replica to stream', async () => {
    const r = await admin.raw<{ rows: Array<{ state: string }> }>(
      `SELECT state FROM pg_stat_replication WHERE state = 'streaming'`,
    );
    return r.rows.length > 0;
  });
}, 240_000);

afterAll(async () => {
  await built?.close();
  await readDb?.destroy();
  await admin?.destroy();
  await tdb?.close();
  if (replicaStarted) {
    await asClusterUser(path.join(binDir, 'pg_ctl'), [
      '-D',
      path.join(replicaDir, 'pg'),
      '-m',
      'immediate',
      '-w',
      'stop',
    ]).catch(() => undefined);
  }
  if (replicaDir) fs.rmSync(replicaDir, { recursive: true, force: true });
}, 120_000);

describe('public routes on a streaming replica', () => {
  const z = 12;
  let t = { z, x: 0, y: 0 };
  let version = 0;
  let agent: ReturnType<typeof request>;
  it('serves tiles, TileJSON, search and the application page from the replica; staff reads stay on the primary', async () => {
    // a published application on the primary (and an unpublished one beside it)
    const x = 533010;
    const y = 178990;
    const sq = (x0: number, y0: number, s: number) =>
      `SRID=27700;MULTIPOLYGON(((${x0} ${y0},${x0 + s} ${y0},${x0 + s} ${y0 + s},${x0} ${y0 + s},${x0} ${y0})))`;
    const insert = async (reference: string, publication: string, site: string) => {
      const [{ id }] = await tdb
        .db('case_record')
        .insert({
          authority_id: tdb.authorityId,
          kind: 'application',
          reference,
          application_type: 'hh',
          description: 'Replica extension',
          site_address: '5 Replica Road, SE1 1AA',
          status: 'registered',
          received_date: '2026-03-02',
          publication,
        })
        .returning('id');
      await tdb.db.raw(
        `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs) VALUES (?, ST_GeomFromEWKT(?), 1, 'drawn', 'EPSG:27700')`,
        [id, site],
      );
      return id as number;
    };
    const published = await insert('26/HH/7001', 'published', sq(x, y, 10));
    await insert('26/HH/7002', 'unpublished', sq(x + 15, y, 10));
    const system = { id: null, username: 'test' };
    const staff = await createUser(tdb.db, system, {
      username: 'officer.replica',
      role: 'officer',
      password: 'officer-password-123',
    });
    const token = (await createToken(tdb.db, system, staff.id, 'tests')).token;
    await caughtUp();

    // the app: primary for staff and writes, the replica for public routes (as DATABASE_READ_URL does in main.ts)
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      REDLINE_DATA_DIR: '/nonexistent',
      JOB_WORKER: 'false',
      DATABASE_READ_URL: replicaUrl(dbName()),
    });
    readDb = createReadDb(config.DATABASE_READ_URL!, 2);
    const count = { primary: 0, replica: 0 };
    tdb.db.on('query', () => count.primary++);
    readDb.on('query', () => count.replica++);
    built = buildApp(
      {
        db: tdb.db,
        readDb,
        config,
        log: createLogger('silent'),
        authorityId: tdb.authorityId,
        sessionSecret: 'x'.repeat(40),
        intake: intakeOptions(config, tdb.authorityId),
      },
      tdb.url,
    );
    agent = request(built.app);
    expect((await readDb.raw<{ rows: Array<{ r: boolean }> }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r).toBe(
      true,
    );
    count.replica = 0;

    // TileJSON and an OS tile: the published application only
    const tj = await agent.get('/api/public/tiles/os27700.json').expect(200);
    version = tj.body.data_version as number;
    t = tileAt(z, x + 5, y + 5);
    expect(tileEnvelope(z, t.x, t.y)[0]).toBeLessThanOrEqual(x);
    const tile = await agent
      .get(`/api/public/tiles/os27700/${version}/${z}/${t.x}/${t.y}.mvt`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const layers = decodeMvt(tile.body as Buffer);
    expect(layers[0]!.features.map((f) => f.id)).toEqual([published]);

    // the public search API and the application page, when the register helper's routes are there
    const search = await agent.get('/api/public/applications?reference=26/HH/700');
    if (search.status !== 404) {
      expect(search.status).toBe(200);
      expect(search.body.items.map((i: { reference: string }) => i.reference)).toEqual(['26/HH/7001']);
      const page = await agent.get('/register/applications/26-HH-7001');
      expect(page.status).toBe(200);
      expect(page.text).toContain('26/HH/7001');
    }
    expect(count.replica).toBeGreaterThan(0);
    expect(count.primary).toBe(0);

    // the replica saw those reads (its own pool's connections, in this database)
    const replicaAdmin = createDb(replicaUrl('postgres'), 1);
    try {
      const seen = await replicaAdmin.raw<{ rows: unknown[] }>(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'redline-read' AND datname = ?`,
        [dbName()],
      );
      expect(seen.rows.length).toBeGreaterThan(0);
    } finally {
      await replicaAdmin.destroy();
    }

    // a staff read goes to the primary, never the replica
    const before = count.replica;
    await agent.get(`/api/cases/${published}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(count.replica).toBe(before);
    expect(count.primary).toBeGreaterThan(0);
  });

  // Needs the public data version to be replicated as table data: 0018's public_data_version reads the sequence's
  // last_value, which a standby only sees when the primary WAL-logs the sequence (every 32 nextval calls, or the
  // first after a checkpoint), so on a replica it stands still while the data moves (and a versioned, immutable
  // tile URL would then hold two different tiles). See the report / README "Scaling the register".
  it('moves the public data version on the replica when the published data changes', async () => {
    expect(agent, 'the first test set up the app').toBeDefined();
    await tdb.db('case_record').where({ reference: '26/HH/7002' }).update({ publication: 'published' });
    await caughtUp();
    const tj2 = await agent.get('/api/public/tiles/os27700.json').expect(200);
    const v2 = tj2.body.data_version as number;
    expect(v2, 'the public data version must move on the replica when the data does').toBeGreaterThan(version);
    const tile2 = await agent
      .get(`/api/public/tiles/os27700/${v2}/${z}/${t.x}/${t.y}.mvt`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(decodeMvt(tile2.body as Buffer)[0]!.features).toHaveLength(2);
    expect(v2, 'the public data version must move on the replica when the data does').toBeGreaterThan(version);
  });
});
