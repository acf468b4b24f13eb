/**
 * `npm run bench:register`: benchmarks B4, B5, B6 and L1 of /work/shared/benchmarks.md on the public planning
 * register (issue 13 item 8), over BENCH_APPLICATIONS (default 1,000,000) generated published applications.
 *
 *  B6    register search GET /api/public/applications (keyword + filters + area; HTTP on 127.0.0.1, keep-alive, one
 *        socket) against one hand-written SQL statement on case_record / case_site with the same indexes, giving
 *        the same page (20, newest first, by received_date + 0) and total (counted to 1,001 at most). ≤ 1.5×.
 *  near  "near me": GET /api/public/applications?near=<postcode>&radius=<m> (nearest first) against one statement:
 *        the postcode's centre from address, ST_DWithin on the site's point, the count (to 1,001 at most) and the
 *        nearest 20 by the KNN order of the point index. ≤ 1.5×.
 *  B4    public vector tiles GET /api/public/tiles/{os27700|webmercator}/{version}/{z}/{x}/{y}.mvt against raw
 *        ST_AsMVT SQL for the same tile (envelope from ST_TileEnvelope; points below the site zooms clustered by
 *        ST_SnapToGrid as the register's tiles are); bytes must be identical. ≤ 1.2×.
 *  B5    bbox GeoJSON GET /api/public/applications.geojson?bbox=…&pageSize=100 (CRS84) against a
 *        json_agg(ST_AsGeoJSON…) statement giving the same features and total. ≤ 1.3×.
 *  L1    mixed public load over loopback with autocannon (tests/bench/register-load.ts, a process of its own):
 *        searches (area + filters, near me), application pages (/register/applications/:slug, HTML) and tiles at
 *        BENCH_L1_RATE (500) requests/s for BENCH_L1_SECONDS (30) s. Target: the rate held, p95 < 200 ms, no errors.
 *        Run twice: first after a 5 s warm-up (the cache of public answers nearly empty: every search and tile of
 *        the mix is made once, during the run), then again with the cache warm, as on a server that has been
 *        running; the second is judged, both are reported (L1FirstRun, L1).
 *
 * Each pair is interleaved (A B, then B A on the next round) after a warm-up pass that also compares the answers;
 * p50 / p95 of each and their ratio. The floors run through the same driver (pg via knex, a pool of one).
 *
 * Data (generated in SQL with setseed, so the same every run): 200,000 address points with postcodes (a unique
 * postcode per 250 m cell) clustered in towns over 30 × 30 km around Southwark (520000..550000 E, 165000..195000 N,
 * 45% of them in the Southwark box 531000..536500 E, 171000..180500 N); each application sits at one of them
 * (uprns, site address and postcode from it) with a small rectangular site (8–40 m, one in ten 40–150 m) and has a
 * reference, a type, a proposal made of common phrases (for keyword search), a status and decision by its age and
 * dates over ten years. Bulk-loaded with triggers off (session_replication_role = replica), then ANALYZE.
 *
 * Environment:
 *   BENCH_DATABASE_URL  use this database (its register benchmark rows are replaced) instead of a throwaway cluster
 *   BENCH_KEEP=1        keep the embedded cluster in $TMPDIR/redline-bench-keep and reuse its data next time
 *   BENCH_APPLICATIONS  applications to generate (default 1000000)
 *   BENCH_ROUNDS        measured rounds of each pair (default 5)
 *   BENCH_L1_RATE, BENCH_L1_SECONDS, BENCH_L1_CONNECTIONS   L1's rate (500/s), length (30 s), connections (50)
 *   BENCH_L1=0          skip L1
 *   BENCH_PAIRS=0       only L1 (B4, B5, B6 and near me skipped; their cases still make L1's mix)
 */
import http from 'node:http';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { tileAt } from '../../shared/os-tile-grid.ts';
import { repoRoot } from '../../server/config/index.ts';
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

const log = (m: string) => console.log(`[bench:register] ${m}`);
const envInt = (name: string, dflt: number, max: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name}=${v}: must be a whole number up to ${max}`);
  return n;
};
const APPLICATIONS = envInt('BENCH_APPLICATIONS', 1_000_000, 10_000_000);
const ADDRESSES = Math.max(1000, Math.min(200_000, Math.round(APPLICATIONS / 5)));
const ROUNDS = envInt('BENCH_ROUNDS', 5, 1000);
const L1_RATE = envInt('BENCH_L1_RATE', 500, 100_000);
const L1_SECONDS = envInt('BENCH_L1_SECONDS', 30, 3600);
const L1_CONNECTIONS = envInt('BENCH_L1_CONNECTIONS', 50, 1000);
const RUN_L1 = process.env.BENCH_L1 !== '0';
/** BENCH_PAIRS=0: L1 only (its mix still made from the same cases), e.g. to find the rate L1 holds */
const RUN_PAIRS = process.env.BENCH_PAIRS !== '0';
const SEARCH_CASES = envInt('BENCH_SEARCH_CASES', 30, 1000);
const NEAR_POSTCODES = envInt('BENCH_NEAR_POSTCODES', 12, 1000);
const TILES_PER_ZOOM = envInt('BENCH_TILES', 6, 1000);
const AUTHORITY_CODE = 'RGB';
const GENERATOR_VERSION = 1;
const SOURCE = 'bench-register';
const [X0, Y0, X1, Y1] = [520000, 165000, 550000, 195000];
const SOUTHWARK = [531000, 171000, 536500, 180500] as const;
const loadavg = () => os.loadavg().map((v) => round(v, 2));

const WORDS = {
  work: [
    'single storey rear extension',
    'two storey side extension',
    'loft conversion with rear dormer',
    'mansard roof extension',
    'basement excavation beneath the house',
    'installation of solar panels on the roof',
    'replacement of timber windows with double glazed windows',
    'change of use from shop (Class E) to a flat (Class C3)',
    'erection of a six storey building of 24 flats',
    'crown reduction of an oak tree protected by a tree preservation order',
    'display of an illuminated fascia sign',
    'demolition of the existing garage',
    'new shopfront',
    'roof terrace with glass balustrade',
    'cycle and bin store in the front garden',
    'air source heat pump on the side wall',
    'front boundary wall and gates',
    'outbuilding in the rear garden for use as a home office',
  ],
  extra: [
    '',
    ' and associated works',
    ' and alterations to the front elevation',
    ', with landscaping',
    ' and a new rooflight',
    ' and internal alterations',
  ],
  streets: [
    'Walworth Road',
    'Old Kent Road',
    'Peckham Rye',
    'Lordship Lane',
    'Camberwell Grove',
    'Bermondsey Street',
    'Southwark Park Road',
    'Denmark Hill',
    'East Dulwich Grove',
    'Tower Bridge Road',
    'Rye Lane',
    'Grove Vale',
    'Blackfriars Road',
    'Borough High Street',
    'Jamaica Road',
    'Albany Road',
  ],
};
// type, its reference prefix, its weight (out of 100)
const TYPES: Array<[string, string, number]> = [
  ['hh', 'HH', 34],
  ['full', 'FUL', 18],
  ['approval-condition', 'COND', 10],
  ['lbc', 'LBC', 6],
  ['ldc-prospective-use', 'CLP', 6],
  ['s73', 'VAR', 5],
  ['advertising', 'ADV', 5],
  ['pa-extension', 'PAE', 4],
  ['consent-under-tpo', 'TPO', 4],
  ['notice-trees-in-con-area', 'TCA', 3],
  ['non-material-amendment', 'NMA', 3],
  ['outline-some', 'OUT', 2],
];
const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ')}]::text[]`;
const weighted = TYPES.flatMap(([t, p, w]) => Array.from({ length: w }, () => `${t}|${p}`));

