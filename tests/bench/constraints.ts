/**
 * `npm run bench:constraints`: benchmarks B1 and B1b of /work/shared/benchmarks.md.
 *
 *  B1   Redline's POST /api/constraints/check over HTTP (the real app from buildApp on 127.0.0.1, a bearer
 *       token, crs EPSG:27700, all 35 layers) against the floor: one hand-written SQL statement over the
 *       subdivided pieces through the same pg driver (knex raw) giving the same answer (each layer's status
 *       and the ids of the features that fired). Interleaved after a warm-up; every answer compared.
 *  B1b  Redline's check statement (sql/queries/constraint_check.sql) over the 5 huge polygon layers on the
 *       sites placed across their edges: not subdivided (one piece = the whole feature) against subdivided.
 *
 * Environment:
 *   BENCH_DATABASE_URL  use this database (it is filled with benchmark data) instead of a throwaway cluster
 *   BENCH_KEEP=1        keep the embedded cluster in $TMPDIR/redline-bench-keep and reuse its data next time
 *   BENCH_SCALE         multiplies the ordinary polygon and point feature counts (default 1)
 *   BENCH_ROUNDS        measured passes over the 1,000 sites in B1 (default 2)
 *   BENCH_B1B_SITES     boundary sites measured in B1b (default: all 200)
 *   BENCH_PROFILE=0     skip the B1 breakdown (where Redline's time goes, measured in-process)
 *   BENCH_B1B=0         skip B1b
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { runPrepared, sqlQuery } from '../../server/db/queries.ts';
import { createToken, createUser, hashToken, userForToken } from '../../server/modules/users/service.ts';
import { TokenCache } from '../../server/modules/auth/token-cache.ts';
import { cachedLayers } from '../../server/modules/layers/cache.ts';
import { intakeSite, prepareIntake } from '../../server/modules/geometry/intake.ts';
import { listLayers } from '../../server/modules/layers/definitions.ts';
import { checkPostedSite, checkSiteStatement, runCheck } from '../../server/modules/constraints/service.ts';
import { buildReport, type CheckRow, type ConstraintReport, type LayerInfo } from '../../shared/domain/constraints.ts';
import {
  benchLifecycle,
  benchDatabase,
  machine,
  msSince,
  round,
  summarise,
  table,
  writeResults,
  type Summary,
  jsonPoster,
} from './common.ts';
import {
  AUTHORITY_CODE,
  B1_LAYER_IDS,
  GENERATOR_VERSION,
  HUGE_LAYER_IDS,
  RAW_HUGE_LAYER_IDS,
  existingData,
  generate,
  type GeneratedData,
} from './constraints-data.ts';
import { intakeOptions } from '../../server/http/context.ts';

const log = (m: string) => console.log(`[bench] ${m}`);
const envNumber = (name: string, dflt: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: must be a positive number`);
  return n;
};
const SCALE = envNumber('BENCH_SCALE', 1);
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 2));
const B1B_SITES = Math.round(envNumber('BENCH_B1B_SITES', 200));
const PROFILE = process.env.BENCH_PROFILE !== '0';
const RUN_B1B = process.env.BENCH_B1B !== '0';
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * The floor for B1: every layer's status and fired feature ids in one statement, straight from the subdivided
 * pieces, with the rules of shared/layer-schema.ts (intersects: overlap > 0 and ≥ minOverlapM2 or ≥ minOverlapPct of
 * the site, points when on the site; within: distance ≤ distanceM) and "unknown" when a layer has no data or
 * does not cover the site. The site comes in as the same GeoJSON (EPSG:27700) Redline is sent. Candidate pieces
 * come from one GiST scan as far as the widest rule reaches (35 per-layer scans let the planner AND each with the
 * (layer_id, data_version) index and read every piece of every layer).
 */
