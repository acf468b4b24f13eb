/**
 * `npm run bench:tiles`: benchmark B4 of /work/shared/benchmarks.md, on the OS grid (issue 12 item 10).
 *
 *  B4  Redline's staff vector tile endpoint GET /api/tiles/{layer}/{z}/{x}/{y}.mvt (HTTP on 127.0.0.1, bearer token,
 *      keep-alive, one socket) against the floor: a hand-written ST_AsMVT statement for the same tile, its envelope
 *      from PostGIS's ST_TileEnvelope(z + 3, x, y, <the OS grid's square>) (not from shared/os-tile-grid.ts), run
 *      through the same driver (pg, a pool of one). OS zooms 5 (28 m a pixel: a borough in a few tiles) to 12
 *      (0.22 m: a street), the layers from their minimum zoom: authority boundary, a polygon constraint layer, a
 *      point constraint layer, property outlines (from z9) and address points (from z10). Interleaved (A B A B…)
 *      after a warm-up pass; every tile's bytes are compared (the endpoint's must be identical to the floor's, an
 *      empty tile being a 204 with no body). p50 / p95 of each per zoom and overall, and their ratios
 *      (target ≤ 1.2×). Cold: the app's in-memory tile cache is emptied before each Redline request (the target is
 *      for cold tiles); warm: the same tile again at once (constraint layers come from that cache).
 *
 *  Data (seeded, EPSG:27700, generated in SQL): a 10 × 10 km synthetic authority (530000..540000 E,
 *  170000..180000 N): property outlines and address points clustered in towns, a polygon layer
 *  (conservation-area: buffered points of 33–129 vertices, some large) and a point layer (tree).
 *
 * Environment:
 *   BENCH_DATABASE_URL  use this database (it is filled with benchmark data) instead of a throwaway cluster
 *   BENCH_KEEP=1        keep the embedded cluster in $TMPDIR/redline-bench-keep and reuse its data next time
 *   BENCH_PROPERTIES    property outlines to generate (default 150000; as many address points)
 *   BENCH_TILES         tiles sampled per zoom (default 16)
 *   BENCH_ROUNDS        measured passes over the tiles (default 5)
 */
import http from 'node:http';
import os from 'node:os';
import type { Knex } from 'knex';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { syncBuiltinLayers } from '../../server/modules/layers/definitions.ts';
import { tileAt } from '../../shared/os-tile-grid.ts';
import {
  clearTileCaches,
  resolveLayer,
  tile as serviceTile,
  tileCacheStats,
} from '../../server/modules/tiles/service.ts';
import {
  benchDatabase,
  benchLifecycle,
  machine,
  msSince,
  prng,
  round,
  startBenchApp,
  summarise,
  table,
  writeResults,
} from './common.ts';

const log = (m: string) => console.log(`[bench:tiles] ${m}`);
const envInt = (name: string, dflt: number, max: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > max)
    throw new Error(`${name}=${v}: must be a whole number from 1 to ${max}`);
  return n;
};
const PROPERTIES = envInt('BENCH_PROPERTIES', 150_000, 5_000_000);
const TILES_PER_ZOOM = envInt('BENCH_TILES', 16, 1000);
const ROUNDS = envInt('BENCH_ROUNDS', 5, 1000);
const ZOOMS = [5, 6, 7, 8, 9, 10, 11, 12];
const AUTHORITY_CODE = 'TLB';
const GENERATOR_VERSION = 1;
const [X0, Y0, X1, Y1] = [530000, 170000, 540000, 180000];