// ------------------------------------------------------------------------------------------- data generation
async function existingData(db: Knex): Promise<Record<string, unknown> | null> {
  const meta = await db.raw(`SELECT to_regclass('bench_register_meta') AS t`);
  if (!meta.rows[0].t) return null;
  const row = (await db.raw(`SELECT info FROM bench_register_meta LIMIT 1`)).rows[0];
  const info = row?.info as { generatorVersion: number; applications: number; authorityId: number } | undefined;
  if (!info || info.generatorVersion !== GENERATOR_VERSION || info.applications !== APPLICATIONS) return null;
  // another benchmark on a kept cluster may have emptied address (bench:tiles truncates it)
  const n = (await db.raw(`SELECT count(*)::int AS n FROM address WHERE source = ?`, [SOURCE])).rows[0].n as number;
  return n === ADDRESSES ? info : null;
}

async function generate(db: Knex): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  let authorityId = 0;
  await db.transaction(async (trx) => {
    // a bulk load: no per-row triggers (publication defaults, data-version bumps, alert bookkeeping, site history)
    await trx.raw(`SET LOCAL session_replication_role = replica`);
    await trx.raw(
      `INSERT INTO authority (code, name, boundary, boundary_source, copyright_statement)
       VALUES (?, 'Register benchmark authority (synthetic)',
               ST_Multi(ST_MakeEnvelope(${X0}, ${Y0}, ${X1}, ${Y1}, 27700)),
               'synthetic: ${X0}..${X1} E, ${Y0}..${Y1} N', 'Synthetic data.')
       ON CONFLICT (code) DO NOTHING`,
      [AUTHORITY_CODE],
    );
    authorityId = (await trx('authority').where({ code: AUTHORITY_CODE }).first('id')).id as number;
    log('  removing earlier register benchmark rows');
    await trx.raw(`DROP TABLE IF EXISTS bench_register_meta`);
    await trx.raw(
      `DELETE FROM alert_case_published WHERE case_id IN (SELECT id FROM case_record WHERE authority_id = ?)`,
      [authorityId],
    );
    await trx.raw(`DELETE FROM case_site WHERE case_id IN (SELECT id FROM case_record WHERE authority_id = ?)`, [
      authorityId,
    ]);
    await trx.raw(`DELETE FROM case_record WHERE authority_id = ?`, [authorityId]);
    await trx.raw(`DELETE FROM address WHERE source = ?`, [SOURCE]);
    await trx.raw(`SELECT setseed(0.1313)`);
    await trx.raw(
      `CREATE TEMP TABLE rb_town ON COMMIT DROP AS
       SELECT t AS id,
              CASE WHEN t < 24 THEN ${SOUTHWARK[0] + 300} + random() * ${SOUTHWARK[2] - SOUTHWARK[0] - 600}
                   ELSE ${X0 + 500} + random() * ${X1 - X0 - 1000} END AS cx,
              CASE WHEN t < 24 THEN ${SOUTHWARK[1] + 300} + random() * ${SOUTHWARK[3] - SOUTHWARK[1] - 600}
                   ELSE ${Y0 + 500} + random() * ${Y1 - Y0 - 1000} END AS cy,
              200 + random() * 500 AS sigma
       FROM generate_series(0, 59) t ORDER BY t`,
    );
    log(`  ${ADDRESSES} address points`);
    // 45% in Southwark's towns (0..23), 45% in the others, 10% anywhere; a postcode per 250 m cell
    await trx.raw(
      `INSERT INTO address (uprn, authority_id, address_lines, postcode, geom, source)
       SELECT 700000000 + g, ?, ARRAY[(g % 240 + 1) || ' ' || (${sqlArray(WORDS.streets)})[1 + (g / 240) % ${WORDS.streets.length}], 'London'],
              'SE' || (floor(x / 250)::int % 80 + 1) || ' ' || (floor(y / 250)::int % 10)
                || chr(65 + (floor(y / 250)::int / 10) % 26) || chr(65 + (floor(x / 250)::int / 80) % 26),
              ST_SetSRID(ST_MakePoint(round(x::numeric, 2), round(y::numeric, 2)), 27700), ?
       FROM (
         SELECT g,
                least(${X1 - 200}, greatest(${X0 + 200}, CASE WHEN d.spread < 0.9
                  THEN t.cx + t.sigma * sqrt(-2 * ln(1 - d.u1)) * cos(2 * pi() * d.u2) ELSE ${X0} + d.u1 * ${X1 - X0} END)) AS x,
                least(${Y1 - 200}, greatest(${Y0 + 200}, CASE WHEN d.spread < 0.9
                  THEN t.cy + t.sigma * sqrt(-2 * ln(1 - d.u1)) * sin(2 * pi() * d.u2) ELSE ${Y0} + d.u2 * ${Y1 - Y0} END)) AS y
         FROM (SELECT g, CASE WHEN random() < 0.5 THEN floor(random() * 24)::int ELSE 24 + floor(random() * 36)::int END AS town,
                      random() AS u1, random() AS u2, random() AS spread
               FROM generate_series(1, ${ADDRESSES}) g OFFSET 0) d
         JOIN rb_town t ON t.id = d.town
       ) a ORDER BY g`,
      [authorityId, SOURCE],
    );
    log(`  ${APPLICATIONS} applications with their sites`);
    const base = Number((await trx.raw(`SELECT coalesce(max(id), 0) AS m FROM case_record`)).rows[0].m) + 1000;
    // one draw per application, kept (a volatile subquery could be re-run)
    await trx.raw(
      `CREATE TEMP TABLE rb_draw ON COMMIT DROP AS
       SELECT g, 700000001 + (g::bigint * 7919) % ${ADDRESSES} AS uprn,
              (${sqlArray(weighted)})[1 + floor(random() * ${weighted.length})::int] AS tp,
              date '2016-12-01' + floor(random() * 3650)::int AS received,
              random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
              floor(random() * ${WORDS.work.length})::int AS w1, floor(random() * ${WORDS.work.length})::int AS w2,
              floor(random() * ${WORDS.extra.length})::int AS w3
       FROM generate_series(1, ${APPLICATIONS}) g ORDER BY g`,
    );
    await trx.raw(
      `INSERT INTO case_record (id, authority_id, kind, reference, application_type, description, site_address, uprns,
                                status, received_date, valid_date, target_date, decision, decision_date, publication,
                                data_version, created_at, updated_at)
       SELECT ${base} + d.g, ?, 'application',
              to_char(d.received, 'YY') || '/' || split_part(d.tp, '|', 2) || '/' || lpad(d.g::text, 7, '0'),
              split_part(d.tp, '|', 1),
              initcap(left(w.a, 1)) || substr(w.a, 2)
                || CASE WHEN d.w2 <> d.w1 AND d.r6 < 0.5 THEN ' and ' || w.b ELSE '' END || w.c,
              array_to_string(a.address_lines, ', ') || ' ' || a.postcode,
              ARRAY[a.uprn],
              s.status, d.received,
              CASE WHEN s.status = 'received' THEN NULL ELSE d.received + floor(d.r2 * 14)::int END,
              CASE WHEN s.status = 'received' THEN NULL ELSE d.received + floor(d.r2 * 14)::int + 56 END,
              s.decision,
              CASE WHEN s.decision IS NULL THEN NULL ELSE least(date '2026-12-01', d.received + 25 + floor(d.r3 * 100)::int) END,
              'published', nextval('public_data_version_seq'), d.received, d.received
       FROM rb_draw d
       JOIN address a ON a.uprn = d.uprn
       CROSS JOIN LATERAL (SELECT (${sqlArray(WORDS.work)})[1 + d.w1] AS a, (${sqlArray(WORDS.work)})[1 + d.w2] AS b,
                                  (${sqlArray(WORDS.extra)})[1 + d.w3] AS c) w
       CROSS JOIN LATERAL (
         SELECT CASE
                  WHEN d.received > date '2026-08-01' THEN
                    (ARRAY['received', 'valid', 'consultation', 'under-assessment', 'awaiting-decision'])[1 + floor(d.r1 * 5)::int]
                  WHEN d.r1 < 0.06 THEN 'withdrawn'
                  WHEN d.r1 < 0.08 THEN 'appealed'
                  ELSE 'decided' END AS status) s0
       CROSS JOIN LATERAL (
         SELECT s0.status,
                CASE WHEN s0.status IN ('decided', 'appealed') THEN
                  CASE WHEN s0.status = 'appealed' OR d.r4 < 0.18 THEN 'refused' WHEN d.r4 < 0.2 THEN 'split-decision'
                       ELSE 'granted' END END AS decision) s
       ORDER BY d.g`,
      [authorityId],
    );
    await trx.raw(`SELECT setval(pg_get_serial_sequence('case_record', 'id'), (SELECT max(id) FROM case_record))`);
    await trx.raw(
      `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs, set_at)
       SELECT ${base} + d.g, ST_Multi(ST_MakeEnvelope(x - w / 2, y - h / 2, x + w / 2, y + h / 2, 27700)), w * h,
              'drawn', 'EPSG:27700', d.received
       FROM (SELECT d.g, d.received, ST_X(a.geom) + (d.r5 - 0.5) * 6 AS x, ST_Y(a.geom) + (d.r6 - 0.5) * 6 AS y,
                    round((CASE WHEN d.r5 < 0.1 THEN 40 + d.r2 * 110 ELSE 8 + d.r2 * 32 END)::numeric, 2)::float8 AS w,
                    round((CASE WHEN d.r5 < 0.1 THEN 40 + d.r3 * 110 ELSE 8 + d.r3 * 32 END)::numeric, 2)::float8 AS h
             FROM rb_draw d JOIN address a ON a.uprn = d.uprn) d
       ORDER BY d.g`,
    );
  });
  log('  ANALYZE');
  await db.raw(`ANALYZE case_record; ANALYZE case_site; ANALYZE address; ANALYZE authority`);
  const info = {
    generatorVersion: GENERATOR_VERSION,
    applications: APPLICATIONS,
    addresses: ADDRESSES,
    authorityId,
    generationSeconds: round((Date.now() - t0) / 1000, 1),
  };
  await db.raw(`CREATE TABLE bench_register_meta (info jsonb)`);
  await db.raw(`INSERT INTO bench_register_meta VALUES (?::jsonb)`, [JSON.stringify(info)]);
  return info;
}

