/**
 * `npm run redline -- backup / restore` and the guarded `migrate:rollback`: a database with the demo layers and a
 * generated load of cases (sites, constraint checks, audit rows) is backed up while it has a snapshot's worth of
 * data, restored into a new empty database, and compared table by table; a constraint check run on the restored
 * copy gives the same answer as on the original. A non-empty database and a backup from a newer Redline are
 * refused, changing nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { loadDemoLayers } from '../../server/seed/layers.ts';
import { createDb } from '../../server/db/knex.ts';
import { ensureDatabase } from '../../server/db/embedded.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { intakeOptions } from '../../server/http/context.ts';
import { manifestPath, type BackupManifest } from '../../server/db/backup.ts';
import { caseEtag } from '../helpers/if-match.ts';
import { auditChainState } from '../../server/modules/audit/repo.ts';
import { sealAll, verifyAuditChain } from '../../server/modules/audit/chain.ts';

let t: TestApp;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-backup-'));
const file = path.join(dir, 'redline.backup');
const made: string[] = [];
const baseUrl = inject('pgBaseUrl');

async function emptyDatabase(): Promise<string> {
  const name = `redline_restore_${crypto.randomBytes(5).toString('hex')}`;
  await ensureDatabase(baseUrl, name);
  made.push(name);
  return `${baseUrl}/${name}`;
}

// the generated sites start inside a conservation area (found below) and spread 40 m apart
let X = 0;
let Y = 0;
const square = (x: number, y: number, s: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + s, y],
      [x + s, y + s],
      [x, y + s],
      [x, y],
    ],
  ],
});

/** The rows of a table as one fingerprint (every column, in id order). */
async function fingerprint(db: ReturnType<typeof createDb>, table: string, where = 'true'): Promise<string> {
  const r = await db.raw(
    `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) AS h FROM ${table} t WHERE ${where}`,
  );
  return `${r.rows[0].n}:${r.rows[0].h}`;
}

let checkedCase = 0;
beforeAll(async () => {
  t = await startTestApp();
  await loadDemoLayers(t.db);
  const inside = await t.db.raw(
    `SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_PointOnSurface(geom) AS p FROM constraint_feature
      WHERE layer_id = 'conservation-area' ORDER BY ST_Area(geom) DESC LIMIT 1) q`,
  );
  X = Math.round(Number(inside.rows[0].x)) - 6;
  Y = Math.round(Number(inside.rows[0].y)) - 6;
  // a generated load: 60 applications, each with a site and a stored constraint check
  for (let i = 0; i < 60; i++) {
    const c = await t
      .as('officer')
      .post('/api/cases')
      .send({
        kind: 'application',
        applicationType: i % 3 ? 'hh' : 'full',
        description: `Generated application ${i}`,
        receivedDate: '2026-10-01',
      })
      .expect(201);
    const x = X + (i % 10) * 40;
    const y = Y + Math.floor(i / 10) * 40;
    await t
      .as('officer')
      .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.body.id))
      .send({ geometry: square(x, y, 12) })
      .expect(200);
    await t.as('officer').post(`/api/cases/${c.body.id}/constraint-checks`).send({}).expect(201);
    if (i === 0) checkedCase = c.body.id as number;
  }
}, 300_000);

