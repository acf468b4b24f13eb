/**
 * `npm run bench:neighbours`: benchmark B2 of /work/shared/benchmarks.md.
 *
 *  B2  Redline's neighbour selection (the service function `select` of server/modules/neighbours/service.ts
 *      with { radiusM }, on the site as hex EWKB, through Redline's knex pool) against the floor: one
 *      hand-written ST_DWithin statement returning the same columns (uprn, parent UPRN, address lines, postcode,
 *      classification, x, y, distance), nearest first, through the same pool. Radius 20, 50, 100 and 250 m
 *      around seeded sites 20–300 m across, over 2 million seeded address points (towns and countryside, with
 *      blocks of flats under a PP parent) in a synthetic authority covering 400000..500000 E, 100000..200000 N.
 *      Also, in the same interleaved run: the HTTP endpoint POST /api/neighbours/preview (bearer token, geometry
 *      intake, JSON) on 127.0.0.1, and the floor on a second pool of the same driver with JIT off (PostgreSQL
 *      JIT-compiles the floor when a large radius in a town makes its estimated cost high; Redline's statement is
 *      costed so that it never is), both for information. Every answer is compared: Redline's recipients and
 *      exclusions (the site's own addresses) must be the floor's UPRNs less the PP parent shells (which lead to
 *      their flats but get no letter; here the flats share their parent's point, so no radius splits a building).
 *      Then a breakdown of the HTTP request's parts, in-process, on the first 200 sites at 50 m.
 *
 * Environment:
 *   BENCH_DATABASE_URL  use this database (it is filled with benchmark data) instead of a throwaway cluster
 *   BENCH_KEEP=1        keep the embedded cluster in $TMPDIR/redline-bench-keep and reuse its data next time
 *   BENCH_ADDRESSES     address points to generate (default 2000000)
 *   BENCH_SITES         seeded sites measured per radius (default 1000)
 *   BENCH_ROUNDS        measured passes over the sites per radius (default 1)
 */
import knexFactory, { type Knex } from 'knex';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { userForToken } from '../../server/modules/users/service.ts';
import { select, SelectionParams } from '../../server/modules/neighbours/service.ts';
import { intakeSite, type IntakeOptions } from '../../server/modules/geometry/intake.ts';
import {
  benchLifecycle,
  startBenchApp,
  benchDatabase,
  machine,
  msSince,
  prng,
  round,
  summarise,
  table,
  writeResults,
  type Summary,
  jsonPoster,
} from './common.ts';
import { intakeOptions } from '../../server/http/context.ts';

const log = (m: string) => console.log(`[bench:neighbours] ${m}`);
const envInt = (name: string, dflt: number, max: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > max)
    throw new Error(`${name}=${v}: must be a whole number from 1 to ${max}`);
  return n;
};
const ADDRESSES = envInt('BENCH_ADDRESSES', 2_000_000, 20_000_000);
const SITES = envInt('BENCH_SITES', 1000, 5000);
const ROUNDS = envInt('BENCH_ROUNDS', 1, 100);
const RADII = [20, 50, 100, 250] as const;
const AUTHORITY_CODE = 'BNB';
const GENERATOR_VERSION = 1;
const TOWNS = 80;
const FLAT_BLOCKS = Math.floor(ADDRESSES / 100); // 10% of addresses are in blocks of 10 (1 PP parent + 9 flats)
const REQUEST_TIMEOUT_MS = 60_000;
const SQUARE_WKT = 'SRID=27700;POLYGON((400000 100000,500000 100000,500000 200000,400000 200000,400000 100000))';

/** The floor: every address point within the radius of the site, the same columns as Redline's, nearest first. */
const FLOOR_SQL = `
SELECT a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification, ST_X(a.geom) AS x, ST_Y(a.geom) AS y,
       ST_Distance(a.geom, s.g) AS distance_m
FROM address a, (SELECT ST_GeomFromEWKB(decode(?, 'hex')) AS g) s
WHERE ST_DWithin(a.geom, s.g, ?)
ORDER BY distance_m, a.postcode, a.address_lines`;

