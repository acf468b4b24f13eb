/**
 * `npm run bench:map-load`: the case page's time to a usable map in headless Chromium over loopback, and the
 * JavaScript that page is sent (issue 12 item 10; targets ≤ 1.5 s and ≤ 350 KB gzipped). There is no floor to
 * run beside it: the figures are absolute, so quote them with the machine's load average (in the results file).
 *
 * Data: the demo Southwark constraint layers, property outlines and addresses (server/seed/*, as the browser tests
 * load them) and one application whose site is a real building's outline (The Trinity, 202-206 Borough High
 * Street). The app runs in this process on a random 127.0.0.1 port, logging as in production (to /dev/null); the
 * client's built files are served from a copy of dist/client made at the start (other runs may rebuild it), with the
 * app's own static options (immutable, a year).
 *
 * Each run: a fresh browser context (empty HTTP cache) signed in through POST /api/auth/login (no page loaded, so
 * nothing is cached yet) and the app's tile cache emptied; then
 *   cold  open /cases/{id} (Debian's Chromium, --no-sandbox --disable-gpu, 1280 × 900);
 *   warm  open it again in the same context (scripts, styles and tiles from the browser's cache).
 * "Usable map" is measured in the page from navigation start (performance.now()): `ready` when the map module sets
 * #staff-map[data-map-ready="true"] (map made, site fitted, site panel mounted: its 'staff-map-ready' event), and
 * `rendered` at the OpenLayers map's first 'rendercomplete' after that — every tile of every visible layer loaded
 * and drawn (a render is asked for at ready, so a map already complete then reports at its next frame). The run
 * fails unless vector tiles (.mvt, 200) were received before `rendered`.
 *
 * JavaScript: every script response of the cold load, its bytes as served and gzipped (zlib level 6, what the
 * `compression` middleware or a proxy would send); whether the app compressed it (Content-Encoding) is recorded.
 *
 * Environment: BENCH_RUNS (default 10), BENCH_DATABASE_URL / BENCH_KEEP=1 as the other benchmarks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { ensureAuthority } from '../../server/seed/seed.ts';
import { loadDemoLayers } from '../../server/seed/layers.ts';
import { syncBuiltinLayers } from '../../server/modules/layers/definitions.ts';
import { loadDemoAddresses } from '../../server/seed/addresses.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { intakeOptions } from '../../server/http/context.ts';
import { createToken, createUser } from '../../server/modules/users/service.ts';
import { CLIENT_OUT, ensureClientBuilt } from '../../server/http/client-build.ts';
import { clearTileCaches } from '../../server/modules/tiles/service.ts';
import { benchDatabase, benchLifecycle, machine, round, summarise, table, writeResults } from './common.ts';

const log = (m: string) => console.log(`[bench:map-load] ${m}`);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 200) throw new Error(`BENCH_RUNS=${process.env.BENCH_RUNS}: 1..200`);
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];
const TARGET = { renderedMs: 1500, jsGzipKb: 350 };
const USERNAME = `bench.mapload.${Date.now()}`;
const PASSWORD = crypto.randomBytes(12).toString('hex');

/** dist/client copied away (built first if needed), once every file its manifest names is there. */
async function clientCopy(): Promise<string> {
  await ensureClientBuilt();
  const manifest = path.join(CLIENT_OUT, '.vite', 'manifest.json');
  for (let attempt = 0; attempt < 240; attempt++) {
    try {
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, { file: string; css?: string[] }>;
      const files = Object.values(m).flatMap((c) => [c.file, ...(c.css ?? [])]);
      if (files.every((f) => fs.existsSync(path.join(CLIENT_OUT, f)))) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-bench-client-'));
        fs.cpSync(CLIENT_OUT, dir, { recursive: true });
        return dir;
      }
    } catch {
      // being rebuilt: wait
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`The client in ${CLIENT_OUT} never finished building.`);
}

interface Load {
  readyMs: number;
  renderedMs: number;
  domContentLoadedMs: number;
  tiles: number;
  tileBytes: number;
  requests: Array<{ url: string; start: number; end: number; waiting: number }>;
  scripts: Array<{ url: string; bytes: number; gzipBytes: number; encoding: string | null; status: number }>;
}

