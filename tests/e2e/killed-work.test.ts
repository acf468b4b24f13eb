/**
 * Issue 16 item 6: work killed halfway. A Redline process (`server/main.ts`, serving as the least-privileged role)
 * is killed with SIGKILL in the middle of a layer load and in the middle of a letters run: at the moment each is
 * inside its final transaction, having written the new features (or the letters' document row) but not yet its audit
 * row. The test holds a lock on the audit table to stop the work exactly there, kills the process, then lets go.
 * What must hold: the old data is still current (the layer's version, features and pieces; no document, no publicity
 * event), the audit trail's hash chain is whole, and the same work run again by a new process succeeds once.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, createUser } from '../../server/modules/users/service.ts';
import { verifyAuditChain } from '../../server/modules/audit/chain.ts';
import { startRedline, type RunningRedline } from '../helpers/child-redline.ts';
import { freshDatabase, type TestDb } from '../helpers/db.ts';

type Running = RunningRedline;

const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-killed-'));
let tdb: TestDb;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  tdb = await freshDatabase();
  const system = { id: null, username: 'test' };
  for (const role of ['gis', 'officer', 'support'] as const) {
    const u = await createUser(tdb.db, system, { username: `killed.${role}`, role, password: `${role}-password-123` });
    tokens[role] = (await createToken(tdb.db, system, u.id, 'killed-work')).token;
  }
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await tdb?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Redline on the test's database, as a process of its own (it serves as redline_app, migrates as the owner). */
const start = (env: Record<string, string> = {}) =>
  startRedline(
    {
      DATABASE_URL: tdb.servingUrl,
      DATABASE_OWNER_URL: tdb.url,
      REDLINE_DATA_DIR: path.join(tmp, 'data'),
      REDLINE_DEMO_DATA: 'false',
      ALERTS_INTERVAL_MINUTES: '0',
      JOB_POLL_MS: '100',
      ...env,
    },
    children,
  );

