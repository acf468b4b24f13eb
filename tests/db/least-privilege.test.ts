/**
 * Least privilege (issue 16 item 1): Redline serves as a role that owns nothing and cannot rewrite the audit trail,
 * by any of the tricks that worked for a superuser login; the migrations run as the owner; audit rows carry a hash
 * chain that `audit:verify` checks, naming the first broken link.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Knex } from 'knex';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { freshDatabase, type TestDb } from '../helpers/db.ts';
import { runCli } from '../helpers/cli.ts';
import { createDb } from '../../server/db/knex.ts';
import { ensureDatabase } from '../../server/db/embedded.ts';
import { ensureLoginRole, roleReport } from '../../server/db/roles.ts';
import { bootDatabase } from '../../server/boot.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { writeAudit } from '../../server/modules/audit/audit.ts';
import { describeChain, sealAll, verifyAuditChain } from '../../server/modules/audit/chain.ts';

let t: TestApp;
let serving: Knex;
const made: { dbs: string[]; roles: string[]; dirs: string[] } = { dbs: [], roles: [], dirs: [] };
const baseUrl = inject('pgBaseUrl');

/** every audit row, every column, as one fingerprint */
async function auditFingerprint(db: Knex): Promise<string> {
  const r = await db.raw(
    `SELECT count(*) AS n, md5(coalesce(string_agg(a::text, '|' ORDER BY a.id), '')) AS h FROM audit_log a`,
  );
  return `${r.rows[0].n}:${r.rows[0].h}`;
}

beforeAll(async () => {
  t = await startTestApp();
  serving = createDb(t.servingUrl, 2);
  // some history made through the app (which serves as the serving role)
  for (let i = 0; i < 3; i++) {
    const res = await t
      .as('support')
      .post('/api/cases')
      .send({
        kind: 'application',
        applicationType: 'full',
        description: `Rear extension ${i}`,
        receivedDate: '2026-11-02',
      });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await serving?.destroy();
  await t?.closeApp();
  const admin = createDb(`${baseUrl}/postgres`, 1);
  try {
    for (const name of made.dbs) await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    for (const role of made.roles) await admin.raw(`DROP ROLE IF EXISTS "${role}"`);
  } finally {
    await admin.destroy();
  }
  for (const d of made.dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('the serving role', () => {
  it('is no superuser, owns no table and may not change or remove audit rows', async () => {
    const r = await roleReport(serving);
    expect(r).toEqual({ role: 'redline_app', superuser: false, ownsTables: 0, canRewriteAudit: false });
    // the owner, for contrast, could
    expect((await roleReport(t.db)).canRewriteAudit).toBe(true);
  });

  const attacks: Array<[string, string[]]> = [
    ['a plain UPDATE', [`UPDATE audit_log SET actor = 'someone else'`]],
    ['a plain DELETE', ['DELETE FROM audit_log']],
    ['TRUNCATE', ['TRUNCATE audit_log']],
    ['TRUNCATE … CASCADE', ['TRUNCATE audit_log CASCADE']],
    ['disabling the user triggers', ['ALTER TABLE audit_log DISABLE TRIGGER USER']],
    ['disabling one trigger', ['ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete']],
    ['dropping the trigger', ['DROP TRIGGER audit_log_no_update_delete ON audit_log']],
    [
      'replacing the trigger function',
      [
        'CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
      ],
    ],
    [
      'session_replication_role = replica, then DELETE',
      ['SET session_replication_role = replica', 'DELETE FROM audit_log'],
    ],
    [
      'SET LOCAL session_replication_role in a transaction',
      ['BEGIN', 'SET LOCAL session_replication_role = replica', 'DELETE FROM audit_log'],
    ],
    [
      'a trigger of its own on the table',
      [
        'CREATE FUNCTION pg_temp.nothing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$',
        'CREATE TRIGGER zz_first BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION pg_temp.nothing()',
      ],
    ],
    ['renaming the table', ['ALTER TABLE audit_log RENAME TO audit_log_old']],
    ['dropping the table', ['DROP TABLE audit_log CASCADE']],
    ['taking ownership', ['ALTER TABLE audit_log OWNER TO redline_app']],
    // (PostgreSQL only warns "no privileges were granted"; the UPDATE after it is what is refused)
    [
      'granting itself UPDATE, then UPDATE',
      ['GRANT UPDATE ON audit_log TO redline_app', `UPDATE audit_log SET actor = 'x'`],
    ],
    ['becoming the owner', ['SET ROLE redline']],
    ['making itself a superuser', ['ALTER ROLE redline_app SUPERUSER']],
    [
      'sealing a row by hand (the chain columns)',
      [`UPDATE audit_log SET chain_seq = 999999, chain_hash = sha256('x') WHERE chain_hash IS NULL`],
    ],
    ['dropping the sealing function', ['DROP FUNCTION audit_seal(int)']],
    ['a table of its own in public', ['CREATE TABLE public.mine (id int)']],
    ['rewriting the migrations record', [`DELETE FROM knex_migrations`]],
  ];
  for (const [name, statements] of attacks) {
    it(`is refused ${name}, and the audit trail is unchanged`, async () => {
      await sealAll(t.db);
      const before = await auditFingerprint(t.db);
      const conn = await serving.client.acquireConnection();
      let error: { code?: string; message: string } | null = null;
      try {
        for (const sql of statements) await conn.query(sql);
      } catch (e) {
        error = e as { code?: string; message: string };
      } finally {
        await conn.query('ROLLBACK').catch(() => undefined);
        await serving.client.releaseConnection(conn);
      }
      expect(error, `${name} was allowed`).not.toBeNull();
      // 42501 insufficient_privilege (or "must be owner" / "permission denied" in its words)
      expect(error!.code).toBe('42501');
      expect(await auditFingerprint(t.db)).toBe(before);
    });
  }

  it('still writes audit rows, and a forged place in the chain is dropped on insert', async () => {
    await serving.raw(
      `INSERT INTO audit_log (actor, action, entity_type, chain_seq, chain_hash)
       VALUES ('tests', 'test.forged', 'case', 1, sha256('forged'))`,
    );
    const row = await t.db('audit_log').where({ action: 'test.forged' }).first('chain_seq', 'chain_hash');
    expect(row).toEqual({ chain_seq: null, chain_hash: null });
    // it may seal (through the owner's function), and the chain holds
    expect(await sealAll(serving)).toBeGreaterThan(0);
    const state = await verifyAuditChain(serving);
    expect(state.broken).toBeNull();
    expect(state.unsealed).toBe(0);
  });

  it('loads a layer (ogr2ogr staging tables in their own schema) and leaves no table behind', async () => {
    const res0 = await t
      .as('gis')
      .post('/api/layers')
      .send({
        definition: {
          id: 'lp-layer',
          title: 'Least privilege test layer',
          category: 'local',
          dataset: null,
          geometryKind: 'polygon',
          rule: { kind: 'intersects' },
          ruleReason: 'A test rule.',
          report: { positive: '{name} is {where}.', negative: 'Nothing.' },
          style: { 'stroke-color': '#000000' },
          public: false,
          provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
        },
      });
    expect(res0.status, JSON.stringify(res0.body)).toBe(201);
    const body = JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: [
        {
          type: 'Feature',
          properties: { ref: 'A', name: 'A' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [532000, 180000],
                [532010, 180000],
                [532010, 180010],
                [532000, 180000],
              ],
            ],
          },
        },
      ],
    });
    // If-Match when the layer answers with an ETag (every write is version-checked)
    const etag = (await t.as('gis').get('/api/layers/lp-layer')).headers.etag as string | undefined;
    const req = t
      .as('gis')
      .put('/api/layers/lp-layer/data?reference=ref')
      .set('If-Match', '*')
      .set('Content-Type', 'application/octet-stream')
      .set('Prefer', 'wait=120');
    if (etag) req.set('If-Match', etag);
    const res = await req.send(Buffer.from(body));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const layer = await t.db('layer').where({ id: 'lp-layer' }).first('feature_count');
    expect(layer.feature_count).toBe(1);
    const left = await t
      .db('pg_tables')
      .whereIn('schemaname', ['public', 'layer_staging'])
      .where('tableowner', 'redline_app');
    expect(left).toEqual([]);
  });
});