// ------------------------------------------------------------------------------------------------ the floors
/** What the register's list shows of an application, from the tables (the view's columns, written out). */
const ITEM_COLUMNS = `c.id, c.reference, replace(c.reference, '/', '-') AS slug, c.application_type,
  coalesce(l.name, c.application_type) AS application_type_label, c.description AS proposal, c.site_address,
  coalesce((SELECT a.postcode FROM address a WHERE a.uprn = c.uprns[1]),
           substring(upper(c.site_address) FROM '([A-Z]{1,2}[0-9][A-Z0-9]{0,1} {0,1}[0-9][A-Z]{2})')) AS postcode,
  c.status, c.decision, c.decision_date, c.received_date, c.valid_date, c.consultation_end_date,
  c.earliest_decision_date,
  coalesce((SELECT (e ->> 'newTargetDate')::date FROM jsonb_array_elements(c.extensions_of_time) e
            ORDER BY e ->> 'agreedOn' DESC LIMIT 1), c.target_date) AS target_date`;
const PUBLISHED = `c.authority_id = :authorityId AND c.kind = 'application' AND c.publication = 'published'`;
const FROM = `case_record c JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL`;

interface SearchCase {
  label: string;
  query: Record<string, string>;
  where: string;
  params: Record<string, unknown>;
}

