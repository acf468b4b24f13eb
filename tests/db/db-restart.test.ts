/**
 * PostgreSQL stopped and started again while requests run: every answer is a clean 201 or
 * 503 DATABASE_UNAVAILABLE (never a 500, never a hang), Redline recovers by itself without a restart, and nothing
 * is half-written (every case that exists has its audit row; every 201 names a case that exists).
 * Uses a cluster of its own (the shared test cluster cannot be stopped).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedCluster } from '../../server/db/embedded.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { bootDatabase, type Booted } from '../../server/boot.ts';
import { buildApp } from '../../server/app.ts';
import { createToken, createUser } from '../../server/modules/users/service.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-restart-'));
let cluster: EmbeddedCluster;
let booted: Booted;
let built: ReturnType<typeof buildApp>;
let token = '';

beforeAll(async () => {
  cluster = await startEmbedded({ dataDir, ephemeral: true });
  const config = loadConfig({
    DATABASE_URL: cluster.url,
    LOG_LEVEL: 'silent',
    REDLINE_DATA_DIR: '/nonexistent',
    JOB_WORKER: 'false',
    ALERTS_INTERVAL_MINUTES: '0',
  });
  const log = createLogger('silent');
  booted = await bootDatabase(config, log, { owner: false });
  const system = { id: null, username: 'test' };
  const user = await createUser(booted.db, system, {
    username: 'restart.officer',
    role: 'officer',
    password: 'restart-password-123',
  });
  token = (await createToken(booted.db, system, user.id, 'restart')).token;
  built = buildApp(
    {
      db: booted.db,
      readDb: booted.db,
      config,
      log,
      authorityId: booted.authorityId,
      sessionSecret: 'x'.repeat(40),
      intake: booted.intake,
    },
    booted.url,
  );
}, 180_000);

afterAll(async () => {
  await built?.close().catch(() => undefined);
  await booted?.db.destroy().catch(() => undefined);
  await cluster?.stop(true).catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const create = (n: number) =>
  request(built.app)
    .post('/api/cases')
    .set('Authorization', `Bearer ${token}`)
    .send({ kind: 'application', applicationType: 'hh', description: `Restart ${n}`, receivedDate: '2026-10-01' })
    .timeout(30_000);

describe('PostgreSQL stopped and started while requests run', { timeout: 240_000 }, () => {
  it('answers 201 or a clean 503, recovers by itself, and leaves nothing half-written', async () => {
    await create(0).expect(201);
    const answers: Array<Promise<request.Response>> = [];
    let stopped: Promise<void> | undefined;
    for (let i = 1; i <= 24; i++) {
      answers.push(create(i));
      if (i === 6) stopped = cluster.stop(true);
      await new Promise((r) => setTimeout(r, 40));
    }
    await stopped;
    const during = await Promise.all(answers);
    for (const a of during) {
      expect([201, 503], `${a.status} ${JSON.stringify(a.body)}`).toContain(a.status);
      if (a.status === 503) {
        expect(a.body.error.code).toBe('DATABASE_UNAVAILABLE');
        expect(JSON.stringify(a.body)).not.toMatch(/ECONN|57P01|at \w+ \(|\/work\//);
      }
    }
    expect(
      during.some((a) => a.status === 503),
      'some requests came while the database was down',
    ).toBe(true);
    const down = await request(built.app).get('/healthz');
    expect(down.status).toBe(503);

    // started again on the same port: the same Redline carries on, without a restart
    cluster = await startEmbedded({ dataDir, ephemeral: true, port: cluster.port });
    let recovered: request.Response | undefined;
    for (let attempt = 0; attempt < 60 && recovered?.status !== 201; attempt++) {
      recovered = await create(100 + attempt);
      if (recovered.status !== 201) {
        expect(recovered.status).toBe(503);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(recovered?.status).toBe(201);
    await request(built.app).get('/healthz').expect(200);

    // nothing half-written: each case has its audit row, each 201 is a case that exists
    const orphans = await booted.db.raw(
      `SELECT count(*)::int AS n FROM case_record c
        WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_type = 'case' AND a.entity_id = c.id::text)`,
    );
    expect(orphans.rows[0].n).toBe(0);
    const ids = new Set(((await booted.db('case_record').pluck('id')) as number[]).map(Number));
    for (const a of during.filter((x) => x.status === 201)) expect(ids.has(Number(a.body.id))).toBe(true);
    // references are unique and have no gaps caused by the failure
    const refs = (await booted.db('case_record').pluck('reference')) as string[];
    expect(new Set(refs).size).toBe(refs.length);
  });
});