interface FloorRow {
  uprn: string | number;
  classification: string | null;
}

// ------------------------------------------------------------------------------------------- data generation
interface DataInfo {
  generatorVersion: number;
  addresses: number;
  towns: number;
  flatBlocks: number;
  generationSeconds: number;
  phases: Record<string, number>;
  tableMb: number;
}

async function existingData(db: Knex): Promise<DataInfo | null> {
  const meta = await db.raw(`SELECT to_regclass('bench_neighbours_meta') AS t`);
  if (!meta.rows[0].t) return null;
  const row = (await db.raw(`SELECT info FROM bench_neighbours_meta LIMIT 1`)).rows[0];
  if (!row) return null;
  const info = row.info as DataInfo;
  const [{ n }] = (await db.raw(`SELECT count(*)::int AS n FROM address`)).rows;
  return info.generatorVersion === GENERATOR_VERSION && info.addresses === ADDRESSES && n === ADDRESSES ? info : null;
}

/** 2 million address points (seeded: setseed), straight into `address`, in SQL. */
async function generate(db: Knex): Promise<DataInfo> {
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  const phase = async (name: string, f: () => Promise<void>) => {
    const s = Date.now();
    log(`  ${name}…`);
    await f();
    phases[name] = round((Date.now() - s) / 1000, 1);
  };
  // one connection: setseed applies to the session that calls random()
  await db.transaction(async (trx) => {
    let authorityId = 0;
    await phase('authority, clearing earlier addresses, dropping address indexes for the bulk load', async () => {
      const boundary = `ST_Multi(ST_Buffer(ST_GeomFromEWKT('${SQUARE_WKT}'), 100, 'quad_segs=4'))`;
      authorityId = (
        await trx.raw(
          `INSERT INTO authority (code, name, boundary, boundary_source, copyright_statement)
         VALUES (?, 'Neighbour benchmark authority (synthetic)', ${boundary}, 'synthetic: 400000..500000 E, 100000..200000 N, buffered 100 m', 'Synthetic data.')
         ON CONFLICT (code) DO UPDATE SET boundary = EXCLUDED.boundary RETURNING id`,
          [AUTHORITY_CODE],
        )
      ).rows[0].id;
      await trx.raw(`DROP TABLE IF EXISTS bench_neighbours_meta, bench_neighbours_town`);
      await trx.raw(`TRUNCATE address`);
      await trx.raw(`DROP INDEX IF EXISTS address_geom_gix`);
      await trx.raw(`DROP INDEX IF EXISTS address_parent_idx`);
    });
    await phase(`${TOWNS} towns`, async () => {
      await trx.raw(`SELECT setseed(0.2026)`);
      // town sizes vary (sigma 400–2,400 m); lower ids get more addresses (chosen with a squared draw)
      await trx.raw(
        `CREATE TABLE bench_neighbours_town AS
         SELECT t AS id, 404000 + random() * 92000 AS cx, 104000 + random() * 92000 AS cy, 400 + random() * 2000 AS sigma
         FROM generate_series(0, ${TOWNS - 1}) t ORDER BY t`,
      );
    });
    const clampX = (e: string) => `least(499999.99, greatest(400000.01, ${e}))`;
    const clampY = (e: string) => `least(199999.99, greatest(100000.01, ${e}))`;
    const gauss = (u1: string, u2: string) => `sqrt(-2 * ln(1 - ${u1})) * cos(2 * pi() * ${u2})`;
    const gauss2 = (u1: string, u2: string) => `sqrt(-2 * ln(1 - ${u1})) * sin(2 * pi() * ${u2})`;
    await phase(
      `${FLAT_BLOCKS * 10} addresses in ${FLAT_BLOCKS} blocks of flats (PP parent + 9 flats on one point)`,
      async () => {
        await trx.raw(`SELECT setseed(0.3141)`);
        // the blocks' draws first, kept in a table (a volatile subquery could be re-run for each flat)
        await trx.raw(
          `CREATE TEMP TABLE bench_block ON COMMIT DROP AS
         SELECT b, floor(random() * random() * ${TOWNS})::int AS town, random() AS u1, random() AS u2 FROM generate_series(0, ${FLAT_BLOCKS - 1}) b ORDER BY b`,
        );
        await trx.raw(
          `INSERT INTO address (uprn, parent_uprn, authority_id, address_lines, postcode, classification, geom, data_version, source)
         SELECT b.b * 10 + k + 1,
                CASE WHEN k = 0 THEN NULL ELSE b.b * 10 + 1 END,
                ?,
                CASE WHEN k = 0 THEN ARRAY['Block ' || b.b, (b.b % 97 + 1) || ' Tower Road', 'Town ' || t.id]
                     ELSE ARRAY['Flat ' || k, 'Block ' || b.b, (b.b % 97 + 1) || ' Tower Road', 'Town ' || t.id] END,
                'BT' || t.id || ' ' || (b.b % 9) || 'FL',
                CASE WHEN k = 0 THEN 'PP' ELSE 'RD06' END,
                ST_SetSRID(ST_MakePoint(round(${clampX('t.cx + t.sigma * 0.6 * ' + gauss('b.u1', 'b.u2'))}::numeric, 2)::float8,
                                        round(${clampY('t.cy + t.sigma * 0.6 * ' + gauss2('b.u1', 'b.u2'))}::numeric, 2)::float8), 27700),
                1, 'bench (generated)'
         FROM bench_block b
         JOIN bench_neighbours_town t ON t.id = b.town
         CROSS JOIN generate_series(0, 9) k`,
          [authorityId],
        );
      },
    );
    const houses = ADDRESSES - FLAT_BLOCKS * 10;
    await phase(`${houses} houses: 70% in towns, 30% in the countryside`, async () => {
      await trx.raw(`SELECT setseed(0.2718)`);
      await trx.raw(
        `INSERT INTO address (uprn, parent_uprn, authority_id, address_lines, postcode, classification, geom, data_version, source)
         SELECT n, NULL, ?,
                ARRAY[(n % 211 + 1) || ' ' || CASE WHEN r.town IS NULL THEN 'Lane End' ELSE 'Bench Road' END,
                      CASE WHEN r.town IS NULL THEN 'Countryside' ELSE 'Town ' || r.town END],
                'BN' || coalesce(r.town, 99) || ' ' || (n % 9) || 'AA',
                'RD04',
                ST_SetSRID(ST_MakePoint(round(x::numeric, 2)::float8, round(y::numeric, 2)::float8), 27700),
                1, 'bench (generated)'
         FROM (
           SELECT s.n, t.id AS town,
                  CASE WHEN t.id IS NULL THEN 400000.01 + s.u1 * 99999.98 ELSE ${clampX('t.cx + t.sigma * ' + gauss('s.u1', 's.u2'))} END AS x,
                  CASE WHEN t.id IS NULL THEN 100000.01 + s.u2 * 99999.98 ELSE ${clampY('t.cy + t.sigma * ' + gauss2('s.u1', 's.u2'))} END AS y
           FROM (SELECT n, random() AS u, floor(random() * random() * ${TOWNS})::int AS town, random() AS u1, random() AS u2
                 FROM generate_series(${FLAT_BLOCKS * 10 + 1}, ${ADDRESSES}) n) s
           LEFT JOIN bench_neighbours_town t ON t.id = s.town AND s.u < 0.7
         ) r`,
        [authorityId],
      );
    });
    await phase('address indexes (GiST on geom, parent UPRN) as in the migrations', async () => {
      await trx.raw(`CREATE INDEX address_geom_gix ON address USING gist (geom)`);
      await trx.raw(`CREATE INDEX address_parent_idx ON address (parent_uprn)`);
    });
    await phase('reference_dataset: address data version 1', async () => {
      await trx.raw(
        `UPDATE reference_dataset SET data_version = 1, source_hash = ?, loaded_at = now(), feature_count = ?, last_load = ? WHERE id = 'address'`,
        [`bench-neighbours-generator-${GENERATOR_VERSION}`, ADDRESSES, JSON.stringify({ generated: true })],
      );
    });
  });
  await phase('VACUUM ANALYZE address', async () => {
    await db.raw(`VACUUM ANALYZE address`);
  });
  const tableMb = round(Number((await db.raw(`SELECT pg_total_relation_size('address') AS b`)).rows[0].b) / 2 ** 20, 1);
  const info: DataInfo = {
    generatorVersion: GENERATOR_VERSION,
    addresses: ADDRESSES,
    towns: TOWNS,
    flatBlocks: FLAT_BLOCKS,
    generationSeconds: round((Date.now() - t0) / 1000, 1),
    phases,
    tableMb,
  };
  await db.raw(`CREATE TABLE bench_neighbours_meta (info jsonb NOT NULL)`);
  await db.raw(`INSERT INTO bench_neighbours_meta VALUES (?)`, [JSON.stringify(info)]);
  return info;
}

