/**
 * bench:soak (issue 16 item 6): Redline as a user starts it (`server/main.ts`, its own embedded cluster and the demo
 * data, in a throwaway folder), then autocannon over loopback for SOAK_SECONDS (default 300) at SOAK_RATE requests/s
 * (default 60), staff writes and reads mixed with public reads:
 *
 *   writes  POST /api/cases (a new application each time), POST /api/cases/:id/constraint-checks (a stored check on a
 *           demo site), POST /api/cases/:id/notification-runs (a neighbour selection, as support)
 *   reads   GET /api/cases, GET /api/cases/:id, its checks, the public search, an application page, the register
 *           page
 *
 * Every SAMPLE_SECONDS the server process's resident memory (VmRSS from /proc) is sampled, and every HEAP_SECONDS
 * the server itself logs its heap in use after a full garbage collection (it runs with --expose-gc and
 * MEMORY_LOG_SECONDS: server/memory-log.ts). RSS alone cannot tell a leak from V8 and glibc keeping freed memory
 * for later; the heap after a full collection is what the process really keeps. The run passes when no request
 * errored or timed out, every answer was 2xx, and memory is flat: the least-squares slope of the heap after GC over
 * the run after the first minute is under 1 MB a minute, and the last minute's mean RSS is within 10% of the
 * second's. Both slopes are reported.
 * Results go to tests/bench/results/soak-<date>.json.
 *
 *   npm run bench:soak                       # 5 minutes
 *   SOAK_SECONDS=60 SOAK_RATE=40 npm run bench:soak
 */
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../server/config/index.ts';
import { machine, round, writeResults } from './common.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const RATE = Number(process.env.SOAK_RATE ?? 60);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 8);
const SAMPLE_SECONDS = 5;
const HEAP_SECONDS = 10;
const log = (msg: string) => process.stderr.write(`[soak] ${msg}\n`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-soak-'));
const dataDir = path.join(dir, 'data');
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  PORT: '0',
  HOST: '127.0.0.1',
  REDLINE_DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
};