afterAll(async () => {
  await t?.closeApp();
  const admin = createDb(`${baseUrl}/postgres`, 1);
  for (const name of made) await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TABLES = ['case_record', 'case_site', 'constraint_check', 'constraint_hit', 'layer', 'constraint_feature'];

const timings = { backupMs: 0 };
describe('backup and restore', { timeout: 180_000 }, () => {
  let restoredUrl = '';
  let manifest: BackupManifest;

  let chainAtBackup: Awaited<ReturnType<typeof auditChainState>>;
  it('backup writes a custom-format dump and a manifest of row counts and the migration level, and audits it', async () => {
    // the audit trail sealed into its hash chain, as the server's sealer leaves it
    await sealAll(t.db);
    chainAtBackup = await auditChainState(t.db);
    expect(chainAtBackup).toMatchObject({ unsealed: 0, broken: null });
    expect(chainAtBackup.sealed).toBeGreaterThan(100);
    const t0 = Date.now();
    const r = await runCli(t.url, ['backup', '--file', file]);
    timings.backupMs = Date.now() - t0;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /backup written: .*redline\.backup \([\d.]+ MB, \d+ tables, [\d,]+ rows, migration level \d{4}_/,
    );
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump's custom format
    manifest = JSON.parse(fs.readFileSync(manifestPath(file), 'utf8')) as BackupManifest;
    expect(manifest.format).toBe('redline-backup/1');
    const applied = (await t.db('knex_migrations').orderBy('id').pluck('name')) as string[];
    expect(manifest.migrations).toEqual(applied);
    expect(manifest.tables['public.case_record']).toBe(60);
    expect(manifest.tables['public.constraint_check']).toBe(60);
    expect(manifest.bytes).toBe(fs.statSync(file).size);
    const audit = await t.db('audit_log').where({ action: 'system.backup' }).first();
    expect(audit.after).toMatchObject({ file: 'redline.backup', bytes: manifest.bytes });
    // the audit row was written after the snapshot: the backup holds the rows before it
    expect(manifest.tables['public.audit_log']).toBe(Number((await t.db('audit_log').count('* as n'))[0]!.n) - 1);
  });

  it('restore fills a new empty database with exactly what was backed up', async () => {
    restoredUrl = await emptyDatabase();
    const t0 = Date.now();
    const r = await runCli(restoredUrl, ['restore', '--file', file]);
    // the round trip's figures, for the record (times include starting the CLI)
    const rows = Object.values(manifest.tables).reduce((a, n) => a + n, 0);
    console.log(
      `backup round trip: ${(manifest.bytes / 1048576).toFixed(1)} MB, ${Object.keys(manifest.tables).length} tables, ${rows} rows; backup ${timings.backupMs} ms, restore ${Date.now() - t0} ms`,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/restored .* all as in the manifest/);
    const restored = createDb(restoredUrl, 2);
    try {
      for (const table of TABLES)
        expect(await fingerprint(restored, table), table).toBe(await fingerprint(t.db, table));
      // the audit trail as it was at the backup (the original has the backup's own row after it)
      const last = Number((await restored('audit_log').max('id as m'))[0]!.m);
      expect(await fingerprint(restored, 'audit_log')).toBe(await fingerprint(t.db, 'audit_log', `t.id <= ${last}`));
      expect(await restored('knex_migrations').pluck('name')).toEqual(manifest.migrations);
      // the hash chain came back as it was (restored before the triggers that would unseal inserted rows), holds
      // link by link, and goes on from there
      expect(await auditChainState(restored)).toEqual(chainAtBackup);
      await restored.raw(
        `INSERT INTO audit_log (actor, action, entity_type, entity_id) VALUES ('test', 'test.after-restore', 'system', 'x')`,
      );
      const after = await verifyAuditChain(restored);
      expect(after).toMatchObject({ broken: null, unsealed: 0, sealed: chainAtBackup.sealed + 1 });
      expect(after.head!.seq).toBe(chainAtBackup.head!.seq + 1);
    } finally {
      await restored.destroy();
    }
  });

  it('the restored copy answers a constraint check as the original does', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', REDLINE_DATA_DIR: '/nonexistent' });
    const db = createDb(restoredUrl, 4);
    const built = buildApp(
      {
        db,
        readDb: db,
        config,
        log: createLogger('silent'),
        authorityId: t.authorityId,
        sessionSecret: 'x'.repeat(40),
        intake: intakeOptions(config, t.authorityId),
      },
      restoredUrl,
    );
    try {
      const again = (app: Parameters<typeof request>[0]) =>
        request(app)
          .post(`/api/cases/${checkedCase}/constraint-checks`)
          .set('Authorization', `Bearer ${t.tokens.officer}`)
          .send({})
          .expect(201);
      const strip = (body: { report: { layers: Array<Record<string, unknown>> } }) =>
        body.report.layers.map((l) => ({ layer: l.layerId, status: l.status, sentence: l.sentence, hits: l.hits }));
      const original = await again(t.app);
      const copy = await again(built.app);
      expect(strip(copy.body)).toEqual(strip(original.body));
      const statuses = (copy.body.report.layers as Array<{ layerId: string; status: string }>).map(
        (l) => `${l.layerId}: ${l.status}`,
      );
      expect(statuses, 'the site is in a conservation area').toContain('conservation-area: constraint');
    } finally {
      await built.close();
      await db.destroy();
    }
  });

  it('refuses a database that is not empty, changing nothing', async () => {
    const before = await fingerprint(t.db, 'case_record');
    const r = await runCli(t.url, ['restore', '--file', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty \(\d+ tables, e\.g\. .*\): restore into a new, empty database/);
    expect(await fingerprint(t.db, 'case_record')).toBe(before);
  });

  it('refuses a backup from a newer Redline, and a backup without its manifest', async () => {
    const newer = path.join(dir, 'newer.backup');
    fs.copyFileSync(file, newer);
    fs.writeFileSync(
      manifestPath(newer),
      JSON.stringify({ ...manifest, migrations: [...manifest.migrations, '9999_from_the_future.sql'] }),
    );
    const target = await emptyDatabase();
    const r = await runCli(target, ['restore', '--file', newer]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('newer Redline (migrations 9999_from_the_future.sql are not in this version)');
    fs.rmSync(manifestPath(newer));
    const bare = await runCli(target, ['restore', '--file', newer]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('manifest newer.backup.manifest.json is not beside it');
    const db = createDb(target, 1);
    try {
      const n = await db.raw(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
      expect(n.rows[0].n).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('a restore that fails half way leaves the database empty (one transaction)', async () => {
    const broken = path.join(dir, 'broken.backup');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(broken, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    fs.copyFileSync(manifestPath(file), manifestPath(broken));
    const target = await emptyDatabase();
    const r = await runCli(target, ['restore', '--file', broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pg_restore failed/);
    const db = createDb(target, 1);
    try {
      const n = await db.raw(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
      expect(n.rows[0].n).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});

describe('migrate:rollback', { timeout: 180_000 }, () => {
  it('refuses without --i-understand-this-deletes-data, naming what it would undo, and undoes nothing', async () => {
    const before = await t.db('knex_migrations').count('* as n');
    const r = await runCli(t.url, ['migrate:rollback']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/migrate:rollback would undo \d{4}_.*drop tables and every row in them/);
    expect(r.stderr).toContain('--i-understand-this-deletes-data');
    expect(await t.db('knex_migrations').count('* as n')).toEqual(before);
  });

  it('with the flag, undoes the last batch', async () => {
    const target = await emptyDatabase();
    const restore = await runCli(target, ['restore', '--file', file]);
    expect(restore.code).toBe(0);
    const db = createDb(target, 1);
    try {
      const batch = (await db('knex_migrations')
        .where('batch', db('knex_migrations').max('batch'))
        .pluck('name')) as string[];
      const r = await runCli(target, ['migrate:rollback', '--i-understand-this-deletes-data']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('rolled back:');
      const left = (await db.raw(`SELECT to_regclass('public.knex_migrations') AS t`)).rows[0].t
        ? ((await db('knex_migrations').pluck('name')) as string[])
        : [];
      for (const name of batch) expect(left).not.toContain(name);
    } finally {
      await db.destroy();
    }
  });
});