async function call(
  r: Running,
  role: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const isText = typeof body === 'string';
  const res = await fetch(`${r.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[role]}`,
      ...(body === undefined ? {} : { 'content-type': isText ? 'application/geo+json' : 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : isText ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

/**
 * Holds a lock that stops every INSERT into audit_log, runs `during` (which starts the work), waits until the work
 * is waiting for that lock inside its transaction, kills the process, waits for it to die, and lets the lock go.
 */
async function killInsideFinalTransaction(given: Running | null, during: () => void | Promise<Running>): Promise<void> {
  let r = given;
  const locker = await tdb.db.client.acquireConnection();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE');
    const started = await during();
    if (started) r = started;
    const end = Date.now() + 60_000;
    for (;;) {
      const { rows } = await tdb.db.raw<{ rows: Array<{ n: string }> }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'insert into "audit_log"%'`,
      );
      if (Number(rows[0]!.n) > 0) break;
      if (Date.now() > end) throw new Error('the work never reached its audit row');
      await new Promise((res) => setTimeout(res, 50));
    }
    r!.child.kill('SIGKILL');
    expect(await r!.exited).toBe(null);
  } finally {
    await locker.query('ROLLBACK');
    await tdb.db.client.releaseConnection(locker);
  }
  // the killed process's backend gets the lock, then finds its client gone and rolls back
  const end = Date.now() + 30_000;
  for (;;) {
    const { rows } = await tdb.db.raw<{ rows: Array<{ n: string }> }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    if (Number(rows[0]!.n) === 0 || Date.now() > end) break;
    await new Promise((res) => setTimeout(res, 50));
  }
}

const square = (x: number, y: number, s: number) => [
  [
    [x, y],
    [x + s, y],
    [x + s, y + s],
    [x, y + s],
    [x, y],
  ],
];
const collection = (label: string, n: number) =>
  JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
    features: Array.from({ length: n }, (_, i) => ({
      type: 'Feature',
      properties: { ref: `${label}-${i}`, title: `${label} ${i}` },
      geometry: { type: 'Polygon', coordinates: square(532000 + (i % 40) * 30, 178000 + Math.floor(i / 40) * 30, 20) },
    })),
  });

async function chainWhole(db: Knex) {
  const v = await verifyAuditChain(db);
  expect(v.broken, JSON.stringify(v)).toBe(null);
  expect(v.sealed).toBeGreaterThan(0);
}

describe('a layer load killed halfway', { timeout: 240_000 }, () => {
  it('leaves the old data current, and the same load taken over by the next Redline succeeds once', async () => {
    const first = await start();
    const id = 'killed-load';
    const define = await call(first, 'gis', 'POST', '/api/layers', {
      definition: {
        id,
        title: 'Killed load',
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
    expect(define.status, JSON.stringify(define.body)).toBe(201);
    const data = `/api/layers/${id}/data?filename=${id}.geojson&reference=ref&name=title`;
    const v1 = await call(first, 'gis', 'PUT', data, collection('old', 3), { 'if-match': '*', prefer: 'wait=60' });
    expect(v1.status, JSON.stringify(v1.body)).toBe(200);
    const before = await tdb.db('layer').where({ id }).first('data_version', 'feature_count', 'source_hash');
    expect(before).toMatchObject({ data_version: 1, feature_count: 3 });
    const refsBefore = await tdb
      .db('constraint_feature')
      .where({ layer_id: id })
      .orderBy('source_ref')
      .pluck('source_ref');
    const piecesBefore = Number((await tdb.db('constraint_piece').where({ layer_id: id }).count({ n: '*' }))[0]!.n);

    // the load is queued by a Redline without a worker; the Redline that runs it is killed inside its last step
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const queuer = await start({ JOB_WORKER: 'false' });
    const queued = await call(queuer, 'gis', 'PUT', data, collection('new', 400), { 'if-match': '"v1.1"' });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    queuer.child.kill('SIGTERM');
    expect(await queuer.exited).toBe(0);
    await killInsideFinalTransaction(null, () => start());

    // the old data is still current: version, count, features, pieces
    expect(await tdb.db('layer').where({ id }).first('data_version', 'feature_count', 'source_hash')).toEqual(before);
    expect(
      await tdb.db('constraint_feature').where({ layer_id: id }).orderBy('source_ref').pluck('source_ref'),
    ).toEqual(refsBefore);
    expect(Number((await tdb.db('constraint_piece').where({ layer_id: id }).count({ n: '*' }))[0]!.n)).toBe(
      piecesBefore,
    );
    expect(await tdb.db('audit_log').where({ action: 'layer.load', entity_id: id }).count({ n: '*' })).toEqual([
      { n: 1 },
    ]);
    const job = await tdb.db('job').where({ kind: 'layer-load', subject: id }).orderBy('id', 'desc').first();
    expect(job.status).toBe('running');
    await chainWhole(tdb.db);

    // the next Redline takes the job over once its heartbeat is stale, and runs it to the end, once
    const second = await start({ JOB_STALE_SECONDS: '1' });
    const endAt = Date.now() + 90_000;
    let after = job;
    while (Date.now() < endAt) {
      after = await tdb.db('job').where({ id: job.id }).first();
      if (after.status === 'succeeded' || after.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(after.status, JSON.stringify(after.error)).toBe('succeeded');
    expect(after.attempts).toBe(2);
    const now = await tdb.db('layer').where({ id }).first('data_version', 'feature_count');
    expect(now).toEqual({ data_version: 2, feature_count: 400 });
    const refs = await tdb.db('constraint_feature').where({ layer_id: id }).pluck('source_ref');
    expect(refs.length).toBe(400);
    expect(refs.every((r: string) => r.startsWith('new-'))).toBe(true);
    expect(await tdb.db('audit_log').where({ action: 'layer.load', entity_id: id }).count({ n: '*' })).toEqual([
      { n: 2 },
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await chainWhole(tdb.db);
  });
});

describe('a letters run killed halfway', { timeout: 240_000 }, () => {
  it('stores no letters and no publicity event, and the run made again by the next Redline is stored once', async () => {
    const first = await start();
    // 300 address points around a site, a notification run to all of them
    const rows = Array.from({ length: 300 }, (_, i) => {
      const x = 533030 + (i % 20) * 4;
      const y = 179000 + Math.floor(i / 20) * 4;
      return `${910000000000 + i},${i + 1} Killed Street,,London,SE1 1AA,${x},${y}`;
    });
    const csv =
      'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,ADDRESS_LINE_3,POSTCODE,X_COORDINATE,Y_COORDINATE\n' + rows.join('\n');
    const addr = await fetch(`${first.url}/api/addresses/data?filename=addresses.csv`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.gis}`, 'content-type': 'text/csv', 'if-match': '*' },
      body: csv,
    });
    expect(addr.status, await addr.clone().text()).toBe(200);
    const created = await call(first, 'officer', 'POST', '/api/cases', {
      kind: 'application',
      applicationType: 'hh',
      description: 'Rear extension',
      siteAddress: '12 Killed Street, London SE1 1AA',
      receivedDate: '2026-10-01',
      validDate: '2026-10-05',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const caseId = created.body.id as number;
    const site = await call(
      first,
      'officer',
      'PUT',
      `/api/cases/${caseId}/site?crs=EPSG:27700`,
      { geometry: { type: 'Polygon', coordinates: square(533000, 179000, 20) } },
      { 'if-match': `"v${created.body.version}"` },
    );
    expect(site.status, JSON.stringify(site.body)).toBe(200);
    const run = await call(first, 'support', 'POST', `/api/cases/${caseId}/notification-runs`, {
      selection: { radiusM: 150 },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body.recipients.length).toBe(300);
    const letters = {
      kind: 'neighbour-letter',
      runId: run.body.id,
      recordEvent: { date: '2026-11-02' },
    };

    let pending: Promise<unknown> | null = null;
    await killInsideFinalTransaction(first, () => {
      pending = call(first, 'officer', 'POST', `/api/cases/${caseId}/documents`, letters).catch(() => null);
    });
    expect(await pending).toBe(null); // the answer died with the process
    expect(await tdb.db('document').where({ case_id: caseId }).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await tdb.db('publicity_event').where({ case_id: caseId }).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await tdb.db('audit_log').where({ action: 'document.create' }).count({ n: '*' })).toEqual([{ n: 0 }]);
    await chainWhole(tdb.db);

    const second = await start();
    const again = await call(second, 'officer', 'POST', `/api/cases/${caseId}/documents`, letters);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({ kind: 'neighbour-letter', recipients: 300 });
    expect(again.body.pages).toBeGreaterThanOrEqual(300);
    expect(await tdb.db('document').where({ case_id: caseId }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await tdb.db('publicity_event').where({ case_id: caseId }).count({ n: '*' })).toEqual([{ n: 1 }]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await chainWhole(tdb.db);
  });
});