const FLOOR_SQL = `
WITH site AS (
  SELECT g, ST_Area(g) AS area FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(?), 27700) AS g) s
), l AS (
  SELECT id, data_version, coverage, definition #>> '{rule,kind}' AS kind,
         coalesce((definition #>> '{rule,distanceM}')::float8, 0) AS dist,
         (definition #>> '{rule,minOverlapM2}')::float8 AS min_m2,
         (definition #>> '{rule,minOverlapPct}')::float8 AS min_pct
  FROM layer WHERE id = ANY(?::text[])
), f AS MATERIALIZED (
  SELECT p.layer_id, p.feature_id, max(ST_Dimension(p.geom)) AS dim, min(ST_Distance(p.geom, site.g)) AS d, bool_or(ST_Intersects(p.geom, site.g)) AS i,
         sum(CASE WHEN ST_Dimension(p.geom) = 2 AND ST_Intersects(p.geom, site.g) THEN ST_Area(ST_Intersection(p.geom, site.g)) ELSE 0 END) AS a
  FROM site
  JOIN constraint_piece p ON p.geom && ST_Expand(site.g, (SELECT max(dist) FROM l))
  JOIN l ON l.id = p.layer_id AND l.data_version = p.data_version
  WHERE ST_DWithin(p.geom, site.g, l.dist)
  GROUP BY p.layer_id, p.feature_id
)
SELECT l.id AS layer_id,
       CASE WHEN l.data_version = 0 THEN 'unknown'
            WHEN fired.ids IS NOT NULL THEN 'constraint'
            WHEN l.coverage IS NULL OR NOT ST_CoveredBy(site.g, l.coverage) THEN 'unknown'
            ELSE 'clear' END AS status,
       coalesce(fired.ids, '{}') AS fired
FROM l CROSS JOIN site
LEFT JOIN LATERAL (
  SELECT array_agg(f.feature_id ORDER BY f.feature_id) AS ids FROM f
  WHERE f.layer_id = l.id
    AND CASE WHEN l.kind = 'within' THEN f.d <= l.dist
             WHEN f.dim = 2 THEN f.a > 0 AND (f.a >= l.min_m2 OR f.a / site.area * 100 >= l.min_pct)
             ELSE f.i END
) fired ON true
ORDER BY l.id`;

interface B1bResult {
  raw: Summary;
  subdivided: Summary;
  speedupP50: number;
  speedupP95: number;
  speedupPerSiteMedian: number;
  target: { speedup: number };
  met: boolean;
  sites: number;
  layers: number;
  mismatches: number;
  mismatchExamples: Array<{ site: number; acrossEdge: string | null; differences: string[] }>;
}

interface Site {
  id: number;
  acrossEdge: string | null;
  geojson: string;
  ewkb: string;
  body: string;
}
/** One layer's answer: status and the sorted ids (or references) of the features that fired. */
type Answer = Map<string, { status: string; fired: string }>;

function answerOfReport(
  r: {
    layers: Array<{
      layerId: string;
      status: string;
      hits: Array<{ featureId: number; reference?: string | null; fired: boolean }>;
    }>;
  },
  key: 'id' | 'ref' = 'id',
): Answer {
  const m: Answer = new Map();
  for (const l of r.layers) {
    const fired = l.hits
      .filter((h) => h.fired)
      .map((h) => (key === 'id' ? String(h.featureId) : String(h.reference)))
      .sort();
    m.set(l.layerId, { status: l.status, fired: fired.join(',') });
  }
  return m;
}

function answerOfFloor(rows: Array<{ layer_id: string; status: string; fired: number[] }>): Answer {
  const m: Answer = new Map();
  for (const r of rows) m.set(r.layer_id, { status: r.status, fired: r.fired.map(String).sort().join(',') });
  return m;
}

/** Differences between two answers (layer ids mapped through `rename` first). */
function diff(a: Answer, b: Answer, rename: (id: string) => string = (id) => id): string[] {
  const out: string[] = [];
  const bRenamed = new Map([...b].map(([k, v]) => [rename(k), v]));
  const ids = new Set([...a.keys(), ...bRenamed.keys()]);
  for (const id of ids) {
    const x = a.get(id);
    const y = bRenamed.get(id);
    if (!x || !y) out.push(`${id}: missing on one side`);
    else if (x.status !== y.status || x.fired !== y.fired)
      out.push(`${id}: ${x.status} [${x.fired}] vs ${y.status} [${y.fired}]`);
  }
  return out;
}