/** The floor: hand-written ST_AsMVT for one tile of each layer, the envelope from ST_TileEnvelope. */
const ENVELOPE = `ST_TileEnvelope(?::int + 3, ?::int, ?::int, ST_MakeEnvelope(-238375, -458752, 1596633, 1376256, 27700))`;
const floorSql = (from: string, name: string) => `
WITH b AS (SELECT ${ENVELOPE} AS box),
t AS (${from})
SELECT ST_AsMVT(t, '${name}', 4096, 'geom', 'fid' ORDER BY t.fid) AS mvt FROM t WHERE t.geom IS NOT NULL`;
const mvtGeom = (col: string) => `ST_AsMVTGeom(${col}, b.box, 4096, 64, true) AS geom`;
const pad = `(ST_XMax(b.box) - ST_XMin(b.box)) * 64 / 4096`;
const FLOOR: Record<string, string> = {
  'authority-boundary': floorSql(
    `SELECT a.id AS fid, a.id, a.code AS reference, a.name, ${mvtGeom('a.boundary')} FROM authority a, b
     WHERE a.code = '${AUTHORITY_CODE}' AND a.boundary && ST_Expand(b.box, ${pad})`,
    'authority-boundary',
  ),
  properties: floorSql(
    `SELECT p.id AS fid, p.id, p.source_ref AS reference, p.name, ${mvtGeom('p.geom')} FROM property p, b
     WHERE p.geom && ST_Expand(b.box, ${pad})`,
    'properties',
  ),
  addresses: floorSql(
    `SELECT a.uprn AS fid, a.uprn AS id, a.uprn, array_to_string(a.address_lines || a.postcode, ', ') AS address,
            ${mvtGeom('a.geom')} FROM address a, b WHERE a.geom && ST_Expand(b.box, ${pad})`,
    'addresses',
  ),
  'conservation-area': floorSql(
    `SELECT f.id AS fid, f.id, f.source_ref AS reference, f.name, ${mvtGeom('f.geom')} FROM constraint_feature f, b
     WHERE f.layer_id = 'conservation-area' AND f.data_version = 1 AND f.geom && ST_Expand(b.box, ${pad})`,
    'conservation-area',
  ),
  tree: floorSql(
    `SELECT f.id AS fid, f.id, f.source_ref AS reference, f.name, ${mvtGeom('f.geom')} FROM constraint_feature f, b
     WHERE f.layer_id = 'tree' AND f.data_version = 1 AND f.geom && ST_Expand(b.box, ${pad})`,
    'tree',
  ),
};
const MIN_ZOOM: Record<string, number> = {
  'authority-boundary': 0,
  'conservation-area': 0,
  tree: 7,
  properties: 9,
  addresses: 10,
};

// ------------------------------------------------------------------------------------------- data generation
async function existingData(db: Knex): Promise<Record<string, unknown> | null> {
  const meta = await db.raw(`SELECT to_regclass('bench_tiles_meta') AS t`);
  if (!meta.rows[0].t) return null;
  const row = (await db.raw(`SELECT info FROM bench_tiles_meta LIMIT 1`)).rows[0];
  const info = row?.info as { generatorVersion: number; properties: number } | undefined;
  return info && info.generatorVersion === GENERATOR_VERSION && info.properties === PROPERTIES ? info : null;
}