/** Counts stop at COUNT_CAP + 1 (the register says "more than 1,000"), as the register's own count does. */
const CAP = 1001;

/** B6's floor: the capped count and the newest 20; the date order as an expression (received_date + 0) so that the
 *  spatial / trigram index filters first, as the register does for area and keyword searches. */
function searchFloorSql(where: string) {
  return `SELECT t.total, p.* FROM (
    SELECT count(*)::int AS total FROM (SELECT 1 FROM ${FROM} WHERE ${PUBLISHED} AND ${where} LIMIT ${CAP}) m) t
  LEFT JOIN LATERAL (
    SELECT ${ITEM_COLUMNS}, ST_X(ST_PointOnSurface(s.geom)) AS x, ST_Y(ST_PointOnSurface(s.geom)) AS y
    FROM ${FROM} LEFT JOIN application_type_label l ON l.reference = c.application_type
    WHERE ${PUBLISHED} AND ${where}
    ORDER BY c.received_date + 0 DESC, c.reference, c.id LIMIT 20) p ON true`;
}

/** "near me"'s floor: the capped count, and the nearest 20 by the KNN order of the point index, then sorted by
 *  distance and reference (the generated points have no ties at the 20th). */
const NEAR_FLOOR = `WITH pc AS (
    SELECT ST_SetSRID(ST_MakePoint(avg(ST_X(a.geom)), avg(ST_Y(a.geom))), 27700) AS g
    FROM address a WHERE place_postcode_key(a.postcode) = :key)
  SELECT t.total, p.* FROM (
    SELECT count(*)::int AS total FROM (SELECT 1 FROM ${FROM}
      WHERE ${PUBLISHED} AND ST_DWithin(ST_PointOnSurface(s.geom), (SELECT pc.g FROM pc), :radius) LIMIT ${CAP}) m) t
  LEFT JOIN LATERAL (
    SELECT * FROM (
      SELECT ${ITEM_COLUMNS}, ST_Distance(ST_PointOnSurface(s.geom), (SELECT pc.g FROM pc)) AS distance
      FROM ${FROM} LEFT JOIN application_type_label l ON l.reference = c.application_type
      WHERE ${PUBLISHED} AND ST_DWithin(ST_PointOnSurface(s.geom), (SELECT pc.g FROM pc), :radius)
      ORDER BY ST_PointOnSurface(s.geom) <-> (SELECT pc.g FROM pc) LIMIT 20) k
    ORDER BY k.distance, k.reference, k.id) p ON true`;

const GEOJSON_FLOOR = `SELECT t.total,
    (SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', f.slug,
        'geometry', ST_AsGeoJSON(ST_Transform(f.geom, 4326), 7)::json,
        'properties', json_build_object('reference', f.reference, 'slug', f.slug,
          'url', '/register/applications/' || f.slug, 'applicationType', f.application_type,
          'applicationTypeLabel', f.application_type_label, 'proposal', f.proposal, 'siteAddress', f.site_address,
          'postcode', f.postcode, 'status', f.status, 'decision', f.decision, 'decisionDate', f.decision_date,
          'receivedDate', f.received_date, 'validDate', f.valid_date, 'consultationEndDate', f.consultation_end_date,
          'earliestDecisionDate', f.earliest_decision_date, 'targetDate', f.target_date,
          'point', (ST_AsGeoJSON(ST_Transform(ST_PointOnSurface(f.geom), 4326), 7)::json) -> 'coordinates'))
        ORDER BY f.received_date DESC, f.reference, f.id), '[]')::text
     FROM (SELECT ${ITEM_COLUMNS}, s.geom FROM ${FROM} LEFT JOIN application_type_label l ON l.reference = c.application_type
           WHERE ${PUBLISHED} AND s.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 27700)
           ORDER BY c.received_date + 0 DESC, c.reference, c.id LIMIT 100) f) AS features
  FROM (SELECT count(*)::int AS total FROM (SELECT 1 FROM ${FROM}
        WHERE ${PUBLISHED} AND s.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 27700) LIMIT ${CAP}) m) t`;