describe('the hash chain', () => {
  let d: TestDb;
  beforeAll(async () => {
    d = await freshDatabase();
    for (let i = 0; i < 6; i++)
      await writeAudit(d.db, {
        actor: { id: null, username: 'tests' },
        action: 'test.chain',
        entityType: 'case',
        entityId: i,
        after: { i, text: 'ünïcödé “quotes” and\nnew lines' },
      });
  }, 60_000);
  afterAll(async () => d?.close());

  it('holds over every row, in commit order, and the CLI says so (exit 0)', async () => {
    const s = await verifyAuditChain(d.db);
    expect(s.broken).toBeNull();
    expect(s.unsealed).toBe(0);
    expect(s.head!.seq).toBe(s.sealed);
    const cli = await runCli(d.url, ['audit:verify']);
    expect(cli.stdout).toContain('The audit chain holds');
    expect(cli.code).toBe(0);
  });

  it('does not hold up other writers behind a long transaction, and seals its row once it commits', async () => {
    const long = await d.db.transaction();
    await writeAudit(long, {
      actor: { id: null, username: 'slow' },
      action: 'test.slow',
      entityType: 'case',
      entityId: 1,
    });
    // others write and are sealed while the long one is open
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        writeAudit(d.db, {
          actor: { id: null, username: 'fast' },
          action: 'test.fast',
          entityType: 'case',
          entityId: i,
        }),
      ),
    );
    expect(await sealAll(d.db)).toBe(10);
    await long.commit();
    expect(await sealAll(d.db)).toBe(1);
    const s = await verifyAuditChain(d.db);
    expect(s.broken).toBeNull();
    // the slow row has a lower id but a later place in the chain: the chain is in commit order
    const slow = await d.db('audit_log').where({ action: 'test.slow' }).first('id', 'chain_seq');
    expect(slow.chain_seq).toBe(s.head!.seq);
  });

  it('breaks at the row a superuser changed behind the triggers, and audit:verify names it (exit 1)', async () => {
    const victim = await d.db('audit_log').where({ action: 'test.chain', entity_id: '2' }).first('id', 'chain_seq');
    await d.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx.raw(`UPDATE audit_log SET actor = 'someone else' WHERE id = ?`, [victim.id]);
    });
    const s = await verifyAuditChain(d.db);
    expect(s.broken).toEqual({ seq: Number(victim.chain_seq), id: Number(victim.id), reason: 'changed' });
    expect(describeChain(s)).toContain(`BROKEN at link ${victim.chain_seq} (audit row ${victim.id})`);
    const cli = await runCli(d.url, ['audit:verify']);
    expect(cli.code).toBe(1);
    expect(cli.stdout + cli.stderr).toContain(`audit row ${victim.id}`);
    // put it back: the chain holds again (the hash covers exactly the content)
    await d.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx.raw(`UPDATE audit_log SET actor = 'tests' WHERE id = ?`, [victim.id]);
    });
    expect((await verifyAuditChain(d.db)).broken).toBeNull();
  });

  it('breaks after a row a superuser deleted, naming the next link', async () => {
    const victim = await d.db('audit_log').where({ action: 'test.chain', entity_id: '4' }).first('id', 'chain_seq');
    const next = await d
      .db('audit_log')
      .where('chain_seq', Number(victim.chain_seq) + 1)
      .first('id', 'chain_seq');
    await d.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx.raw('DELETE FROM audit_log WHERE id = ?', [victim.id]);
    });
    const s = await verifyAuditChain(d.db);
    expect(s.broken).toEqual({ seq: Number(next.chain_seq), id: Number(next.id), reason: 'missing-before' });
    expect(describeChain(s)).toContain('missing (deleted)');
  });
});