/** B1b: Redline's check statement over the 5 huge layers, not subdivided vs subdivided, on the boundary sites. */
async function runB1b(sites: Site[], db: Knex, floorDb: Knex): Promise<B1bResult> {
  const boundary = sites.filter((s) => s.acrossEdge).slice(0, B1B_SITES);
  const layerInfos = (await listLayers(db, [...HUGE_LAYER_IDS, ...RAW_HUGE_LAYER_IDS])) as unknown as LayerInfo[];
  const infoOf = (ids: string[]) => ids.map((id) => layerInfos.find((l) => l.id === id)!);
  const check = async (s: Site, ids: string[]) => {
    const t = process.hrtime.bigint();
    const { rows } = await floorDb.raw<{ rows: CheckRow[] }>(sqlQuery('constraint_check'), {
      site: s.ewkb,
      layerIds: ids,
    });
    const ms = msSince(t);
    return { ms, report: buildReport(rows[0]?.site_area_m2 ?? 0, infoOf(ids), rows) };
  };
  log(
    `B1b: constraint_check.sql on ${boundary.length} sites across huge-polygon edges, 5 huge layers raw vs subdivided (warm-up 3 sites)`,
  );
  for (const s of boundary.slice(0, 3)) {
    await check(s, RAW_HUGE_LAYER_IDS);
    await check(s, HUGE_LAYER_IDS);
  }
  const rawMs: number[] = [];
  const subMs: number[] = [];
  const perSiteRatio: number[] = [];
  const b1bMismatches: Array<{ site: number; acrossEdge: string | null; differences: string[] }> = [];
  const b1bStart = Date.now();
  for (const [i, s] of boundary.entries()) {
    let raw: Awaited<ReturnType<typeof check>>;
    let sub: Awaited<ReturnType<typeof check>>;
    if (i % 2 === 0) {
      raw = await check(s, RAW_HUGE_LAYER_IDS);
      sub = await check(s, HUGE_LAYER_IDS);
    } else {
      sub = await check(s, HUGE_LAYER_IDS);
      raw = await check(s, RAW_HUGE_LAYER_IDS);
    }
    rawMs.push(raw.ms);
    subMs.push(sub.ms);
    perSiteRatio.push(raw.ms / sub.ms);
    const d = diff(answerOfReport(sub.report, 'ref'), answerOfReport(raw.report, 'ref'), (id) =>
      id.replace(/^bench-raw-/, 'bench-'),
    );
    if (d.length) b1bMismatches.push({ site: s.id, acrossEdge: s.acrossEdge, differences: d });
    if ((i + 1) % 50 === 0) log(`  ${i + 1}/${boundary.length} (${((Date.now() - b1bStart) / 1000).toFixed(0)} s)`);
  }
  const R = summarise(rawMs);
  const S = summarise(subMs);
  return {
    raw: R,
    subdivided: S,
    speedupP50: round(R.p50 / S.p50, 1),
    speedupP95: round(R.p95 / S.p95, 1),
    speedupPerSiteMedian: round(summarise(perSiteRatio).p50, 1),
    target: { speedup: 50 },
    met: R.p50 / S.p50 >= 50,
    sites: boundary.length,
    layers: HUGE_LAYER_IDS.length,
    mismatches: b1bMismatches.length,
    mismatchExamples: b1bMismatches.slice(0, 20),
  };
}