// ------------------------------------------------------------------------------------------------- sites
interface Site {
  id: number;
  inTown: boolean;
  acrossM: number;
  geojson: { type: 'Polygon'; coordinates: number[][][] };
  ewkb: string;
}

/** Seeded sites 20–300 m across: 60% around town centres, 40% anywhere; star-shaped (always simple) 4–9-gons. */
async function makeSites(db: Knex): Promise<Site[]> {
  const towns = (await db.raw(`SELECT id, cx, cy, sigma FROM bench_neighbours_town ORDER BY id`)).rows as Array<{
    id: number;
    cx: number;
    cy: number;
    sigma: number;
  }>;
  const rnd = prng(20_260_002);
  const sites: Site[] = [];
  for (let i = 0; i < SITES; i++) {
    const inTown = rnd() < 0.6;
    const acrossM = 20 + rnd() * 280;
    let cx: number;
    let cy: number;
    if (inTown) {
      const t = towns[Math.floor(rnd() * rnd() * towns.length)]!;
      const g = Math.sqrt(-2 * Math.log(1 - rnd()));
      const a = 2 * Math.PI * rnd();
      cx = t.cx + t.sigma * g * Math.cos(a);
      cy = t.cy + t.sigma * g * Math.sin(a);
    } else {
      cx = 401000 + rnd() * 98000;
      cy = 101000 + rnd() * 98000;
    }
    cx = Math.min(499000, Math.max(401000, cx));
    cy = Math.min(199000, Math.max(101000, cy));
    const n = 4 + Math.floor(rnd() * 6);
    const angles = Array.from({ length: n }, (_, k) => (2 * Math.PI * (k + 0.2 + 0.6 * rnd())) / n);
    const ring = angles.map((a) => {
      const r = (acrossM / 2) * (0.6 + 0.4 * rnd());
      return [round(cx + r * Math.cos(a), 2), round(cy + r * Math.sin(a), 2)];
    });
    ring.push([...ring[0]!]);
    const geojson = { type: 'Polygon' as const, coordinates: [ring] };
    const ewkb = (
      await db.raw(`SELECT encode(ST_AsEWKB(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700))), 'hex') AS e`, [
        JSON.stringify(geojson),
      ])
    ).rows[0].e as string;
    sites.push({ id: i + 1, inTown, acrossM: round(acrossM, 1), geojson, ewkb });
  }
  return sites;
}