const OS_ENVELOPE = `ST_TileEnvelope(:z::int + 3, :x::int, :y::int, ST_MakeEnvelope(-238375, -458752, 1596633, 1376256, 27700))`;
const tileFloorSql = (grid: 'os27700' | 'webmercator', sites: boolean) => {
  const geom = sites ? 's.geom' : 'ST_PointOnSurface(s.geom)';
  const box = grid === 'os27700' ? OS_ENVELOPE : `ST_TileEnvelope(:z::int, :x::int, :y::int)`;
  // the search box in EPSG:27700: the buffered tile itself, or the Mercator one taken to 27700 with a 50 m margin
  const search =
    grid === 'os27700'
      ? `ST_Expand(b.box, b.pad)`
      : `ST_Expand(ST_Transform(ST_Segmentize(ST_Expand(b.box, b.pad), (ST_XMax(b.box) - ST_XMin(b.box)) / 8), 27700), 50)`;
  const shown = (g: string) => (grid === 'os27700' ? g : `ST_Transform(${g}, 3857)`);
  if (sites)
    return `WITH b AS (SELECT e.box, (ST_XMax(e.box) - ST_XMin(e.box)) * 64 / 4096 AS pad FROM (SELECT ${box} AS box) e),
  t AS (SELECT c.id AS fid, c.reference, replace(c.reference, '/', '-') AS slug, c.status, c.application_type, c.decision,
               ST_AsMVTGeom(${shown(geom)}, b.box, 4096, 64, true) AS geom
        FROM ${FROM}, b
        WHERE ${PUBLISHED} AND ${geom} && (SELECT ${search} FROM b))
  SELECT ST_AsMVT(t, 'applications', 4096, 'geom', 'fid' ORDER BY t.fid) AS mvt FROM t WHERE t.geom IS NOT NULL`;
  // points zoomed out, clustered: a cell of a sixteenth of the tile (× 0.6 for Web Mercator, in EPSG:27700 metres),
  // each cell read whole (the search box one cell wider), one feature a cell at the mean of its points
  const cell =
    grid === 'os27700' ? '(ST_XMax(e.box) - ST_XMin(e.box)) / 16' : '(ST_XMax(e.box) - ST_XMin(e.box)) / 16 * 0.6';
  return `WITH b AS (SELECT e.box, (ST_XMax(e.box) - ST_XMin(e.box)) * 64 / 4096 AS pad, ${cell} AS cell
                FROM (SELECT ${box} AS box) e),
  pts AS (SELECT c.id, c.reference, replace(c.reference, '/', '-') AS slug, c.status, c.application_type, c.decision,
                 ${geom} AS geom
          FROM ${FROM}
          WHERE ${PUBLISHED} AND ${geom} && (SELECT ST_Expand(${search}, b.cell) FROM b)),
  cl AS (SELECT min(id) AS k, CASE WHEN count(*) = 1 THEN min(id) END AS fid,
                CASE WHEN count(*) = 1 THEN min(reference) END AS reference,
                CASE WHEN count(*) = 1 THEN min(slug) END AS slug,
                CASE WHEN min(status) = max(status) THEN min(status) END AS status,
                CASE WHEN count(*) = 1 THEN min(application_type) END AS application_type,
                CASE WHEN count(*) = 1 THEN min(decision) END AS decision, count(*)::int AS count,
                ST_SetSRID(ST_MakePoint(avg(ST_X(geom)), avg(ST_Y(geom))), 27700) AS geom
         FROM pts GROUP BY ST_SnapToGrid(geom, (SELECT b.cell FROM b))),
  t AS (SELECT cl.k, cl.fid, cl.reference, cl.slug, cl.status, cl.application_type, cl.decision, cl.count,
               ST_AsMVTGeom(${shown('cl.geom')}, b.box, 4096, 64, true) AS geom
        FROM cl, b)
  SELECT ST_AsMVT(m, 'applications', 4096, 'geom', 'fid' ORDER BY t.k) AS mvt
  FROM t CROSS JOIN LATERAL (SELECT t.fid, t.reference, t.slug, t.status, t.application_type, t.decision, t.count, t.geom) m
  WHERE t.geom IS NOT NULL`;
};

// ------------------------------------------------------------------------------------------------ the cases
function searchCases(rand: () => number, towns: Array<{ x: number; y: number }>): SearchCase[] {
  const keywords = ['mansard', 'basement', 'heat pump', 'shopfront', 'dormer', 'solar panels', 'roof terrace'];
  const out: SearchCase[] = [];
  for (let i = 0; i < SEARCH_CASES; i++) {
    const kw = keywords[i % keywords.length]!;
    const town = towns[Math.floor(rand() * towns.length)]!;
    const half = [250, 500, 1000, 1500][i % 4]!;
    const bbox = [town.x - half, town.y - half, town.x + half, town.y + half].map((v) => Math.round(v));
    const query: Record<string, string> = {};
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    const shape = i % 5; // 0-2: keyword + filter + area; 3: keyword + filters, no area; 4: filters + area
    if (shape !== 4) {
      query.q = kw;
      where.push(`c.description ILIKE :q`);
      params.q = `%${kw}%`;
    }
    if (i % 3 === 0) {
      query.type = 'hh';
      where.push(`c.application_type = :type`);
      params.type = 'hh';
    } else if (i % 3 === 1) {
      query.status = 'decided';
      query.decision = i % 2 ? 'refused' : 'granted';
      where.push(`c.status = :status AND c.decision = :decision`);
      Object.assign(params, { status: 'decided', decision: query.decision });
    } else {
      query.receivedFrom = '2024-01-01';
      query.receivedTo = '2025-12-31';
      where.push(`c.received_date >= :from AND c.received_date <= :to`);
      Object.assign(params, { from: '2024-01-01', to: '2025-12-31' });
    }
    if (shape === 3 && !query.type) {
      query.type = 'full';
      where.push(`c.application_type = :type2`);
      params.type2 = 'full';
    }
    if (shape !== 3) {
      query.bbox = bbox.join(',');
      where.push(`s.geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 27700)`);
      Object.assign(params, { bx0: bbox[0], by0: bbox[1], bx1: bbox[2], by1: bbox[3] });
    }
    out.push({ label: Object.keys(query).join('+'), query, where: where.join(' AND '), params });
  }
  return out;
}

const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

function httpGetter(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (p: string) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(60_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
    });
  return { get, close: async () => agent.destroy() };
}

interface Pair<C> {
  name: string;
  cases: C[];
  key: (c: C) => string;
  redline: (c: C) => Promise<{ ms: number; answer: string }>;
  floor: (c: C) => Promise<{ ms: number; answer: string }>;
  target: number;
}

