/**
 * Layer loads as jobs on PostgreSQL (server/modules/jobs, issue 11 item 9): PUT /api/layers/:id/data answers 202
 * with the job; GET /api/jobs/:id shows progress then the report or the error; `Prefer: wait=N` answers the ended
 * job; a job queued while no worker runs, or cut off with its worker (Redline restarted), is run by the next worker;
 * a job cut off too often fails without changing anything.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { intakeOptions } from '../../server/http/context.ts';
import { claimJob } from '../../server/modules/jobs/repo.ts';
import { preferWaitMs } from '../../server/modules/jobs/routes.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

// this file's own app runs no worker: each test says which worker runs
const t: TestApp = await startTestApp({ JOB_WORKER: 'false' });
const open: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const a of open) await a.close();
  await t.closeApp();
});

/** Another Redline process on the same database, with a worker (as after a restart). */
function worker(env: Record<string, string> = {}) {
  const config = loadConfig({ LOG_LEVEL: 'silent', REDLINE_DATA_DIR: '/nonexistent', JOB_POLL_MS: '100', ...env });
  const built = buildApp(
    {
      db: t.db,
      config,
      log: createLogger('silent'),
      authorityId: t.authorityId,
      sessionSecret: 'y'.repeat(40),
      intake: intakeOptions(config, t.authorityId),
    },
    t.url,
  );
  open.push(built);
  return built;
}
/** Runs `fn` while a worker (another Redline process) runs, then stops that worker. */
async function withWorker<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const built = worker(env);
  try {
    return await fn();
  } finally {
    await built.close();
    open.splice(open.indexOf(built), 1);
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
const fc = (label: string, n = 3) =>
  JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
    features: Array.from({ length: n }, (_, i) => ({
      type: 'Feature',
      properties: { ref: `${label}-${i}`, title: `${label} ${i}` },
      geometry: { type: 'Polygon', coordinates: square(532000 + i * 50, 180000, 20) },
    })),
  });