// ---------------------------------------------------------------------------------------------------- main
async function main() {
  const started = Date.now();
  log(
    `B2 neighbour selection benchmark: ${ADDRESSES} addresses, ${SITES} sites, ${ROUNDS} rounds, radii ${RADII.join(', ')} m`,
  );
  const database = await benchDatabase(log);
  const { cleanups, finish } = benchLifecycle(database, log);
  try {
    const url = database.url;
    const db = createDb(url); // Redline's pool, as in server/boot.ts; the floor uses it too
    cleanups.push(() => db.destroy());
    await migrateLatest(db);
    const versions = (await db.raw(`SELECT version() AS v, postgis_full_version() AS p`)).rows[0];

    let data = await existingData(db);
    const generatedNow = !data;
    if (data) {
      log(`reusing the address points generated earlier (generated in ${data.generationSeconds} s)`);
    } else {
      log(`generating ${ADDRESSES} address points in SQL (seeded: the same every run)`);
      data = await generate(db);
      log(`generated in ${data.generationSeconds} s (${data.tableMb} MB with indexes)`);
    }
    const { id: authorityId } = await db('authority').where({ code: AUTHORITY_CODE }).first('id');
    const sites = await makeSites(db);

    // the app on 127.0.0.1 with a bearer token, logging as in production to /dev/null
    const app = await startBenchApp(db, url, AUTHORITY_CODE, authorityId, `bench.neighbours.${Date.now()}`);
    cleanups.push(app.close);
    const { port, token, config } = app;
    const client = jsonPoster(port, '/api/neighbours/preview', token, REQUEST_TIMEOUT_MS);
    cleanups.push(client.close);
    const post = client.post;
    log(`Redline listening on http://127.0.0.1:${port}`);

    // the same driver and settings as createDb, with JIT off on every connection: the floor without JIT, for information
    const noJitDb = knexFactory({
      client: 'pg',
      connection: { connectionString: url, application_name: 'redline-bench-nojit' },
      pool: {
        min: 0,
        max: 2,
        afterCreate: (
          conn: { query: (q: string, cb: (e: Error | null) => void) => void },
          done: (e: Error | null, c: unknown) => void,
        ) => conn.query('SET jit = off', (e) => done(e, conn)),
      },
    });
    cleanups.push(() => noJitDb.destroy());
    const intake: IntakeOptions = intakeOptions(config, authorityId);
    type Answer = { ms: number; uprns: Set<string>; rows: number };
    const redline = async (s: Site, params: SelectionParams): Promise<Answer> => {
      const t = process.hrtime.bigint();
      const sel = await select(db, s.ewkb, params, intake);
      const ms = msSince(t);
      return {
        ms,
        uprns: new Set([...sel.recipients, ...sel.excluded].map((r) => String(r.uprn))),
        rows: sel.recipients.length + sel.excluded.length,
      };
    };
    const floor = async (s: Site, radiusM: number, on: Knex = db): Promise<Answer & { pp: number }> => {
      const t = process.hrtime.bigint();
      const { rows } = await on.raw<{ rows: FloorRow[] }>(FLOOR_SQL, [s.ewkb, radiusM]);
      const ms = msSince(t);
      // PP parent shells lead to their flats but get no letter in Redline
      const letters = rows.filter((r) => r.classification !== 'PP');
      return {
        ms,
        uprns: new Set(letters.map((r) => String(r.uprn))),
        rows: rows.length,
        pp: rows.length - letters.length,
      };
    };
    const httpPreview = async (body: string): Promise<Answer> => {
      const t = process.hrtime.bigint();
      const res = await post(body);
      const ms = msSince(t);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 400)}`);
      const sel = JSON.parse(res.text) as { recipients: Array<{ uprn: number }>; excluded: Array<{ uprn: number }> };
      return {
        ms,
        uprns: new Set([...sel.recipients, ...sel.excluded].map((r) => String(r.uprn))),
        rows: sel.recipients.length + sel.excluded.length,
      };
    };
    const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((u) => b.has(u));

    const results: Array<{
      radiusM: number;
      redline: Summary;
      floor: Summary;
      floorNoJit: Summary;
      http: Summary;
      ratioP50: number;
      ratioP95: number;
      noJitRatioP50: number;
      noJitRatioP95: number;
      httpRatioP50: number;
      httpRatioP95: number;
      met: boolean;
      recipientsMean: number;
      recipientsMax: number;
      ppParentsMean: number;
      answersCompared: number;
      mismatches: number;
      mismatchExamples: unknown[];
    }> = [];
    for (const radiusM of RADII) {
      const params = SelectionParams.parse({ radiusM });
      const bodies = sites.map((s) =>
        JSON.stringify({ site: s.geojson, siteCrs: 'EPSG:27700', selection: { radiusM } }),
      );
      log(`radius ${radiusM} m: warm-up (every site once through each)`);
      for (const [i, s] of sites.entries()) {
        await redline(s, params);
        await floor(s, radiusM);
        await floor(s, radiusM, noJitDb);
        await httpPreview(bodies[i]!);
      }
      const aMs: number[] = [];
      const bMs: number[] = [];
      const cMs: number[] = [];
      const hMs: number[] = [];
      const counts: number[] = [];
      const pps: number[] = [];
      const mismatches: Array<{
        site: number;
        redline: number;
        floor: number;
        http: number;
        onlyRedline: string[];
        onlyFloor: string[];
      }> = [];
      let compared = 0;
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, s] of sites.entries()) {
          // the order rotates site by site and round by round: A B C H, B C H A, C H A B, H A B C
          const order = (i + r) % 4;
          let a: Answer | undefined;
          let b: (Answer & { pp: number }) | undefined;
          let c: Answer | undefined;
          let h: Answer | undefined;
          for (let k = 0; k < 4; k++) {
            const which = (order + k) % 4;
            if (which === 0) a = await redline(s, params);
            else if (which === 1) b = await floor(s, radiusM);
            else if (which === 2) c = await floor(s, radiusM, noJitDb);
            else h = await httpPreview(bodies[i]!);
          }
          aMs.push(a!.ms);
          bMs.push(b!.ms);
          cMs.push(c!.ms);
          hMs.push(h!.ms);
          if (r === 0) {
            counts.push(a!.rows);
            pps.push(b!.pp);
            compared++;
            if (!sameSet(a!.uprns, b!.uprns) || !sameSet(h!.uprns, b!.uprns) || !sameSet(c!.uprns, b!.uprns)) {
              mismatches.push({
                site: s.id,
                redline: a!.uprns.size,
                floor: b!.uprns.size,
                http: h!.uprns.size,
                onlyRedline: [...a!.uprns].filter((u) => !b!.uprns.has(u)).slice(0, 10),
                onlyFloor: [...b!.uprns].filter((u) => !a!.uprns.has(u)).slice(0, 10),
              });
            }
          }
        }
      }
      const A = summarise(aMs);
      const B = summarise(bMs);
      const C = summarise(cMs);
      const H = summarise(hMs);
      const res = {
        radiusM,
        redline: A,
        floor: B,
        floorNoJit: C,
        http: H,
        ratioP50: round(A.p50 / B.p50, 2),
        ratioP95: round(A.p95 / B.p95, 2),
        noJitRatioP50: round(A.p50 / C.p50, 2),
        noJitRatioP95: round(A.p95 / C.p95, 2),
        httpRatioP50: round(H.p50 / B.p50, 2),
        httpRatioP95: round(H.p95 / B.p95, 2),
        met: A.p50 / B.p50 <= 1.5 && A.p95 / B.p95 <= 2,
        recipientsMean: round(counts.reduce((x, y) => x + y, 0) / counts.length, 1),
        recipientsMax: Math.max(...counts),
        ppParentsMean: round(pps.reduce((x, y) => x + y, 0) / pps.length, 1),
        answersCompared: compared,
        mismatches: mismatches.length,
        mismatchExamples: mismatches.slice(0, 10),
      };
      results.push(res);
      log(
        `radius ${radiusM} m: Redline p50 ${A.p50} / p95 ${A.p95} ms; floor p50 ${B.p50} / p95 ${B.p95} ms; ratio ${res.ratioP50} / ${res.ratioP95}; ` +
          `floor without JIT p50 ${C.p50} / p95 ${C.p95} ms; HTTP p50 ${H.p50} / p95 ${H.p95} ms; mismatches ${mismatches.length}`,
      );
      for (const m of mismatches.slice(0, 3)) log(`  mismatch at site ${m.site}: ${JSON.stringify(m)}`);
    }

    // where an HTTP preview's time goes, measured in-process step by step (not interleaved: for orientation)
    log('breakdown of POST /api/neighbours/preview at 50 m, in-process, first 200 sites');
    const steps: Record<string, number[]> = {
      'auth: userForToken (SELECT + UPDATE last_used_at)': [],
      'intake: site_intake.sql': [],
      "select (Redline's selection)": [],
      'JSON.stringify': [],
      'HTTP request, whole': [],
    };
    const time = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
      const t = process.hrtime.bigint();
      const v = await f();
      steps[name]!.push(msSince(t));
      return v;
    };
    const params50 = SelectionParams.parse({ radiusM: 50 });
    for (const s of sites.slice(0, 200)) {
      await time('auth: userForToken (SELECT + UPDATE last_used_at)', () => userForToken(db, token));
      const site = await time('intake: site_intake.sql', () =>
        intakeSite(db, s.geojson, { ...intake, crs: 'EPSG:27700' }),
      );
      const sel = await time("select (Redline's selection)", () => select(db, site.ewkb, params50, intake));
      await time('JSON.stringify', () => JSON.stringify(sel));
      await time('HTTP request, whole', () =>
        post(JSON.stringify({ site: s.geojson, siteCrs: 'EPSG:27700', selection: { radiusM: 50 } })),
      );
    }
    const breakdown = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarise(v)]));

    const rows: Array<Array<string | number>> = [
      [
        'radius',
        'recipients mean/max',
        'Redline p50',
        'p95',
        'floor p50',
        'p95',
        'ratio p50',
        'ratio p95',
        'target met',
        'floor no-JIT p50',
        'p95',
        'ratio p50',
        'p95',
        'HTTP p50',
        'p95',
        'HTTP/floor p50',
        'p95',
        'mismatches',
      ],
      ...results.map((r) => [
        `${r.radiusM} m`,
        `${r.recipientsMean} / ${r.recipientsMax}`,
        r.redline.p50,
        r.redline.p95,
        r.floor.p50,
        r.floor.p95,
        r.ratioP50,
        r.ratioP95,
        r.met ? 'yes' : 'NO',
        r.floorNoJit.p50,
        r.floorNoJit.p95,
        r.noJitRatioP50,
        r.noJitRatioP95,
        r.http.p50,
        r.http.p95,
        r.httpRatioP50,
        r.httpRatioP95,
        r.mismatches,
      ]),
    ];
    console.log(
      `\nB2 neighbour selection, ms (targets: Redline/floor p50 ≤ 1.5×, p95 ≤ 2×; ${sites.length} sites × ${ROUNDS} round(s) per radius)\n` +
        table(rows),
    );
    console.log(
      '\nPOST /api/neighbours/preview at 50 m, step by step (in-process, first 200 sites), ms\n' +
        table([
          ['step', 'p50', 'p95', 'mean'],
          ...Object.entries(breakdown).map(([k, v]) => [k, v.p50, v.p95, v.mean]),
        ]),
    );
    const file = writeResults('neighbours', {
      benchmark: 'B2 (tests/bench/neighbours.ts)',
      at: new Date().toISOString(),
      machine: machine(),
      postgres: versions.v,
      postgis: versions.p,
      settings: {
        addresses: ADDRESSES,
        sites: SITES,
        rounds: ROUNDS,
        radii: RADII,
        embeddedCluster: database.embedded,
        dataReused: !generatedNow,
      },
      data,
      sites: {
        total: sites.length,
        inTowns: sites.filter((s) => s.inTown).length,
        acrossMinM: Math.min(...sites.map((s) => s.acrossM)),
        acrossMaxM: Math.max(...sites.map((s) => s.acrossM)),
      },
      floorSql: FLOOR_SQL.trim(),
      results,
      httpBreakdownAt50m: breakdown,
      totalSeconds: round((Date.now() - started) / 1000, 1),
    });
    console.log(`\nresults written to ${file}`);
    process.exitCode = results.every((r) => r.mismatches === 0) ? 0 : 1;
  } finally {
    await finish();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