async function generate(db: Knex): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  await syncBuiltinLayers(db);
  await db.transaction(async (trx) => {
    const square = `ST_MakeEnvelope(${X0}, ${Y0}, ${X1}, ${Y1}, 27700)`;
    await trx.raw(
      `INSERT INTO authority (code, name, boundary, boundary_source, copyright_statement)
       VALUES (?, 'Tile benchmark authority (synthetic)', ST_Multi(ST_Buffer(${square}, 100, 'quad_segs=4')),
               'synthetic: 530000..540000 E, 170000..180000 N, buffered 100 m', 'Synthetic data.')
       ON CONFLICT (code) DO NOTHING`,
      [AUTHORITY_CODE],
    );
    await trx.raw(`TRUNCATE property, address`);
    await trx.raw(`DELETE FROM constraint_feature WHERE layer_id IN ('conservation-area', 'tree')`);
    await trx.raw(`DROP TABLE IF EXISTS bench_tiles_meta, bench_tiles_town`);
    await trx.raw(`SELECT setseed(0.1212)`);
    await trx.raw(
      `CREATE TABLE bench_tiles_town AS
       SELECT t AS id, ${X0 + 500} + random() * ${X1 - X0 - 1000} AS cx, ${Y0 + 500} + random() * ${Y1 - Y0 - 1000} AS cy,
              150 + random() * 600 AS sigma
       FROM generate_series(0, 39) t ORDER BY t`,
    );
    log(`  ${PROPERTIES} property outlines and address points`);
    // one draw per property, kept (a volatile subquery could be re-run)
    await trx.raw(
      `CREATE TEMP TABLE bench_draw ON COMMIT DROP AS
       SELECT g, floor(random() * 40)::int AS town, random() AS u1, random() AS u2, random() AS w, random() AS h,
              random() AS spread
       FROM generate_series(1, ${PROPERTIES}) g ORDER BY g`,
    );
    await trx.raw(
      `CREATE TEMP TABLE bench_centre ON COMMIT DROP AS
       SELECT d.g,
              least(${X1 - 20}, greatest(${X0 + 20}, CASE WHEN d.spread < 0.8
                THEN t.cx + t.sigma * sqrt(-2 * ln(1 - d.u1)) * cos(2 * pi() * d.u2)
                ELSE ${X0} + d.u1 * ${X1 - X0} END)) AS x,
              least(${Y1 - 20}, greatest(${Y0 + 20}, CASE WHEN d.spread < 0.8
                THEN t.cy + t.sigma * sqrt(-2 * ln(1 - d.u1)) * sin(2 * pi() * d.u2)
                ELSE ${Y0} + d.u2 * ${Y1 - Y0} END)) AS y,
              5 + d.w * 10 AS w, 6 + d.h * 14 AS h
       FROM bench_draw d JOIN bench_tiles_town t ON t.id = d.town`,
    );
    await trx.raw(
      `INSERT INTO property (source_ref, name, uprns, geom, source)
       SELECT 'P' || g, NULL, ARRAY[100000000 + g]::bigint[],
              ST_Multi(ST_MakeEnvelope(round(x::numeric, 2), round(y::numeric, 2), round((x + w)::numeric, 2),
                                       round((y + h)::numeric, 2), 27700)), 'bench'
       FROM bench_centre ORDER BY g`,
    );
    await trx.raw(
      `INSERT INTO address (uprn, address_lines, postcode, geom, source)
       SELECT 100000000 + g, ARRAY[(g % 200 + 1) || ' Bench Street', 'Benchton'], 'SE1 ' || (g % 9 + 1) || 'AA',
              ST_SetSRID(ST_MakePoint(round((x + w / 2)::numeric, 2), round((y + h / 2)::numeric, 2)), 27700), 'bench'
       FROM bench_centre ORDER BY g`,
    );
    log('  constraint layers: 400 conservation areas, 20000 trees');
    await trx.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, geom)
       SELECT 'conservation-area', 1, 'CA' || g, 'Conservation area ' || g,
              ST_Buffer(ST_SetSRID(ST_MakePoint(${X0} + random() * ${X1 - X0}, ${Y0} + random() * ${Y1 - Y0}), 27700),
                        40 + random() * random() * 900, 'quad_segs=' || (8 + floor(random() * 25))::int)
       FROM generate_series(1, 400) g`,
    );
    await trx.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, geom)
       SELECT 'tree', 1, 'T' || g, NULL,
              ST_SetSRID(ST_MakePoint(round((${X0} + random() * ${X1 - X0})::numeric, 2),
                                      round((${Y0} + random() * ${Y1 - Y0})::numeric, 2)), 27700)
       FROM generate_series(1, 20000) g`,
    );
    await trx.raw(
      `UPDATE layer SET data_version = 1, loaded_at = now(),
         feature_count = (SELECT count(*) FROM constraint_feature f WHERE f.layer_id = layer.id)
       WHERE id IN ('conservation-area', 'tree')`,
    );
    await trx.raw(`UPDATE reference_dataset SET data_version = 1, loaded_at = now()`);
  });
  await db.raw(`ANALYZE property; ANALYZE address; ANALYZE constraint_feature; ANALYZE layer; ANALYZE authority`);
  const info = {
    generatorVersion: GENERATOR_VERSION,
    properties: PROPERTIES,
    generationSeconds: round((Date.now() - t0) / 1000, 1),
  };
  await db.raw(`CREATE TABLE bench_tiles_meta (info jsonb)`);
  await db.raw(`INSERT INTO bench_tiles_meta VALUES (?::jsonb)`, [JSON.stringify(info)]);
  return info;
}

// ------------------------------------------------------------------------------------------------ measuring
interface Tile {
  layer: string;
  z: number;
  x: number;
  y: number;
}

function sampleTiles(): Tile[] {
  const rand = prng(20261206);
  const out: Tile[] = [];
  for (const z of ZOOMS) {
    const seen = new Set<string>();
    for (let i = 0; i < TILES_PER_ZOOM * 20 && seen.size < TILES_PER_ZOOM; i++) {
      const t = tileAt(z, X0 + rand() * (X1 - X0), Y0 + rand() * (Y1 - Y0));
      seen.add(`${t.x}/${t.y}`);
    }
    for (const key of seen) {
      const [x, y] = key.split('/').map(Number) as [number, number];
      for (const layer of Object.keys(FLOOR)) if (z >= MIN_ZOOM[layer]!) out.push({ layer, z, x, y });
    }
  }
  return out;
}