describe('start-up sets the roles up', () => {
  it('the embedded cluster: migrations as the owner, serving as redline_app (owns nothing)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-lp-boot-'));
    made.dirs.push(dir);
    fs.chmodSync(dir, 0o711);
    const config = loadConfig({ REDLINE_DATA_DIR: dir, REDLINE_DEMO_DATA: 'false', LOG_LEVEL: 'silent' });
    const booted = await bootDatabase(config, createLogger('silent'), { owner: false });
    try {
      expect(await roleReport(booted.db)).toEqual({
        role: 'redline_app',
        superuser: false,
        ownsTables: 0,
        canRewriteAudit: false,
      });
      expect(new URL(booted.ownerUrl).username).toBe('redline');
      expect(fs.statSync(path.join(dir, 'pg-app-password')).mode & 0o777).toBe(0o600);
    } finally {
      await booted.shutdown();
      if (booted.cluster) await booted.cluster.stop(true);
    }
  }, 180_000);

  it('DATABASE_URL + DATABASE_OWNER_URL: an empty database is migrated by the owner and served by the other role', async () => {
    const name = `redline_lp_${crypto.randomBytes(4).toString('hex')}`;
    const role = `redline_srv_${crypto.randomBytes(4).toString('hex')}`;
    made.dbs.push(name);
    made.roles.push(role);
    await ensureDatabase(baseUrl, name);
    const admin = createDb(`${baseUrl}/postgres`, 1);
    try {
      await ensureLoginRole(admin, role, 'serving-password-123');
    } finally {
      await admin.destroy();
    }
    const u = new URL(`${baseUrl}/${name}`);
    const ownerUrl = u.toString();
    u.username = role;
    u.password = 'serving-password-123';
    const config = loadConfig({
      DATABASE_URL: u.toString(),
      DATABASE_OWNER_URL: ownerUrl,
      REDLINE_DEMO_DATA: 'false',
      LOG_LEVEL: 'silent',
    });
    const booted = await bootDatabase(config, createLogger('silent'), { owner: false });
    try {
      expect(await roleReport(booted.db)).toEqual({ role, superuser: false, ownsTables: 0, canRewriteAudit: false });
      // it serves: the authority row was written through it, and it may write audit rows
      expect(await booted.db('authority').count({ n: '*' }).first()).toEqual({ n: 1 });
      await writeAudit(booted.db, {
        actor: { id: null, username: 'tests' },
        action: 'test.x',
        entityType: 'case',
        entityId: 1,
      });
      const owner = createDb(ownerUrl, 1);
      try {
        expect(
          await owner('pg_tables').where({ schemaname: 'public', tablename: 'audit_log' }).first('tableowner'),
        ).toEqual({
          tableowner: 'redline',
        });
      } finally {
        await owner.destroy();
      }
    } finally {
      await booted.shutdown();
    }
  }, 180_000);
});
