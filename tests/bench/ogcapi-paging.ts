/**
 * OGC API – Features paging (`npm run bench:ogcapi`). Not part of `npm test`.
 *
 * A constraint layer of BENCH_FEATURES features (default 1,000,000 seeded 5–40 m rectangles in EPSG:27700) whose ids
 * are interleaved with a second layer's (one feature in six), so a page must skip the other layer's rows. Over HTTP
 * (the real app on 127.0.0.1, GeoJSON in CRS84, BENCH_LIMIT features per page, default 100), interleaved after a
 * warm-up: the first page, the last page (jumping to a cursor just before the end, as following every next link
 * would arrive there) and a page in the middle; beside them the floor, the same keyset page as hand-written SQL
 * (ST_AsGeoJSON over the same rows, one query), and, once, what an OFFSET page at the end would cost. The answers are
 * compared (the same ids as the floor, numberMatched = the layer's size, the last page has no next link and its
 * prev link leads back). Target: last page ≤ 2× the first (p50). Writes results/ogcapi-<date>.json
 * (ogcapi-<N>-<date>.json when BENCH_FEATURES is not 1,000,000).
 */
import http from 'node:http';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { parseDefinition, upsertDefinition } from '../../server/modules/layers/definitions.ts';
import {
  benchDatabase,
  benchLifecycle,
  machine,
  msSince,
  round,
  startBenchApp,
  summarise,
  table,
  writeResults,
} from './common.ts';

const log = (m: string) => process.stdout.write(`[bench:ogcapi] ${m}\n`);
const FEATURES = Number(process.env.BENCH_FEATURES ?? 1_000_000);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const LAYER = 'bench-ogc';
const OTHER = 'bench-ogc-other';
const SYSTEM = { id: null, username: 'system:bench' };
const X0 = 400_000;
const Y0 = 100_000;

