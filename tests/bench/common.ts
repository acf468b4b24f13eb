/**
 * Shared by the benchmarks in tests/bench (not part of `npm test`): the database they run on, a seeded
 * PRNG, percentiles and the results table / JSON file. See /work/shared/benchmarks.md for the rules:
 * Redline and a floor side by side in one run, interleaved after a warm-up, same data, answers compared.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbedded, type EmbeddedCluster } from '../../server/db/embedded.ts';
import crypto from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { loadConfig, repoRoot } from '../../server/config/index.ts';
import { buildApp } from '../../server/app.ts';
import { pino } from 'pino';
import { createLogger } from '../../server/logger.ts';
import { createToken, createUser } from '../../server/modules/users/service.ts';
import { intakeOptions } from '../../server/http/context.ts';

export const RESULTS_DIR = path.join(repoRoot, 'tests', 'bench', 'results');

export interface BenchDatabase {
  url: string;
  /** true when this run made the cluster (BENCH_DATABASE_URL unset) */
  embedded: boolean;
  /** the cluster folder was kept from an earlier BENCH_KEEP=1 run (its data may be reused) */
  reused: boolean;
  stop(): Promise<void>;
}

/** Fixed folder used by BENCH_KEEP=1 so a later run can reuse the generated data. */
export const KEEP_DIR = path.join(os.tmpdir(), 'redline-bench-keep');

/**
 * BENCH_DATABASE_URL when set (a database this run may fill), else a private embedded cluster:
 * a throwaway mkdtemp folder (removed at the end), or with BENCH_KEEP=1 a fixed folder that is kept.
 */
export async function benchDatabase(log: (msg: string) => void): Promise<BenchDatabase> {
  if (process.env.BENCH_DATABASE_URL) {
    return { url: process.env.BENCH_DATABASE_URL, embedded: false, reused: true, stop: async () => {} };
  }
  const keep = process.env.BENCH_KEEP === '1';
  let dir: string;
  let reused = false;
  if (keep) {
    dir = KEEP_DIR;
    reused = fs.existsSync(path.join(dir, 'pg', 'PG_VERSION'));
    fs.mkdirSync(dir, { recursive: true });
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-bench-'));
  }
  fs.chmodSync(dir, 0o711);
  log(
    `${reused ? 'reusing' : 'starting'} an embedded PostgreSQL cluster in ${dir}${keep ? ' (BENCH_KEEP=1: kept afterwards)' : ' (throwaway)'}`,
  );
  let cluster: EmbeddedCluster;
  try {
    cluster = await startEmbedded({ dataDir: dir, ephemeral: true });
  } catch (e) {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let stopped = false;
  return {
    url: cluster.url,
    embedded: true,
    reused,
    async stop() {
      if (stopped) return;
      stopped = true;
      // only a cluster this run started: with BENCH_KEEP=1 another process (another benchmark) may be using it
      await cluster.stop(); // (not forced)
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** mulberry32: small, fast, seeded; the same sequence on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

export function summarise(samples: number[]): Summary {
  const n = samples.length;
  const mean = n ? samples.reduce((a, b) => a + b, 0) / n : NaN;
  return {
    n,
    p50: round(percentile(samples, 50), 3),
    p95: round(percentile(samples, 95), 3),
    mean: round(mean, 3),
    min: round(Math.min(...samples), 3),
    max: round(Math.max(...samples), 3),
  };
}

export const round = (v: number, dp: number) => (Number.isFinite(v) ? Math.round(v * 10 ** dp) / 10 ** dp : v);

/** Milliseconds since `start` (process.hrtime.bigint()). */
export const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** A plain-text table: first row is the header. */
export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Writes tests/bench/results/<name>-<YYYY-MM-DD>.json; returns its path. */
export function writeResults(name: string, data: unknown): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const file = path.join(RESULTS_DIR, `${name}-${date}.json`);
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** A keep-alive JSON POST client for one endpoint of the app under test (one socket, like one user). */
export function jsonPoster(port: number, path: string, token: string, timeoutMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: async () => agent.destroy() };
}

/** The real app on a random 127.0.0.1 port, logging as in production (to /dev/null), and a bearer token for a
 *  new officer account `username`. `close` stops the server and the app's background work. */
export async function startBenchApp(
  db: Knex,
  url: string,
  authorityCode: string,
  authorityId: number,
  username: string,
  env: Record<string, string> = {},
): Promise<{ port: number; token: string; config: ReturnType<typeof loadConfig>; close: () => Promise<void> }> {
  const config = loadConfig({
    LOG_LEVEL: 'info',
    REDLINE_DATA_DIR: '/nonexistent',
    REDLINE_AUTHORITY: authorityCode,
    HOST: '127.0.0.1',
    ...env,
  });
  // what pino writes to in production (SonicBoom on a file descriptor, stdout there), not a fs.WriteStream, whose
  // per-line write costs about 0.1 ms of the request loop
  const devNull = pino.destination({ dest: '/dev/null', sync: false }) as unknown as NodeJS.WritableStream;
  const built = buildApp(
    {
      db,
      config,
      log: createLogger(config.LOG_LEVEL, devNull),
      authorityId,
      sessionSecret: crypto.randomBytes(24).toString('hex'),
      intake: intakeOptions(config, authorityId),
    },
    url,
  );
  const server = built.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const system = { id: null, username: 'system:bench' };
  const user = await createUser(db, system, { username, role: 'officer' });
  const { token } = await createToken(db, system, user.id, 'benchmark');
  return {
    port,
    token,
    config,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await built.close();
    },
  };
}

/** Cleanups run last-in first-out, then the cluster stops; on SIGINT/SIGTERM too (exit 130). `finish` runs them
 *  at the end of a run and takes the signal handlers off. */
export function benchLifecycle(database: BenchDatabase, log: (msg: string) => void) {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    while (cleanups.length) await cleanups.pop()!().catch(() => {});
    await database.stop().catch((e) => log(`could not stop the cluster: ${(e as Error).message}`));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    cleanups,
    finish: async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await cleanup();
    },
  };
}