async function runPair<C>(pair: Pair<C>, mismatches: string[]) {
  if (!RUN_PAIRS) return null;
  log(`${pair.name}: warm-up over ${pair.cases.length} cases (answers compared); load ${loadavg().join(' ')}`);
  const loadStart = loadavg();
  const extra: number[] = [];
  for (const c of pair.cases) {
    const [a, b] = [await pair.redline(c), await pair.floor(c)];
    if (a.answer !== b.answer)
      mismatches.push(`${pair.name} ${pair.key(c)}: ${a.answer.slice(0, 200)} <> ${b.answer.slice(0, 200)}`);
    // the answer's size: the total for lists, the bytes for tiles
    extra.push(Number(a.answer.split('|')[0]) || 0);
  }
  const r: number[] = [];
  const f: number[] = [];
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    for (const c of pair.cases) {
      const first = round_ % 2 === 0;
      const a = first ? await pair.redline(c) : await pair.floor(c);
      const b = first ? await pair.floor(c) : await pair.redline(c);
      const [x, y] = first ? [a, b] : [b, a];
      if (x.answer !== y.answer) mismatches.push(`${pair.name} round ${round_ + 1} ${pair.key(c)}`);
      r.push(x.ms);
      f.push(y.ms);
    }
  }
  const R = summarise(r);
  const F = summarise(f);
  const ratio = { p50: round(R.p50 / F.p50, 2), p95: round(R.p95 / F.p95, 2) };
  return {
    cases: pair.cases.length,
    rounds: ROUNDS,
    redlineMs: R,
    floorMs: F,
    ratio,
    target: pair.target,
    met: ratio.p50 <= pair.target && ratio.p95 <= pair.target,
    answerSize: summarise(extra),
    loadAverage: { start: loadStart, end: loadavg() },
  };
}

// web mercator tile of a longitude/latitude
function mercatorTile(z: number, lon: number, lat: number) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x, y };
}