async function loadCase(
  browser: Browser,
  base: string,
  caseId: number,
): Promise<{ cold: Load; warm: Load; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(60_000);
  const login = await context.request.post(`${base}/api/auth/login`, {
    data: { username: USERNAME, password: PASSWORD },
  });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    document.addEventListener('staff-map-ready', (e) => {
      const sm = (e as CustomEvent<{ map: { once(t: string, f: () => void): void; render(): void } }>).detail;
      w.__mapReadyAt = performance.now();
      sm.map.once('rendercomplete', () => {
        w.__mapRenderedAt = performance.now();
      });
      sm.map.render();
    });
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const open = async (): Promise<Load> => {
    const scripts: Array<Promise<Load['scripts'][number]>> = [];
    const onResponse = (r: import('playwright-core').Response) => {
      if (r.request().resourceType() !== 'script') return;
      scripts.push(
        r.body().then((body) => ({
          url: new URL(r.url()).pathname,
          bytes: body.length,
          gzipBytes: zlib.gzipSync(body, { level: 6 }).length,
          encoding: r.headers()['content-encoding'] ?? null,
          status: r.status(),
        })),
      );
    };
    page.on('response', onResponse);
    await page.goto(`${base}/cases/${caseId}`);
    await page.waitForFunction(
      () => {
        const w = window as unknown as Record<string, unknown>;
        const el = document.getElementById('staff-map');
        return w.__mapRenderedAt !== undefined || el?.dataset.mapReady === 'failed';
      },
      undefined,
      { timeout: 60_000, polling: 50 },
    );
    page.off('response', onResponse);
    const m = await page.evaluate(() => {
      const w = window as unknown as Record<string, number | undefined>;
      const rendered = w.__mapRenderedAt ?? NaN;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const tiles = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter(
        (e) => /\/api\/tiles\/.+\.mvt$/.test(new URL(e.name).pathname) && e.responseEnd <= rendered,
      );
      return {
        ready: w.__mapReadyAt ?? NaN,
        rendered,
        dcl: nav?.domContentLoadedEventEnd ?? NaN,
        failed: document.getElementById('staff-map')?.dataset.mapReady === 'failed',
        // 200s with a body (a 204 has none; from the cache, the decoded size is still there)
        tiles: tiles.filter((e) => e.decodedBodySize > 0).length,
        tileBytes: tiles.reduce((a, e) => a + e.decodedBodySize, 0),
        // where the time went: every request up to the complete map, in the order they started
        requests: (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .filter((e) => e.responseEnd <= rendered)
          .sort((x, y) => x.startTime - y.startTime)
          .map((e) => ({
            url: new URL(e.name).pathname + new URL(e.name).search,
            start: Math.round(e.startTime),
            end: Math.round(e.responseEnd),
            waiting: Math.round(e.responseStart - e.requestStart),
          })),
      };
    });
    if (m.failed || problems.length)
      throw new Error(`the map failed: ${problems.join('; ') || 'data-map-ready=failed'}`);
    if (m.tiles === 0) throw new Error('no vector tile with features arrived before rendercomplete');
    return {
      readyMs: round(m.ready, 1),
      renderedMs: round(m.rendered, 1),
      domContentLoadedMs: round(m.dcl, 1),
      tiles: m.tiles,
      tileBytes: m.tileBytes,
      requests: m.requests,
      scripts: await Promise.all(scripts),
    };
  };
  const cold = await open();
  const warm = await open();
  return { cold, warm, close: () => context.close() };
}

async function main() {
  const started = Date.now();
  const loadAtStart = os.loadavg().map((v) => round(v, 2));
  if (!fs.existsSync(CHROMIUM)) throw new Error(`This benchmark needs Debian's Chromium at ${CHROMIUM}.`);
  const database = await benchDatabase(log);
  const { cleanups, finish } = benchLifecycle(database, log);
  try {
    const db = createDb(database.url);
    cleanups.push(() => db.destroy());
    await migrateLatest(db);
    const authorityId = await ensureAuthority(db, 'SWK');
    log('demo layers, property outlines and addresses (skipped when loaded already)');
    await syncBuiltinLayers(db);
    await loadDemoLayers(db);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-bench-mapload-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    await loadDemoAddresses(db, dataDir);
    const copy = await clientCopy();
    cleanups.push(async () => fs.rmSync(copy, { recursive: true, force: true }));

    const config = loadConfig({
      LOG_LEVEL: 'info',
      REDLINE_DATA_DIR: '/nonexistent',
      REDLINE_AUTHORITY: 'SWK',
      HOST: '127.0.0.1',
      LOGIN_RATE_LIMIT_PER_15_MIN: '10000',
    });
    const built = buildApp(
      {
        db,
        config,
        log: createLogger(
          config.LOG_LEVEL,
          pino.destination({ dest: '/dev/null', sync: false }) as unknown as NodeJS.WritableStream,
        ),
        authorityId,
        sessionSecret: crypto.randomBytes(24).toString('hex'),
        intake: intakeOptions(config, authorityId),
      },
      database.url,
    );
    // the client's files from the copy, with the app's own static options; everything else is the app
    const outer = express();
    outer.disable('x-powered-by');
    outer.use(
      '/assets',
      (req, _res, next) => (req.path.startsWith('/govuk/') ? next('route') : next()),
      express.static(copy, { index: false, immutable: true, maxAge: '365d', dotfiles: 'ignore', fallthrough: true }),
    );
    outer.use(built.app);
    const server = outer.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await built.close();
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const system = { id: null, username: 'system:bench' };
    const user = await createUser(db, system, { username: USERNAME, role: 'officer', password: PASSWORD });
    const { token } = await createToken(db, system, user.id, 'benchmark');
    const api = async (method: string, url: string, body: unknown) => {
      const res = await fetch(base + url, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: number };
    };
    const a = await db('address')
      .whereRaw("array_to_string(address_lines, ' ') ILIKE ?", ['%202-206 Borough High Street%'])
      .first<{ x: number; y: number }>(db.raw('ST_X(geom) AS x'), db.raw('ST_Y(geom) AS y'));
    if (!a) throw new Error('The demo addresses have no 202-206 Borough High Street (The Trinity)');
    const p = await db('property')
      .whereRaw('ST_Contains(geom, ST_SetSRID(ST_MakePoint(?, ?), 27700))', [a.x, a.y])
      .first<{ g: string }>(db.raw('ST_AsGeoJSON(geom) AS g'));
    if (!p) throw new Error('No property outline holds the address point of The Trinity');
    const { id: caseId } = await api('POST', '/api/cases', {
      kind: 'application',
      applicationType: 'full',
      description: 'Change of use of the upper floors to four flats (map-load benchmark)',
      siteAddress: 'The Trinity, 202-206 Borough High Street, London SE1 1JX',
      receivedDate: '2025-03-03',
      validDate: '2025-03-05',
    });
    await api('PUT', `/api/cases/${caseId}/site?crs=EPSG:27700`, { geometry: JSON.parse(p.g), source: 'property' });
    log(`case ${caseId}; ${base}`);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    cleanups.push(() => browser.close());
    log('warm-up run (not counted)');
    await (await loadCase(browser, base, caseId)).close();

    const cold: Load[] = [];
    const warm: Load[] = [];
    for (let i = 0; i < RUNS; i++) {
      clearTileCaches();
      const r = await loadCase(browser, base, caseId);
      await r.close();
      cold.push(r.cold);
      warm.push(r.warm);
      log(
        `run ${i + 1}/${RUNS}: cold ready ${r.cold.readyMs} / rendered ${r.cold.renderedMs} ms (${r.cold.tiles} tiles); ` +
          `warm ${r.warm.readyMs} / ${r.warm.renderedMs} ms`,
      );
    }

    const scripts = cold[0]!.scripts;
    const js = {
      files: scripts.map((s) => ({ ...s, kb: round(s.bytes / 1024, 1), gzipKb: round(s.gzipBytes / 1024, 1) })),
      bytes: scripts.reduce((n, s) => n + s.bytes, 0),
      gzipBytes: scripts.reduce((n, s) => n + s.gzipBytes, 0),
      servedCompressed: scripts.some((s) => s.encoding !== null),
    };
    const sum = (xs: Load[], k: 'readyMs' | 'renderedMs' | 'domContentLoadedMs') => summarise(xs.map((x) => x[k]));
    const groups = {
      cold: {
        domContentLoadedMs: sum(cold, 'domContentLoadedMs'),
        readyMs: sum(cold, 'readyMs'),
        renderedMs: sum(cold, 'renderedMs'),
        tiles: summarise(cold.map((c) => c.tiles)),
      },
      warm: {
        domContentLoadedMs: sum(warm, 'domContentLoadedMs'),
        readyMs: sum(warm, 'readyMs'),
        renderedMs: sum(warm, 'renderedMs'),
        tiles: summarise(warm.map((c) => c.tiles)),
      },
    };
    const rows: Array<Array<string | number>> = [
      ['cache', 'runs', 'DOMContentLoaded p50', 'map ready p50', 'rendered p50', 'rendered p95', 'tiles p50'],
    ];
    for (const [k, g] of Object.entries(groups))
      rows.push([k, RUNS, g.domContentLoadedMs.p50, g.readyMs.p50, g.renderedMs.p50, g.renderedMs.p95, g.tiles.p50]);
    console.log(
      `\nCase page to a usable map (ms from navigation start; target rendered ≤ ${TARGET.renderedMs} ms)\n${table(rows)}\n` +
        `\nJavaScript of the page: ${round(js.bytes / 1024, 1)} KB as served (${js.servedCompressed ? 'compressed' : 'not compressed'}), ` +
        `${round(js.gzipBytes / 1024, 1)} KB gzipped (target ≤ ${TARGET.jsGzipKb} KB)\n` +
        table([['file', 'KB', 'gzip KB'], ...js.files.map((f) => [f.url, f.kb, f.gzipKb])]) +
        '\n',
    );
    const result = {
      benchmark: 'Case page: time to a usable map in headless Chromium over loopback, and its JavaScript',
      date: new Date().toISOString(),
      machine: machine(),
      loadAverage: { start: loadAtStart, end: os.loadavg().map((v) => round(v, 2)) },
      chromium: browser.version(),
      params: { runs: RUNS, viewport: '1280x900', caseId },
      groups,
      js: { ...js, kb: round(js.bytes / 1024, 1), gzipKb: round(js.gzipBytes / 1024, 1) },
      target: {
        ...TARGET,
        metRenderedColdP50: groups.cold.renderedMs.p50 <= TARGET.renderedMs,
        metRenderedColdP95: groups.cold.renderedMs.p95 <= TARGET.renderedMs,
        metJs: js.gzipBytes / 1024 <= TARGET.jsGzipKb,
      },
      runs: { cold: cold.map(({ scripts: _s, ...r }) => r), warm: warm.map(({ scripts: _s, ...r }) => r) },
      seconds: round((Date.now() - started) / 1000, 1),
    };
    log(`results: ${writeResults('map-load', result)}`);
  } finally {
    await finish();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