function tileGetter(port: number, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
    });
  return { get, close: async () => agent.destroy() };
}

async function main() {
  const started = Date.now();
  const loadAtStart = os.loadavg().map((v) => round(v, 2));
  log(
    `B4 vector tiles on the OS grid; BENCH_PROPERTIES=${PROPERTIES}, BENCH_TILES=${TILES_PER_ZOOM}, BENCH_ROUNDS=${ROUNDS}`,
  );
  const database = await benchDatabase(log);
  const { cleanups, finish } = benchLifecycle(database, log);
  try {
    const db = createDb(database.url);
    cleanups.push(() => db.destroy());
    await migrateLatest(db);
    let data = database.reused ? await existingData(db) : null;
    if (data) log(`reusing the data generated earlier: ${JSON.stringify(data)}`);
    else {
      log('generating the synthetic data (seeded: the same every run)');
      data = await generate(db);
      log(`generated in ${String(data.generationSeconds)} s`);
    }
    const pgVersion = (await db.raw(`SELECT version() AS v, postgis_lib_version() AS p`)).rows[0];
    const { id: authorityId } = await db('authority').where({ code: AUTHORITY_CODE }).first('id');
    const app = await startBenchApp(db, database.url, AUTHORITY_CODE, authorityId, `bench.tiles.${Date.now()}`);
    cleanups.push(app.close);
    const client = tileGetter(app.port, app.token);
    cleanups.push(client.close);
    const floorDb = createDb(database.url, 1);
    cleanups.push(() => floorDb.destroy());

    const tiles = sampleTiles();
    log(`${tiles.length} tiles (layer × zoom × place), zooms ${ZOOMS.join(', ')}`);
    // cold: the app's in-memory tile cache emptied first (not timed), so the tile is read from the database
    const redline = async (t: Tile, warm = false) => {
      if (!warm) clearTileCaches();
      const s = process.hrtime.bigint();
      const res = await client.get(`/api/tiles/${t.layer}/${t.z}/${t.x}/${t.y}.mvt`);
      const ms = msSince(s);
      if (res.status !== 200 && res.status !== 204)
        throw new Error(`${t.layer} ${t.z}/${t.x}/${t.y}: HTTP ${res.status} ${res.body.toString().slice(0, 300)}`);
      return { ms, bytes: res.status === 204 ? Buffer.alloc(0) : res.body };
    };
    const floor = async (t: Tile) => {
      const s = process.hrtime.bigint();
      const { rows } = await floorDb.raw<{ rows: Array<{ mvt: Buffer | null }> }>(FLOOR[t.layer]!, [t.z, t.x, t.y]);
      const ms = msSince(s);
      return { ms, bytes: rows[0]?.mvt ?? Buffer.alloc(0) };
    };

    // the part of the request without HTTP: the route's service call, in-process, on Redline's pool
    const service = async (t: Tile) => {
      clearTileCaches();
      const s = process.hrtime.bigint();
      const layer = await resolveLayer(db, t.layer);
      const { mvt } = await serviceTile(db, authorityId, layer, t.z, t.x, t.y);
      return { ms: msSince(s), bytes: mvt };
    };
    log('warm-up pass (and byte comparison)');
    const mismatches: string[] = [];
    const sizes = new Map<string, number>();
    for (const t of tiles) {
      const [a, b] = [await redline(t), await floor(t)];
      sizes.set(`${t.layer} ${t.z}/${t.x}/${t.y}`, b.bytes.length);
      if (!a.bytes.equals(b.bytes))
        mismatches.push(`${t.layer} ${t.z}/${t.x}/${t.y}: ${a.bytes.length} vs ${b.bytes.length} bytes`);
    }
    log(`bytes identical: ${tiles.length - mismatches.length}/${tiles.length}`);

    const samples = new Map<string, { r: number[]; f: number[]; s: number[]; w: number[]; bytes: number[] }>();
    const add = (key: string, r: number, f: number, sv: number, w: number, bytes: number) => {
      let s = samples.get(key);
      if (!s) samples.set(key, (s = { r: [], f: [], s: [], w: [], bytes: [] }));
      s.r.push(r);
      s.f.push(f);
      s.s.push(sv);
      s.w.push(w);
      s.bytes.push(bytes);
    };
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      log(`round ${round_ + 1}/${ROUNDS}`);
      for (const t of tiles) {
        // interleaved; which goes first alternates
        const first = round_ % 2 === 0;
        const a = first ? await redline(t) : await floor(t);
        const b = first ? await floor(t) : await redline(t);
        const [r, f] = first ? [a, b] : [b, a];
        if (!r.bytes.equals(f.bytes)) mismatches.push(`round ${round_ + 1} ${t.layer} ${t.z}/${t.x}/${t.y}`);
        // warm: the same tile again at once (constraint layers come from the tile cache; the others are read again)
        const w = await redline(t, true);
        if (!w.bytes.equals(f.bytes)) mismatches.push(`round ${round_ + 1} warm ${t.layer} ${t.z}/${t.x}/${t.y}`);
        const sv = await service(t);
        for (const key of [`z${t.z}`, t.layer, 'all']) add(key, r.ms, f.ms, sv.ms, w.ms, f.bytes.length);
      }
    }

    const rows: Array<Array<string | number>> = [
      [
        'group',
        'tiles',
        'KB p50',
        'Redline p50',
        'floor p50',
        'ratio p50',
        'Redline p95',
        'floor p95',
        'ratio p95',
        'service p50',
        'warm p50',
        'warm/floor p50',
        'warm p95',
      ],
    ];
    const groups: Record<string, unknown> = {};
    const order = [...ZOOMS.map((z) => `z${z}`), ...Object.keys(FLOOR), 'all'];
    for (const key of order) {
      const s = samples.get(key);
      if (!s) continue;
      const R = summarise(s.r);
      const F = summarise(s.f);
      const kb = round(summarise(s.bytes).p50 / 1024, 1);
      const ratio = { p50: round(R.p50 / F.p50, 2), p95: round(R.p95 / F.p95, 2) };
      const S = summarise(s.s);
      const W = summarise(s.w);
      const warmRatio = { p50: round(W.p50 / F.p50, 2), p95: round(W.p95 / F.p95, 2) };
      groups[key] = {
        redlineMs: R,
        floorMs: F,
        ratio,
        serviceInProcessMs: S,
        warmRedlineMs: W,
        warmRatio,
        tileKbP50: kb,
      };
      rows.push([
        key,
        s.r.length,
        kb,
        R.p50,
        F.p50,
        `${ratio.p50}×`,
        R.p95,
        F.p95,
        `${ratio.p95}×`,
        S.p50,
        W.p50,
        `${warmRatio.p50}×`,
        W.p95,
      ]);
    }
    console.log(
      `\nB4 vector tiles (ms; target ≤ 1.2× at p50 and p95 for cold tiles, identical bytes; service: the route's call without HTTP, cold; warm: the tile again at once, constraint layers from the tile cache)\n${table(rows)}\n`,
    );
    const all = groups.all as { ratio: { p50: number; p95: number } };
    const result = {
      benchmark: 'B4 staff vector tiles on the OS grid (GET /api/tiles/{layer}/{z}/{x}/{y}.mvt vs raw ST_AsMVT SQL)',
      date: new Date().toISOString(),
      machine: machine(),
      loadAverage: { start: loadAtStart, end: os.loadavg().map((v) => round(v, 2)) },
      postgres: pgVersion,
      data,
      params: { zooms: ZOOMS, tilesPerZoom: TILES_PER_ZOOM, rounds: ROUNDS, minZoom: MIN_ZOOM, tiles: tiles.length },
      bytesIdentical: mismatches.length === 0,
      mismatches: mismatches.slice(0, 20),
      emptyTiles: [...sizes.values()].filter((n) => n === 0).length,
      groups,
      tileCache: tileCacheStats(db),
      target: { ratio: 1.2, metP50: all.ratio.p50 <= 1.2, metP95: all.ratio.p95 <= 1.2 },
      seconds: round((Date.now() - started) / 1000, 1),
    };
    log(`results: ${writeResults('tiles', result)}`);
    if (mismatches.length) {
      log(`MISMATCHES: ${mismatches.slice(0, 10).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await finish();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