function definition(id: string) {
  return parseDefinition({
    id,
    title: `OGC API paging benchmark layer ${id}`,
    category: 'local',
    dataset: null,
    geometryKind: 'polygon',
    rule: { kind: 'within', distanceM: 0 },
    ruleReason: 'Synthetic benchmark layer.',
    report: { positive: 'Feature {name} is {where}.', negative: 'No feature.' },
    keyFields: [],
    style: { 'fill-color': 'rgba(0,0,0,0.2)', 'stroke-color': '#000', 'stroke-width': 1 },
    public: false,
    provenance: {
      source: 'synthetic',
      licence: 'none',
      attribution: 'Synthetic data.',
      url: 'https://example.invalid/synthetic',
    },
    publicity: null,
    fieldMap: { reference: 'reference', name: 'name', properties: {} },
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

const cursorAfter = (id: number) => Buffer.from(`a${id}`, 'utf8').toString('base64url');

interface Page {
  numberMatched?: number;
  numberReturned: number;
  links: Array<{ rel: string; href: string }>;
  features: Array<{ id: number }>;
}

async function main() {
  const database = await benchDatabase(log);
  const life = benchLifecycle(database, log);
  const db = createDb(database.url);
  life.cleanups.push(() => db.destroy());
  await migrateLatest(db);
  const authority = await db.raw(
    `INSERT INTO authority (code, name, boundary, boundary_source, copyright_statement)
     VALUES ('BOG', 'OGC API benchmark authority (synthetic)', ST_Multi(ST_MakeEnvelope(?, ?, ?, ?, 27700)),
             'synthetic square', 'Synthetic data.')
     ON CONFLICT (code) DO UPDATE SET boundary = EXCLUDED.boundary RETURNING id`,
    [X0 - 100, Y0 - 100, X0 + 10_100, Y0 + 10_100],
  );
  const authorityId = authority.rows[0].id as number;
  for (const id of [LAYER, OTHER])
    await db.transaction((trx) => upsertDefinition(trx, SYSTEM, definition(id), 'local'));

  const have = Number(
    (await db('constraint_feature').where({ layer_id: LAYER, data_version: 1 }).count({ n: '*' }))[0]!.n,
  );
  let generateMs = 0;
  if (have !== FEATURES) {
    log(`generating ${FEATURES.toLocaleString('en-GB')} features (+ one in six of another layer, interleaved)`);
    const t0 = process.hrtime.bigint();
    await db('constraint_feature').whereIn('layer_id', [LAYER, OTHER]).delete();
    const total = Math.ceil((FEATURES * 6) / 5);
    // seeded by the row number: the same data every run
    await db.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, geom, properties)
       SELECT l, 1, 'B-' || i, 'Feature ' || i,
              ST_MakeEnvelope(x, y, x + w, y + h, 27700), jsonb_build_object('n', i)
         FROM (SELECT i, CASE WHEN i % 6 = 0 THEN :other ELSE :layer END AS l,
                      :x0::float8 + (i * 7919 % 10000) AS x, :y0::float8 + (i * 104729 % 10000) AS y,
                      5 + (i * 31 % 36) AS w, 5 + (i * 17 % 36) AS h
                 FROM generate_series(1::bigint, :total::bigint) i) g
        ORDER BY i`,
      { other: OTHER, layer: LAYER, x0: X0, y0: Y0, total },
    );
    // exactly FEATURES in the benchmark layer
    await db.raw(
      `DELETE FROM constraint_feature WHERE id IN (
         SELECT id FROM constraint_feature WHERE layer_id = :layer AND data_version = 1 ORDER BY id DESC
         OFFSET :n)`,
      { layer: LAYER, n: FEATURES },
    );
    await db.raw('ANALYZE constraint_feature');
    generateMs = msSince(t0);
    log(`generated in ${round(generateMs / 1000, 1)} s`);
  }
  const count = Number(
    (await db('constraint_feature').where({ layer_id: LAYER, data_version: 1 }).count({ n: '*' }))[0]!.n,
  );
  await db('layer')
    .whereIn('id', [LAYER, OTHER])
    .update({ data_version: 1, feature_count: count, loaded_at: db.fn.now() });
  const ids = await db.raw(
    `SELECT min(id)::bigint AS lo, max(id)::bigint AS hi,
            (SELECT id FROM constraint_feature WHERE layer_id = :layer AND data_version = 1 ORDER BY id DESC
              OFFSET :lim LIMIT 1) AS before_last,
            (SELECT id FROM constraint_feature WHERE layer_id = :layer AND data_version = 1 ORDER BY id
              OFFSET :mid LIMIT 1) AS middle
       FROM constraint_feature WHERE layer_id = :layer AND data_version = 1`,
    { layer: LAYER, lim: LIMIT - 1, mid: Math.floor(count / 2) },
  );
  const { before_last: beforeLast, middle } = ids.rows[0] as { before_last: number; middle: number };
  // the last page: after the id LIMIT from the end (the cursor `next` links carry are just such ids)
  const lastCursor = beforeLast - 1;

  const app = await startBenchApp(db, database.url, 'BOG', authorityId, `bench.ogc.${Date.now()}`);
  life.cleanups.push(() => app.close());
  const base = `/ogc/collections/layer-${LAYER}/items?limit=${LIMIT}`;
  const urls = {
    first: base,
    middle: `${base}&cursor=${cursorAfter(middle)}`,
    last: `${base}&cursor=${cursorAfter(lastCursor)}`,
  };

  // the collection's stats (count, exact extents) are computed once per data version: the cold cost
  let t = process.hrtime.bigint();
  const coll = await get(app.port, `/ogc/collections/layer-${LAYER}`);
  const statsColdMs = msSince(t);
  if (coll.status !== 200) throw new Error(`collection: ${coll.status} ${coll.text.slice(0, 300)}`);
  const described = JSON.parse(coll.text) as { featureCount: number };
  log(`collection description (count and exact extents, cold) in ${round(statsColdMs, 1)} ms`);

  const floorSql = `SELECT coalesce(json_agg(json_build_object('id', id, 'g', g) ORDER BY id), '[]') AS page FROM (
      SELECT f.id, ST_AsGeoJSON(ST_Transform(f.geom, 4326), 9) AS g, f.name, f.source_ref, f.properties
        FROM constraint_feature f
       WHERE f.layer_id = :layer AND f.data_version = 1 AND f.id > :after
       ORDER BY f.id LIMIT :lim) p`;
  const floor = async (after: number) =>
    (await db.raw(floorSql, { layer: LAYER, after, lim: LIMIT })).rows[0].page as Array<{ id: number }>;

  const samples: Record<string, number[]> = {
    first: [],
    middle: [],
    last: [],
    'floor first': [],
    'floor middle': [],
    'floor last': [],
  };
  const check = async (name: keyof typeof urls, after: number) => {
    const res = await get(app.port, urls[name]);
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${res.text.slice(0, 300)}`);
    const page = JSON.parse(res.text) as Page;
    const want = (await floor(after)).map((f) => f.id);
    const got = page.features.map((f) => f.id);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${name}: ids differ from the floor`);
    if (page.numberMatched !== count) throw new Error(`${name}: numberMatched ${page.numberMatched} ≠ ${count}`);
    return page;
  };
  const firstPage = await check('first', 0);
  await check('middle', middle);
  const lastPage = await check('last', lastCursor);
  if (lastPage.links.some((l) => l.rel === 'next')) throw new Error('the last page has a next link');
  if (firstPage.links.some((l) => l.rel === 'prev')) throw new Error('the first page has a prev link');
  if (lastPage.numberReturned !== LIMIT) throw new Error(`the last page has ${lastPage.numberReturned} features`);
  const prev = lastPage.links.find((l) => l.rel === 'prev')!;
  const back = JSON.parse((await get(app.port, new URL(prev.href).pathname + new URL(prev.href).search)).text) as Page;
  if (back.features.length !== LIMIT || back.features.at(-1)!.id >= lastPage.features[0]!.id) {
    throw new Error('the prev link of the last page does not lead to the page before it');
  }

  log(`warm-up, then ${ROUNDS} rounds, interleaved`);
  for (let i = 0; i < 5; i++) {
    for (const u of Object.values(urls)) await get(app.port, u);
    await floor(0);
    await floor(lastCursor);
  }
  const afters = { first: 0, middle, last: lastCursor };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of ['first', 'middle', 'last'] as const) {
      t = process.hrtime.bigint();
      const res = await get(app.port, urls[name]);
      samples[name]!.push(msSince(t));
      if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
      t = process.hrtime.bigint();
      await floor(afters[name]);
      samples[`floor ${name}`]!.push(msSince(t));
    }
  }
  // what an OFFSET page at the end would cost (once: it reads the whole layer)
  t = process.hrtime.bigint();
  await db.raw(
    `SELECT f.id, ST_AsGeoJSON(ST_Transform(f.geom, 4326), 9) FROM constraint_feature f
      WHERE f.layer_id = :layer AND f.data_version = 1 ORDER BY f.id OFFSET :off LIMIT :lim`,
    { layer: LAYER, off: count - LIMIT, lim: LIMIT },
  );
  const offsetLastMs = msSince(t);

  const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarise(v)]));
  const ratio = round(s.last!.p50 / s.first!.p50, 2);
  const ratio95 = round(s.last!.p95 / s.first!.p95, 2);
  const rows: Array<Array<string | number>> = [['page', 'p50 ms', 'p95 ms', 'floor p50', 'floor p95', '× floor p50']];
  for (const name of ['first', 'middle', 'last'] as const) {
    const a = s[name]!;
    const f = s[`floor ${name}`]!;
    rows.push([name, a.p50, a.p95, f.p50, f.p95, round(a.p50 / f.p50, 2)]);
  }
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `last / first page: ${ratio}× at p50, ${ratio95}× at p95 (target ≤ 2×); ` +
      `an OFFSET page at the end: ${round(offsetLastMs, 1)} ms; collection stats cold: ${round(statsColdMs, 1)} ms\n`,
  );
  const file = writeResults(FEATURES === 1_000_000 ? 'ogcapi' : `ogcapi-${FEATURES}`, {
    benchmark: 'OGC API – Features keyset paging',
    features: count,
    otherLayerFeatures: Number((await db('constraint_feature').where({ layer_id: OTHER }).count({ n: '*' }))[0]!.n),
    describedFeatureCount: described.featureCount,
    limit: LIMIT,
    rounds: ROUNDS,
    generateMs: round(generateMs, 0),
    statsColdMs: round(statsColdMs, 1),
    offsetLastPageMs: round(offsetLastMs, 1),
    lastOverFirstP50: ratio,
    lastOverFirstP95: ratio95,
    target: 'last page p50 ≤ 2 × first page p50',
    pass: ratio <= 2,
    pages: s,
    machine: machine(),
    at: new Date().toISOString(),
  });
  log(`wrote ${file}`);
  agent.destroy();
  await life.finish();
  if (ratio > 2) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