let seq = 0;
async function defineLayer() {
  const id = `job-layer-${++seq}`;
  await t
    .as('gis')
    .post('/api/layers')
    .send({
      definition: {
        id,
        title: `Job layer ${seq}`,
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
    })
    .expect(201);
  return id;
}
const put = (id: string, body: string, prefer?: string) => {
  const req = t
    .as('gis')
    .put(`/api/layers/${id}/data?filename=${id}.geojson&reference=ref&name=title`)
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json');
  if (prefer) void req.set('Prefer', prefer);
  return req.send(body);
};
async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const job = async (id: number) => (await t.as('gis').get(`/api/jobs/${id}`).expect(200)).body;
const ended = (id: number) =>
  until(
    () => job(id),
    (j) => j.status === 'succeeded' || j.status === 'failed',
  );
const version = async (id: string) => (await t.as('gis').get(`/api/layers/${id}`).expect(200)).body.dataVersion;

describe('layer loads are jobs', () => {
  it('answers 202 with the job and its Location; with no worker it stays queued', async () => {
    const id = await defineLayer();
    const res = await put(id, fc('a'));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.headers.location).toBe(`/api/jobs/${res.body.id}`);
    expect(res.body).toMatchObject({
      kind: 'layer-load',
      subject: id,
      status: 'queued',
      url: `/api/jobs/${res.body.id}`,
      file: { name: `${id}.geojson` },
      createdBy: 'gis.user',
      report: null,
      error: null,
    });
    expect(res.body.file.sha256).toMatch(/^[0-9a-f]{64}$/);
    // nothing runs it here: still queued a moment later, and the layer is unchanged
    await new Promise((r) => setTimeout(r, 300));
    expect((await job(res.body.id)).status).toBe('queued');
    expect(await version(id)).toBe(0);
    const audit = await t.db('audit_log').where({ entity_type: 'job', entity_id: String(res.body.id) });
    expect(audit.map((a) => a.action)).toEqual(['job.layer-load.queued']);
  });

  it('a queued job is run by the worker of a Redline started later (it survives a restart)', async () => {
    const id = await defineLayer();
    const queued = (await put(id, fc('b', 4)).expect(202)).body;
    // "restart": a process with a worker
    const done = await withWorker({}, () => ended(queued.id));
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(done.report).toMatchObject({ layerId: id, loaded: 4, dataVersion: 1 });
    expect(done.attempts).toBe(1);
    expect(done.progress.map((p: { message: string }) => p.message)).toEqual(
      expect.arrayContaining(['Started.', expect.stringMatching(/^loaded 4 of 4 features as version 1/)]),
    );
    expect(done.startedAt && done.finishedAt).toBeTruthy();
    expect(await version(id)).toBe(1);
    // the stored file is let go once the job ended
    expect((await t.db('job').where({ id: queued.id }).first('file_data')).file_data).toBeNull();
  });

  it('Prefer: wait=N answers the ended job: 200 with its report, or the load error with the job', async () => {
    const id = await defineLayer();
    const { ok, bad } = await withWorker({}, async () => ({
      ok: await put(id, fc('c', 2), 'wait=60'),
      bad: await put(id, '{"type":"FeatureCollection","features":[', 'wait=60'),
    }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ status: 'succeeded', report: { loaded: 2 } });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.body.error.code).toMatch(/^LAYER_/);
    expect(bad.body.job).toMatchObject({ status: 'failed', error: { code: bad.body.error.code } });
    expect(bad.body.job.progress.at(-1).message).toBe('Failed: nothing was changed.');
    expect(await version(id)).toBe(1);
  });

  it('refuses at once what no job could do: an empty body, an unknown or a retired layer', async () => {
    const id = await defineLayer();
    const empty = await put(id, '');
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('LAYER_FILE_EMPTY');
    expect((await put('no-such-layer', fc('x'))).status).toBe(404);
    await t.as('gis').post(`/api/layers/${id}/retire`).send({ reason: 'test' }).expect(200);
    const retired = await put(id, fc('x'));
    expect(retired.status).toBe(409);
    expect(retired.body.error.code).toBe('LAYER_RETIRED');
    expect(Number((await t.db('job').where({ subject: id }).count({ n: '*' }))[0]!.n)).toBe(0);
  });

  it('a job whose worker stopped mid-run is taken over once its heartbeat is stale, and run again', async () => {
    const id = await defineLayer();
    const queued = (await put(id, fc('d', 3)).expect(202)).body;
    // a worker claims it and dies at once (no heartbeat, no outcome)
    const dead = await claimJob(t.db, 'dead-worker', 3600);
    expect(dead?.id).toBe(queued.id);
    expect((await job(queued.id)).status).toBe('running');
    const done = await withWorker({ JOB_STALE_SECONDS: '1' }, () => ended(queued.id));
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.progress.map((p: { message: string }) => p.message)).toContain('Started again (attempt 2).');
    expect(await version(id)).toBe(1);
  });

  it('a job cut off max_attempts times fails as interrupted and changes nothing', async () => {
    const id = await defineLayer();
    const queued = (await put(id, fc('e')).expect(202)).body;
    await t.db('job').where({ id: queued.id }).update({ max_attempts: 1 });
    expect((await claimJob(t.db, 'dead-worker', 3600))?.id).toBe(queued.id);
    await t
      .db('job')
      .where({ id: queued.id })
      .update({ heartbeat_at: t.db.raw("now() - interval '1 hour'") });
    const done = await withWorker({ JOB_STALE_SECONDS: '1' }, () => ended(queued.id));
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe('JOB_INTERRUPTED');
    expect(await version(id)).toBe(0);
  });

  it('GET /api/jobs lists a layer’s loads newest first; unknown jobs are 404; anonymous callers 401', async () => {
    const id = await defineLayer();
    const a = (await put(id, fc('f')).expect(202)).body.id;
    const b = (await put(id, fc('g')).expect(202)).body.id;
    const list = (await t.as('officer').get(`/api/jobs?kind=layer-load&subject=${id}`).expect(200)).body.items;
    expect(list.map((j: { id: number }) => j.id)).toEqual([b, a]);
    const missing = await t.as('gis').get('/api/jobs/99999999');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('JOB_NOT_FOUND');
    expect((await t.anon.get(`/api/jobs/${a}`)).status).toBe(401);
    expect((await t.as('gis').get('/api/jobs?status=bogus')).status).toBe(400);
  });
});

describe('Prefer: wait', () => {
  it.each([
    ['wait=5', 5000],
    ['respond-async, wait=10', 10000],
    ['wait = 3', 3000],
    ['wait=100000', 600000],
    ['respond-async', 0],
    [undefined, 0],
    ['nowait=5', 0],
  ])('%s -> %i ms', (header, ms) => {
    expect(preferWaitMs(header)).toBe(ms);
  });
});