async function main() {
  log(`starting Redline with the demo data in ${dir}`);
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(repoRoot, 'server', 'main.ts')], {
    cwd: repoRoot,
    env: { ...env, LOG_LEVEL: 'info', MEMORY_LOG_SECONDS: String(HEAP_SECONDS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  // the server's "memory" log lines: heap in use after a full GC, from the server itself
  const heap: Array<{ at: number; heapMb: number }> = [];
  let partial = '';
  child.stdout!.on('data', (d) => {
    out = (out + d).slice(-200_000);
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines)
      if (line.includes('"msg":"memory"')) {
        const m = JSON.parse(line) as { heapUsedMb: number; afterGc: boolean };
        if (m.afterGc) heap.push({ at: Date.now(), heapMb: m.heapUsedMb });
      }
  });
  child.stderr!.on('data', (d) => (err = (err + d).slice(-200_000)));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /"url":"http:\/\/localhost:(\d+)".*"msg":"Redline is listening"/.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(Number(m[1]));
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`Redline exited with ${child.exitCode}:\n${err}\n${out}`));
        }
      }, 200);
    });
    const base = `http://127.0.0.1:${port}`;
    // bearer tokens for the officer and support demo accounts (the CLI, on the running cluster)
    const token = async (username: string) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(repoRoot, 'server', 'cli.ts'),
          'token:create',
          '--username',
          username,
          '--name',
          'soak',
        ],
        { cwd: repoRoot, env: { ...env, LOG_LEVEL: 'silent' } },
      );
      // "token N for user (name):" then the token on a line of its own
      const t = stdout.split('\n')[1]?.trim();
      if (!t) throw new Error(`no token in: ${stdout}`);
      return t;
    };
    const officer = await token('officer');
    const support = await token('support');
    const get = async (p: string, t = officer) => {
      const r = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${t}` } });
      if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<any>;
    };
    const cases = (await get('/api/cases?limit=50&hasSite=true')).items as Array<{ id: number; kind: string }>;
    const apps = cases.filter((c) => c.kind === 'application');
    const publicList = (await get('/api/public/applications')).items as Array<{ slug?: string }>;
    const slugs = publicList.map((a) => a.slug).filter((s): s is string => Boolean(s));
    log(`${cases.length} cases with sites, ${slugs.length} public applications`);

    const json = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
    const paths: Array<{
      kind: string;
      path: string;
      method?: string;
      body?: string;
      headers?: Record<string, string>;
    }> = [];
    // about one request in four is a write
    for (let i = 0; i < 40; i++) {
      const c = cases[i % cases.length]!;
      const a = apps[i % apps.length]!;
      paths.push({
        kind: 'write:case',
        method: 'POST',
        path: `/api/cases`,
        headers: json(officer),
        body: JSON.stringify({
          kind: 'application',
          applicationType: 'hh',
          description: `Soak test rear extension ${i}`,
          siteAddress: `${i} Soak Street, London SE1 1AA`,
          receivedDate: '2026-11-02',
        }),
      });
      paths.push({ kind: 'read:cases', path: `/api/cases?limit=20&offset=${i}`, headers: json(officer) });
      paths.push({
        kind: 'write:check',
        method: 'POST',
        path: `/api/cases/${c.id}/constraint-checks`,
        headers: json(officer),
        body: '{}',
      });
      paths.push({ kind: 'read:case', path: `/api/cases/${c.id}`, headers: json(officer) });
      paths.push({
        kind: 'read:checks',
        path: `/api/cases/${c.id}/constraint-checks`,
        headers: json(officer),
      });
      paths.push({ kind: 'public:search', path: `/api/public/applications?q=extension&page=${(i % 3) + 1}` });
      if (i % 4 === 0)
        paths.push({
          kind: 'write:run',
          method: 'POST',
          path: `/api/cases/${a.id}/notification-runs`,
          headers: json(support),
          body: JSON.stringify({ selection: { radiusM: 30 + (i % 5) * 10 } }),
        });
      if (slugs.length)
        paths.push({ kind: 'public:application', path: `/register/applications/${slugs[i % slugs.length]}` });
      paths.push({ kind: 'public:register', path: `/register?q=extension` });
    }
    const pathsFile = path.join(dir, 'paths.json');
    fs.writeFileSync(pathsFile, JSON.stringify(paths));
    // every route used answers 2xx before the run
    for (const p of paths.slice(0, 20)) {
      const r = await fetch(`${base}${p.path}`, { method: p.method ?? 'GET', headers: p.headers, body: p.body });
      if (r.status >= 300) throw new Error(`${p.method ?? 'GET'} ${p.path}: ${r.status} ${await r.text()}`);
    }

    const rss = () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    };
    const samples: Array<{ s: number; rssMb: number }> = [];
    const t0 = Date.now();
    const sampler = setInterval(
      () => samples.push({ s: round((Date.now() - t0) / 1000, 1), rssMb: round(rss(), 1) }),
      SAMPLE_SECONDS * 1000,
    );
    samples.push({ s: 0, rssMb: round(rss(), 1) });
    log(`${RATE}/s for ${SECONDS} s over ${CONNECTIONS} connections, ${paths.length} request kinds`);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'tests', 'bench', 'register-load.ts'),
        pathsFile,
        String(port),
        String(RATE),
        String(SECONDS),
        String(CONNECTIONS),
      ],
      { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 },
    );
    clearInterval(sampler);
    samples.push({ s: round((Date.now() - t0) / 1000, 1), rssMb: round(rss(), 1) });
    const load = JSON.parse(stdout.trim().split('\n').pop()!) as {
      requests: number;
      requestsPerSecond: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCounts: Record<string, number>;
      latencyMs: Record<string, number>;
      perKind: Record<string, Record<string, number>>;
    };
    // memory after the first minute (warm-up: caches, JIT, pools)
    const warmFrom = Math.min(60, SECONDS / 3);
    const end = samples.at(-1)!.s;
    const heapSamples = heap
      .map((h) => ({ s: round((h.at - t0) / 1000, 1), mb: h.heapMb }))
      .filter((h) => h.s >= 0 && h.s <= end);
    const rssSlope = slopePerMinute(samples.filter((x) => x.s >= warmFrom).map((x) => ({ s: x.s, mb: x.rssMb })));
    const heapSlope = slopePerMinute(heapSamples.filter((x) => x.s >= warmFrom));
    const mbPerMinute = rssSlope;
    const mean = (xs: typeof samples) => xs.reduce((a, x) => a + x.rssMb, 0) / Math.max(1, xs.length);
    const lastMinute = samples.filter((x) => x.s >= end - 60);
    const secondMinute = samples.filter((x) => x.s >= 60 && x.s < 120);
    const growth = secondMinute.length ? round(mean(lastMinute) / mean(secondMinute) - 1, 3) : null;
    if (heapSamples.length < 3) throw new Error('the server logged too few memory samples (MEMORY_LOG_SECONDS)');
    const flat = heapSlope < 1 && (growth === null || growth < 0.1);
    const ok = load.errors === 0 && load.timeouts === 0 && load.non2xx === 0 && flat;
    const result = {
      benchmark: 'soak',
      machine: machine(),
      seconds: SECONDS,
      rate: RATE,
      connections: CONNECTIONS,
      requests: load.requests,
      requestsPerSecond: load.requestsPerSecond,
      errors: load.errors,
      timeouts: load.timeouts,
      non2xx: load.non2xx,
      statusCounts: load.statusCounts,
      latencyMs: load.latencyMs,
      perKind: load.perKind,
      memory: {
        rssStartMb: samples[0]!.rssMb,
        rssEndMb: samples.at(-1)!.rssMb,
        rssMaxMb: Math.max(...samples.map((x) => x.rssMb)),
        rssSlopeAfterWarmupMbPerMinute: mbPerMinute,
        heapAfterGcStartMb: heapSamples[0]!.mb,
        heapAfterGcEndMb: heapSamples.at(-1)!.mb,
        heapAfterGcMaxMb: Math.max(...heapSamples.map((x) => x.mb)),
        heapAfterGcSlopeAfterWarmupMbPerMinute: heapSlope,
        heapAfterGcSamples: heapSamples,
        lastMinuteVsSecondMinute: growth,
        flat,
        samples,
      },
      pass: ok,
    };
    const file = writeResults('soak', result);
    log(
      `${load.requests} requests (${round(load.requestsPerSecond, 1)}/s), status ${JSON.stringify(load.statusCounts)}, ` +
        `errors ${load.errors}, timeouts ${load.timeouts}; p50 ${load.latencyMs.p50} ms p95 ${load.latencyMs.p95} ms; ` +
        `RSS ${result.memory.rssStartMb} → ${result.memory.rssEndMb} MB (max ${result.memory.rssMaxMb}), ` +
        `RSS slope after warm-up ${mbPerMinute} MB/min, last vs second minute ${growth === null ? 'n/a' : `${round(growth * 100, 1)}%`}; ` +
        `heap after GC ${heapSamples[0]!.mb} → ${heapSamples.at(-1)!.mb} MB, slope after warm-up ${heapSlope} MB/min`,
    );
    log(`${ok ? 'PASS' : 'FAIL'}: results in ${path.relative(repoRoot, file)}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await stop();
  }
}

/** Least-squares slope of `mb` over `s` (seconds), in MB a minute. */
function slopePerMinute(xs: Array<{ s: number; mb: number }>): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, x) => a + x.s, 0) / n;
  const my = xs.reduce((a, x) => a + x.mb, 0) / n;
  const slope = xs.reduce((a, x) => a + (x.s - mx) * (x.mb - my), 0) / xs.reduce((a, x) => a + (x.s - mx) ** 2, 0);
  return round(slope * 60, 2);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