async function main() {
  const started = Date.now();
  const loadAtStart = loadavg();
  log(`B4 B5 B6 L1 on the public register; BENCH_APPLICATIONS=${APPLICATIONS}, BENCH_ROUNDS=${ROUNDS}`);
  const database = await benchDatabase(log);
  const { cleanups, finish } = benchLifecycle(database, log);
  try {
    const db = createDb(database.url);
    cleanups.push(() => db.destroy());
    await migrateLatest(db);
    let data = database.reused ? await existingData(db) : null;
    if (data) log(`reusing the data generated earlier: ${JSON.stringify(data)}`);
    else {
      log('generating the synthetic register (seeded: the same every run)');
      data = await generate(db);
      log(`generated in ${String(data.generationSeconds)} s`);
    }
    const authorityId = data.authorityId as number;
    const pgVersion = (await db.raw(`SELECT version() AS v, postgis_lib_version() AS p`)).rows[0];
    // the pairs compare the work Redline does with the SQL floor's, so their app keeps no answers (PUBLIC_CACHE_MB=0:
    // a repeated round would otherwise be a memory lookup); L1 runs against an app with the default cache
    const app = await startBenchApp(db, database.url, AUTHORITY_CODE, authorityId, `bench.register.${Date.now()}`, {
      PUBLIC_CACHE_MB: '0',
    });
    cleanups.push(app.close);
    const client = httpGetter(app.port);
    cleanups.push(client.close);
    const floorDb = createDb(database.url, 1);
    cleanups.push(() => floorDb.destroy());
    const timedFloor = async <T>(sql: string, params: Record<string, unknown>) => {
      const s = process.hrtime.bigint();
      const { rows } = await floorDb.raw<{ rows: T[] }>(sql, params);
      return { ms: msSince(s), rows };
    };
    const timedGet = async (p: string) => {
      let s = process.hrtime.bigint();
      // the server drops a keep-alive socket idle for 5 s (a slow floor statement in between): once more, timed anew
      const res = await client.get(p).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ECONNRESET') throw e;
        s = process.hrtime.bigint();
        return client.get(p);
      });
      const ms = msSince(s);
      if (res.status !== 200 && res.status !== 204)
        throw new Error(`GET ${p}: HTTP ${res.status} ${res.body.toString().slice(0, 300)}`);
      return { ms, res };
    };

    const rand = prng(20261206);
    const towns = (
      await db.raw(
        `SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM address WHERE source = ?
                    AND ST_Intersects(geom, ST_MakeEnvelope(${SOUTHWARK.join(', ')}, 27700)) ORDER BY md5(uprn::text) LIMIT 40`,
        [SOURCE],
      )
    ).rows as Array<{ x: number; y: number }>;
    const mismatches: string[] = [];
    const listAnswer = (total: number, refs: string[]) => `${total}|${refs.join(',')}`;
    const results: Record<string, unknown> = {};

    // near me: postcodes of Southwark addresses
    const postcodes = (
      await db.raw(
        `SELECT postcode FROM address WHERE source = ?
                    AND ST_Intersects(geom, ST_MakeEnvelope(${SOUTHWARK.join(', ')}, 27700)) ORDER BY md5(uprn::text) LIMIT ${NEAR_POSTCODES}`,
        [SOURCE],
      )
    ).rows.map((r: { postcode: string }) => r.postcode) as string[];
    const nearCases = postcodes.flatMap((pc) => [250, 500, 1000].map((radius) => ({ pc, radius })));
    results.nearMe = await runPair(
      {
        name: 'near me',
        cases: nearCases,
        key: (c) => `${c.pc} ${c.radius} m`,
        target: 1.5,
        redline: async (c) => {
          const { ms, res } = await timedGet(
            `/api/public/applications?${qs({ near: c.pc, radius: String(c.radius) })}`,
          );
          const body = JSON.parse(res.body.toString()) as { total: number; items: Array<{ reference: string }> };
          return {
            ms,
            answer: listAnswer(
              body.total,
              body.items.map((i) => i.reference),
            ),
          };
        },
        floor: async (c) => {
          const { ms, rows } = await timedFloor<{ total: number; reference: string | null }>(NEAR_FLOOR, {
            key: c.pc.replace(/\s+/g, '').toUpperCase(),
            radius: c.radius,
            authorityId,
          });
          const refs = rows.filter((r) => r.reference !== null).map((r) => r.reference!);
          return { ms, answer: listAnswer(rows[0]?.total ?? 0, refs) };
        },
      },
      mismatches,
    );

    // B4: tiles on both grids
    const tileJson = JSON.parse((await timedGet('/api/public/tiles/os27700.json')).res.body.toString()) as {
      data_version: number;
    };
    const version = tileJson.data_version;
    type TileCase = { grid: 'os27700' | 'webmercator'; z: number; x: number; y: number; sites: boolean };
    const tileCases: TileCase[] = [];
    const trand = prng(4);
    for (const z of [9, 10, 11, 12]) {
      const seen = new Set<string>();
      for (let i = 0; i < 100 && seen.size < TILES_PER_ZOOM; i++) {
        const t = tileAt(
          z,
          SOUTHWARK[0] + trand() * (SOUTHWARK[2] - SOUTHWARK[0]),
          SOUTHWARK[1] + trand() * (SOUTHWARK[3] - SOUTHWARK[1]),
        );
        if (!seen.has(`${t.x}/${t.y}`)) tileCases.push({ grid: 'os27700', ...t, sites: z >= 8 });
        seen.add(`${t.x}/${t.y}`);
      }
    }
    for (const z of [14, 15, 16, 17]) {
      const seen = new Set<string>();
      for (let i = 0; i < 100 && seen.size < TILES_PER_ZOOM; i++) {
        const t = mercatorTile(z, -0.11 + trand() * 0.08, 51.44 + trand() * 0.065);
        if (!seen.has(`${t.x}/${t.y}`)) tileCases.push({ grid: 'webmercator', ...t, sites: z >= 15 });
        seen.add(`${t.x}/${t.y}`);
      }
    }
    const tileSizes: number[] = [];
    const b4 = async (grid: 'os27700' | 'webmercator') =>
      runPair<TileCase>(
        {
          name: `B4 tiles ${grid}`,
          cases: tileCases.filter((t) => t.grid === grid),
          key: (t) => `${t.grid} ${t.z}/${t.x}/${t.y}`,
          target: 1.2,
          redline: async (t) => {
            const { ms, res } = await timedGet(`/api/public/tiles/${t.grid}/${version}/${t.z}/${t.x}/${t.y}.mvt`);
            const bytes = res.status === 204 ? Buffer.alloc(0) : res.body;
            return { ms, answer: `${bytes.length}|${bytes.toString('base64')}` };
          },
          floor: async (t) => {
            const { ms, rows } = await timedFloor<{ mvt: Buffer | null }>(tileFloorSql(t.grid, t.sites), {
              z: t.z,
              x: t.x,
              y: t.y,
              authorityId,
            });
            const bytes = rows[0]?.mvt ?? Buffer.alloc(0);
            tileSizes.push(bytes.length);
            return { ms, answer: `${bytes.length}|${bytes.toString('base64')}` };
          },
        },
        mismatches,
      );
    results.B4os27700 = await b4('os27700');
    results.B4webmercator = await b4('webmercator');

    // B5: bbox GeoJSON, 100 a page
    const geoCases = towns.slice(0, 24).map((t, i) => {
      const half = [125, 250, 500, 1000][i % 4]!;
      return [t.x - half, t.y - half, t.x + half, t.y + half].map((v) => Math.round(v)) as [
        number,
        number,
        number,
        number,
      ];
    });
    const geoAnswer = (total: number, fs_: Array<{ id: string; geometry: { coordinates: unknown } | null }>) =>
      `${total}|${fs_.map((f) => f.id).join(',')}|${JSON.stringify(fs_[0]?.geometry?.coordinates ?? null)}`;
    results.B5 = await runPair(
      {
        name: 'B5 bbox GeoJSON',
        cases: geoCases,
        key: (b) => b.join(','),
        target: 1.3,
        redline: async (b) => {
          const { ms, res } = await timedGet(
            `/api/public/applications.geojson?${qs({ bbox: b.join(','), pageSize: '100' })}`,
          );
          const body = JSON.parse(res.body.toString()) as {
            total: number;
            features: Array<{ id: string; geometry: { coordinates: unknown } | null }>;
          };
          return { ms, answer: geoAnswer(body.total, body.features) };
        },
        floor: async (b) => {
          const { ms, rows } = await timedFloor<{ total: number; features: string }>(GEOJSON_FLOOR, {
            x0: b[0],
            y0: b[1],
            x1: b[2],
            y1: b[3],
            authorityId,
          });
          const feats = JSON.parse(rows[0]!.features) as Array<{
            id: string;
            geometry: { coordinates: unknown } | null;
          }>;
          return { ms, answer: geoAnswer(rows[0]!.total, feats) };
        },
      },
      mismatches,
    );

    // L1: mixed public load with autocannon in a process of its own, against an app as configured by default
    if (RUN_L1) {
      const served = await startBenchApp(db, database.url, AUTHORITY_CODE, authorityId, `bench.l1.${Date.now()}`);
      cleanups.push(served.close);
      const lrand = prng(1);
      const slugs = (
        await db.raw(
          `SELECT replace(reference, '/', '-') AS slug FROM case_record WHERE authority_id = ? AND id % 997 = 0 ORDER BY id LIMIT 2000`,
          [authorityId],
        )
      ).rows.map((r: { slug: string }) => r.slug) as string[];
      const searches = searchCases(prng(77), towns).filter((c) => c.query.bbox);
      const paths: Array<{ kind: string; path: string }> = [];
      for (let i = 0; i < 6000; i++) {
        const k = i % 6;
        if (k === 0 || k === 1) {
          const c = searches[Math.floor(lrand() * searches.length)]!;
          paths.push({
            kind: 'search',
            path: `/api/public/applications?${qs({ ...c.query, page: String(1 + (i % 3)) })}`,
          });
        } else if (k === 2) {
          const pc = postcodes[Math.floor(lrand() * postcodes.length)]!;
          paths.push({ kind: 'near-me', path: `/api/public/applications?${qs({ near: pc, radius: '500' })}` });
        } else if (k === 3) {
          paths.push({
            kind: 'application-page',
            path: `/register/applications/${slugs[Math.floor(lrand() * slugs.length)]}`,
          });
        } else {
          const t = tileCases[Math.floor(lrand() * tileCases.length)]!;
          paths.push({ kind: 'tile', path: `/api/public/tiles/${t.grid}/${version}/${t.z}/${t.x}/${t.y}.mvt` });
        }
      }
      const file = path.join(os.tmpdir(), `redline-bench-register-paths-${process.pid}.json`);
      fs.writeFileSync(file, JSON.stringify(paths));
      cleanups.push(async () => fs.rmSync(file, { force: true }));
      const run = async (rate: number, seconds: number) => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [
            '--import',
            'tsx',
            path.join(repoRoot, 'tests', 'bench', 'register-load.ts'),
            file,
            String(served.port),
            String(rate),
            String(seconds),
            String(L1_CONNECTIONS),
          ],
          { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
        );
        return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown> & {
          requestsPerSecond: number;
          errors: number;
          timeouts: number;
          non2xx: number;
          latencyMs: { p95: number };
        };
      };
      log(`L1: warm-up 5 s at ${Math.round(L1_RATE / 2)}/s; load ${loadavg().join(' ')}`);
      await run(Math.round(L1_RATE / 2), 5);
      const l1Load = loadavg();
      log(`L1: ${L1_RATE}/s for ${L1_SECONDS} s over ${L1_CONNECTIONS} connections; load ${l1Load.join(' ')}`);
      const cold = await run(L1_RATE, L1_SECONDS);
      // requests still in flight when autocannon stopped are left to finish
      await new Promise((r) => setTimeout(r, 3000));
      // the same again: the server as it runs for days, its per-process cache of public answers holding the mix's
      // searches and tiles (application pages are rendered every time); the first run is reported beside it
      const steadyLoad = loadavg();
      log(`L1 steady: ${L1_RATE}/s for ${L1_SECONDS} s again, the cache warm; load ${steadyLoad.join(' ')}`);
      const l1 = await run(L1_RATE, L1_SECONDS);
      await new Promise((r) => setTimeout(r, 3000));
      results.L1FirstRun = {
        ...cold,
        targetRate: L1_RATE,
        seconds: L1_SECONDS,
        after: 'a 5 s warm-up at half the rate, the cache of public answers nearly empty',
        loadAverage: { start: l1Load, end: steadyLoad },
        met:
          cold.requestsPerSecond >= L1_RATE * 0.98 &&
          cold.latencyMs.p95 < 200 &&
          !cold.errors &&
          !cold.timeouts &&
          !cold.non2xx,
      };
      results.L1 = {
        ...l1,
        after: 'the first run: the cache of public answers warm, as on a server that has been running',
        targetRate: L1_RATE,
        seconds: L1_SECONDS,
        connections: L1_CONNECTIONS,
        mix: 'per 6 requests: 2 area searches (keyword/filters + bbox, pages 1-3), 1 near me (postcode, 500 m), 1 application page (HTML), 2 tiles (OS z9-12, Web Mercator z14-17)',
        loadAverage: { start: steadyLoad, end: loadavg() },
        met:
          l1.requestsPerSecond >= L1_RATE * 0.98 && l1.latencyMs.p95 < 200 && !l1.errors && !l1.timeouts && !l1.non2xx,
      };
    }

    // B6: search (last: with a million rows some of its searches take seconds, see the README)
    results.B6 = await runPair<SearchCase>(
      {
        name: 'B6 search',
        cases: searchCases(rand, towns),
        key: (c) => qs(c.query),
        target: 1.5,
        redline: async (c) => {
          const { ms, res } = await timedGet(`/api/public/applications?${qs(c.query)}`);
          const body = JSON.parse(res.body.toString()) as { total: number; items: Array<{ reference: string }> };
          return {
            ms,
            answer: listAnswer(
              body.total,
              body.items.map((i) => i.reference),
            ),
          };
        },
        floor: async (c) => {
          const { ms, rows } = await timedFloor<{ total: number; reference: string | null }>(searchFloorSql(c.where), {
            ...c.params,
            authorityId,
          });
          const refs = rows.filter((r) => r.reference !== null).map((r) => r.reference!);
          return { ms, answer: listAnswer(rows[0]?.total ?? 0, refs) };
        },
      },
      mismatches,
    );

    const rows: Array<Array<string | number>> = [
      [
        'benchmark',
        'cases×rounds',
        'Redline p50',
        'floor p50',
        'ratio p50',
        'Redline p95',
        'floor p95',
        'ratio p95',
        'target',
        'met',
      ],
    ];
    for (const [k, v] of Object.entries(results)) {
      if (k === 'L1' || k === 'L1FirstRun' || !v) continue;
      const r = v as NonNullable<Awaited<ReturnType<typeof runPair>>>;
      rows.push([
        k,
        `${r.cases}×${r.rounds}`,
        r.redlineMs.p50,
        r.floorMs.p50,
        `${r.ratio.p50}×`,
        r.redlineMs.p95,
        r.floorMs.p95,
        `${r.ratio.p95}×`,
        `≤ ${r.target}×`,
        r.met ? 'yes' : 'NO',
      ]);
    }
    console.log(`\nRegister benchmarks (ms)\n${table(rows)}\n`);
    if (results.L1FirstRun) console.log(`L1 first run: ${JSON.stringify(results.L1FirstRun)}\n`);
    if (results.L1) console.log(`L1: ${JSON.stringify(results.L1)}\n`);
    const result = {
      benchmark: 'B4 B5 B6 L1 on the public register (issue 13 item 8)',
      date: new Date().toISOString(),
      machine: machine(),
      loadAverage: { start: loadAtStart, end: loadavg() },
      postgres: pgVersion,
      data,
      dataVersion: version,
      params: {
        rounds: ROUNDS,
        searchCases: SEARCH_CASES,
        nearPostcodes: NEAR_POSTCODES,
        tilesPerZoom: TILES_PER_ZOOM,
        osZooms: [9, 10, 11, 12],
        mercatorZooms: [14, 15, 16, 17],
      },
      tileKb: { p50: round(summarise(tileSizes).p50 / 1024, 1), max: round(summarise(tileSizes).max / 1024, 1) },
      answersIdentical: mismatches.length === 0,
      mismatches: mismatches.slice(0, 20),
      results,
      seconds: round((Date.now() - started) / 1000, 1),
    };
    log(`results: ${writeResults(RUN_PAIRS ? 'register' : `register-l1-${L1_RATE}`, result)}`);
    if (mismatches.length) {
      log(`MISMATCHES (${mismatches.length}): ${mismatches.slice(0, 5).join('; ')}`);
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