async function main() {
  const started = Date.now();
  const loadAtStart = os.loadavg().map((v) => round(v, 2));
  log(
    `B1/B1b constraint check benchmark; BENCH_SCALE=${SCALE}, BENCH_ROUNDS=${ROUNDS}; load average ${loadAtStart.join(' ')} on ${os.cpus().length} CPUs`,
  );
  const database = await benchDatabase(log);
  const { cleanups, finish } = benchLifecycle(database, log);

  try {
    const url = database.url;
    const setup = createDb(url, 1);
    await migrateLatest(setup);
    const pgVersion = (await setup.raw(`SELECT version() AS v, postgis_full_version() AS p`)).rows[0];
    await setup.destroy();

    let data: GeneratedData | null = database.reused ? await existingData(url, SCALE) : null;
    let generatedNow = false;
    if (data) {
      log(
        `reusing the data generated earlier (generator ${GENERATOR_VERSION}, scale ${SCALE}, generated in ${data.generationSeconds} s)`,
      );
    } else {
      log('generating the synthetic data (seeded: the same every run)');
      data = await generate(url, SCALE, log);
      generatedNow = true;
      log(`generated in ${data.generationSeconds} s`);
    }
    log(
      `data: ${JSON.stringify(data.features)} features; ${JSON.stringify(data.pieces)} pieces; tables ${JSON.stringify(data.sizesMb)} MB; fingerprint ${JSON.stringify(data.fingerprint)}`,
    );

    // ---------------------------------------------------------------------------------------------- the app
    const db = createDb(url); // Redline's own pool (same size as server/boot.ts)
    cleanups.push(() => db.destroy());
    const { id: authorityId } = await db('authority').where({ code: AUTHORITY_CODE }).first('id');
    const config = loadConfig({
      LOG_LEVEL: 'info',
      REDLINE_DATA_DIR: '/nonexistent',
      REDLINE_AUTHORITY: AUTHORITY_CODE,
      HOST: '127.0.0.1',
    });
    // logs as in production (info, one line a request), written to /dev/null
    const devNull = fs.createWriteStream('/dev/null');
    const appLog = createLogger(config.LOG_LEVEL, devNull);
    const built = buildApp(
      {
        db,
        config,
        log: appLog,
        authorityId,
        sessionSecret: crypto.randomBytes(24).toString('hex'),
        intake: intakeOptions(config, authorityId),
      },
      url,
    );
    const server = built.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await built.close();
    });
    const port = (server.address() as AddressInfo).port;
    const system = { id: null, username: 'system:bench' };
    const user = await createUser(db, system, { username: `bench.officer.${Date.now()}`, role: 'officer' });
    const { token } = await createToken(db, system, user.id, 'benchmark');
    log(`Redline listening on http://127.0.0.1:${port}`);

    const client = jsonPoster(port, '/api/constraints/check', token, REQUEST_TIMEOUT_MS);
    cleanups.push(client.close);
    const post = client.post;

    const floorDb = createDb(url, 1);
    cleanups.push(() => floorDb.destroy());
    const { rows: siteRows } = await floorDb.raw<{
      rows: Array<{ id: number; across_edge: string | null; geojson: string; ewkb: string }>;
    }>(
      `SELECT id, across_edge, geojson, encode(ST_AsEWKB(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 27700))), 'hex') AS ewkb FROM bench_site ORDER BY id`,
    );
    const sites: Site[] = siteRows.map((r) => ({
      id: r.id,
      acrossEdge: r.across_edge,
      geojson: r.geojson,
      ewkb: r.ewkb,
      body: JSON.stringify({ site: JSON.parse(r.geojson), crs: 'EPSG:27700', layers: B1_LAYER_IDS }),
    }));

    const redline = async (s: Site) => {
      const t = process.hrtime.bigint();
      const res = await post(s.body);
      const ms = msSince(t);
      if (res.status !== 200) throw new Error(`site ${s.id}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
      return { ms, text: res.text };
    };
    const floor = async (s: Site) => {
      const t = process.hrtime.bigint();
      const { rows } = await floorDb.raw<{ rows: Array<{ layer_id: string; status: string; fired: number[] }> }>(
        FLOOR_SQL,
        [s.geojson, B1_LAYER_IDS],
      );
      return { ms: msSince(t), rows };
    };

    // ------------------------------------------------------------------------------------------------- B1
    log(`B1 warm-up: every site once through each (${sites.length} × 2)`);
    const warmStart = Date.now();
    for (const s of sites) {
      await redline(s);
      await floor(s);
    }
    log(`  warm-up took ${((Date.now() - warmStart) / 1000).toFixed(1)} s`);

    log(`B1 measured: ${ROUNDS} interleaved pass(es) over ${sites.length} sites (A B, then B A on the next site)`);
    const aMs: number[] = [];
    const bMs: number[] = [];
    const mismatches: Array<{ site: number; acrossEdge: string | null; differences: string[] }> = [];
    const statusCounts: Record<string, number> = {};
    let firedHits = 0;
    let hits = 0;
    let responseBytes = 0;
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      for (const [i, s] of sites.entries()) {
        let a: Awaited<ReturnType<typeof redline>>;
        let b: Awaited<ReturnType<typeof floor>>;
        if ((i + round_) % 2 === 0) {
          a = await redline(s);
          b = await floor(s);
        } else {
          b = await floor(s);
          a = await redline(s);
        }
        aMs.push(a.ms);
        bMs.push(b.ms);
        // every answer is compared (outside the timed part)
        const report = JSON.parse(a.text) as ConstraintReport;
        const d = diff(answerOfReport(report), answerOfFloor(b.rows));
        if (d.length) mismatches.push({ site: s.id, acrossEdge: s.acrossEdge, differences: d });
        if (round_ === 0) {
          responseBytes += Buffer.byteLength(a.text);
          for (const l of report.layers) {
            statusCounts[l.status] = (statusCounts[l.status] ?? 0) + 1;
            hits += l.hits.length;
            firedHits += l.hits.filter((h) => h.fired).length;
          }
        }
      }
      log(`  pass ${round_ + 1}: Redline p50 ${summarise(aMs).p50} ms, floor p50 ${summarise(bMs).p50} ms`);
    }
    const A = summarise(aMs);
    const B = summarise(bMs);
    const b1 = {
      redline: A,
      floor: B,
      ratioP50: round(A.p50 / B.p50, 2),
      ratioP95: round(A.p95 / B.p95, 2),
      target: { p50: 1.5, p95: 2 },
      met: A.p50 / B.p50 <= 1.5 && A.p95 / B.p95 <= 2,
      sites: sites.length,
      rounds: ROUNDS,
      layers: B1_LAYER_IDS.length,
      answersCompared: sites.length * ROUNDS,
      mismatches: mismatches.length,
      mismatchExamples: mismatches.slice(0, 20),
      perCheck: {
        layerStatuses: statusCounts,
        hitsMean: round(hits / sites.length, 2),
        firedHitsMean: round(firedHits / sites.length, 2),
        responseKbMean: round(responseBytes / sites.length / 1024, 1),
      },
    };
    log(
      `B1: Redline p50 ${A.p50} / p95 ${A.p95} ms; floor p50 ${B.p50} / p95 ${B.p95} ms; ratios ${b1.ratioP50} / ${b1.ratioP95}; mismatches ${mismatches.length}`,
    );
    for (const m of mismatches.slice(0, 5))
      log(
        `  mismatch site ${m.site}${m.acrossEdge ? ` (across ${m.acrossEdge})` : ''}: ${m.differences.slice(0, 3).join('; ')}`,
      );

    // ------------------------------------------------------------------------------- B1 breakdown (profile)
    let breakdown: Record<string, Summary> | null = null;
    if (PROFILE) {
      log('B1 breakdown: the steps of one check, in-process, over the first 300 sites');
      const steps: Record<string, number[]> = {
        'auth: cached bearer token (TokenCache.get)': [],
        'auth: token lookup in the database (a cache miss)': [],
        'checkPostedSite: total (intake + check in one statement, report)': [],
        '  constraint_check_site.sql (alone)': [],
        '  buildReport (cached layer definitions)': [],
        'res.json: JSON.stringify': [],
        'floor SQL': [],
        'for reference: intake alone (site_intake.sql, other endpoints)': [],
        'for reference: runCheck alone (constraint_check.sql, stored checks)': [],
      };
      const time = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
        const t = process.hrtime.bigint();
        const v = await f();
        steps[name]!.push(msSince(t));
        return v;
      };
      const tokens = new TokenCache(60_000);
      tokens.listening = true;
      const tokenHash = hashToken(token);
      tokens.set(tokenHash, user, tokens.now());
      const intakeOpts = {
        ...intakeOptions(config, authorityId),
        crs: 'EPSG:27700',
        outputs: false,
      };
      const allLayers = await cachedLayers(db);
      const layersInfo = allLayers.filter((l) => B1_LAYER_IDS.includes(l.id)) as unknown as LayerInfo[];
      for (const s of sites.slice(0, 300)) {
        await time('auth: cached bearer token (TokenCache.get)', () => tokens.get(hashToken(token)));
        await time('auth: token lookup in the database (a cache miss)', () => userForToken(db, token));
        const { site, report } = await time('checkPostedSite: total (intake + check in one statement, report)', () =>
          checkPostedSite(db, JSON.parse(s.geojson), intakeOpts, B1_LAYER_IDS),
        );
        const rows = await time('  constraint_check_site.sql (alone)', async () =>
          (
            await runPrepared<CheckRow>(db, checkSiteStatement(), {
              ...prepareIntake(JSON.parse(s.geojson), intakeOpts).bindings,
              crossBoundary: false,
              layerIds: B1_LAYER_IDS,
            })
          ).filter((r) => r.layer_id !== null),
        );
        await time('  buildReport (cached layer definitions)', () =>
          buildReport(rows[0]!.site_area_m2, layersInfo, rows),
        );
        await time('res.json: JSON.stringify', () =>
          JSON.stringify({ site: { areaM2: site.areaM2, areaHa: site.areaHa, repair: site.repair }, ...report }),
        );
        await time('floor SQL', () => floor(s));
        const intake = await time('for reference: intake alone (site_intake.sql, other endpoints)', () =>
          intakeSite(db, JSON.parse(s.geojson), intakeOpts),
        );
        await time('for reference: runCheck alone (constraint_check.sql, stored checks)', () =>
          runCheck(db, intake.ewkb, B1_LAYER_IDS),
        );
      }
      breakdown = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarise(v)]));
    }

    // ------------------------------------------------------------------------------------------------ B1b
    let b1b: B1bResult | null = null;
    if (RUN_B1B) b1b = await runB1b(sites, db, floorDb);
    else log('BENCH_B1B=0: B1b skipped');

    if (b1b)
      log(
        `B1b: raw p50 ${b1b.raw.p50} / p95 ${b1b.raw.p95} ms; subdivided p50 ${b1b.subdivided.p50} / p95 ${b1b.subdivided.p95} ms; subdivided ${b1b.speedupP50}× faster at p50; mismatches ${b1b.mismatches}`,
      );

    // --------------------------------------------------------------------------------------------- results
    const rows: Array<Array<string | number>> = [
      ['bench', 'what', 'n', 'p50 ms', 'p95 ms', 'ratio p50', 'ratio p95', 'target', 'met', 'mismatches'],
      [
        'B1',
        'Redline POST /api/constraints/check (35 layers)',
        A.n,
        A.p50,
        A.p95,
        b1.ratioP50,
        b1.ratioP95,
        '≤1.5× / ≤2×',
        b1.met ? 'yes' : 'NO',
        mismatches.length,
      ],
      ['B1', 'floor: one SQL statement, subdivided pieces', B.n, B.p50, B.p95, 1, 1, '', '', ''],
    ];
    if (b1b) {
      rows.push(
        [
          'B1b',
          'check, 5 huge layers, NOT subdivided',
          b1b.raw.n,
          b1b.raw.p50,
          b1b.raw.p95,
          b1b.speedupP50,
          b1b.speedupP95,
          '',
          '',
          '',
        ],
        [
          'B1b',
          'check, 5 huge layers, subdivided',
          b1b.subdivided.n,
          b1b.subdivided.p50,
          b1b.subdivided.p95,
          1,
          1,
          'raw/sub ≥50×',
          b1b.met ? 'yes' : 'NO',
          b1b.mismatches,
        ],
      );
    }
    console.log('\n' + table(rows));
    if (breakdown) {
      console.log(
        '\nB1 breakdown (in-process, first 300 sites):\n' +
          table([
            ['step', 'p50 ms', 'p95 ms', 'mean ms'],
            ...Object.entries(breakdown).map(([k, v]) => [k, v.p50, v.p95, v.mean]),
          ]),
      );
    }
    const file = writeResults(SCALE === 1 ? 'constraints' : `constraints-scale${SCALE}`, {
      benchmark: 'B1, B1b (tests/bench/constraints.ts)',
      at: new Date().toISOString(),
      machine: {
        ...machine(),
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: os.loadavg().map((v) => round(v, 2)),
      },
      postgres: pgVersion.v,
      postgis: pgVersion.p,
      settings: {
        scale: SCALE,
        rounds: ROUNDS,
        b1bSites: B1B_SITES,
        embeddedCluster: database.embedded,
        dataReused: !generatedNow,
      },
      data,
      b1,
      b1Breakdown: breakdown,
      b1b,
      totalSeconds: round((Date.now() - started) / 1000, 1),
    });
    console.log(`\nresults written to ${file}`);
    const ok = mismatches.length === 0 && (b1b?.mismatches ?? 0) === 0;
    process.exitCode = ok ? 0 : 1;
  } finally {
    await finish();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
