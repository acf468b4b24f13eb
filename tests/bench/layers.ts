/**
 * B8: layer reloads that scale (`npm run bench:layers`). Not part of `npm test`.
 *
 * A seeded synthetic polygon layer of BENCH_FEATURES features (default 1,000,000) in a 10 × 10 km square
 * authority, as a CSV with WKT in EPSG:27700, beside three smaller layers (20,000 features each). Measures:
 *  - a reload of the big layer from the same file against its fresh load into the empty layer (target ≤ 1.5×);
 *  - constraint checks on every layer (runCheck, what the API's check runs, in process, one at a time) on seeded
 *    30 × 30 m sites: p50/p95 before the reload against during it (target p95 ≤ 3×);
 *  - answers compared: the same sites' hits (layer, source reference, distance) before and after the reload.
 * Writes results/layers-<date>.json (results/layers-<N>-<date>.json when BENCH_FEATURES is not 1,000,000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { parseDefinition, upsertDefinition } from '../../server/modules/layers/definitions.ts';
import { loadLayer, type LoadReport } from '../../server/modules/layers/loader.ts';
import { runCheck } from '../../server/modules/constraints/service.ts';
import {
  benchDatabase,
  benchLifecycle,
  machine,
  msSince,
  prng,
  round,
  summarise,
  table,
  writeResults,
} from './common.ts';

const log = (m: string) => process.stdout.write(`[bench:layers] ${m}\n`);
const FEATURES = Number(process.env.BENCH_FEATURES ?? 1_000_000);
const SMALL = Number(process.env.BENCH_SMALL_FEATURES ?? 20_000);
const BEFORE_CHECKS = Number(process.env.BENCH_CHECKS ?? 300);
const X0 = 400_000;
const Y0 = 100_000;
const SIDE = 10_000;
const SYSTEM = { id: null, username: 'system:bench' };

function definition(id: string) {
  return parseDefinition({
    id,
    title: `Benchmark layer ${id}`,
    category: 'local',
    dataset: null,
    geometryKind: 'polygon',
    rule: { kind: 'within', distanceM: 15 },
    ruleReason: 'Synthetic benchmark layer.',
    report: { positive: 'Feature {name} is {where}.', negative: 'No feature within 15 m.' },
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

/** A CSV of n seeded rectangles (5–40 m) with WKT geometry, EPSG:27700. */
function writeCsv(file: string, n: number, seed: number): void {
  const rnd = prng(seed);
  const fd = fs.openSync(file, 'w');
  let buf = 'reference,name,geometry\n';
  for (let i = 0; i < n; i++) {
    const x = X0 + rnd() * SIDE;
    const y = Y0 + rnd() * SIDE;
    const w = 5 + rnd() * 35;
    const h = 5 + rnd() * 35;
    const [a, b, c, d] = [x.toFixed(2), y.toFixed(2), (x + w).toFixed(2), (y + h).toFixed(2)];
    buf += `F${seed}-${i},Feature ${i},"POLYGON((${a} ${b},${c} ${b},${c} ${d},${a} ${d},${a} ${b}))"\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

async function main() {
  const database = await benchDatabase(log);
  const life = benchLifecycle(database, log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-bench-layers-'));
  life.cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  const db = createDb(database.url);
  life.cleanups.push(() => db.destroy());
  await migrateLatest(db);
  const square = `POLYGON((${X0} ${Y0},${X0 + SIDE} ${Y0},${X0 + SIDE} ${Y0 + SIDE},${X0} ${Y0 + SIDE},${X0} ${Y0}))`;
  await db.raw(
    `INSERT INTO authority (code, name, boundary, boundary_source, copyright_statement)
     VALUES ('BENCHL', 'Layer benchmark authority (synthetic)', ST_Multi(ST_Buffer(ST_GeomFromText(?, 27700), 100, 'quad_segs=4')),
             'synthetic square', 'Synthetic data.')
     ON CONFLICT (code) DO UPDATE SET boundary = EXCLUDED.boundary`,
    [square],
  );
  const big = 'bench-big';
  const smalls = ['bench-a', 'bench-b', 'bench-c'];
  for (const id of [big, ...smalls]) {
    await db.transaction((trx) => upsertDefinition(trx, SYSTEM, definition(id), 'local'));
  }
  const load = (layerId: string, file: string): Promise<LoadReport> =>
    loadLayer(db, {
      layerId,
      sources: [{ file, sourceCrs: 'EPSG:27700' }],
      toleranceM: 50,
      actor: SYSTEM,
    });
  log(`writing ${FEATURES.toLocaleString('en-GB')} + 3 × ${SMALL.toLocaleString('en-GB')} features`);
  const bigFile = path.join(tmp, 'big.csv');
  writeCsv(bigFile, FEATURES, 1);
  for (const [i, id] of smalls.entries()) {
    const f = path.join(tmp, `${id}.csv`);
    writeCsv(f, SMALL, 100 + i);
    await load(id, f);
  }

  // a fresh load: the big layer empty (a reload of it afterwards finds the old version to delete)
  await db('constraint_piece').where({ layer_id: big }).delete();
  await db('constraint_feature').where({ layer_id: big }).delete();
  await db.raw('ANALYZE constraint_feature; ANALYZE constraint_piece');
  log('fresh load of the big layer');
  let t = process.hrtime.bigint();
  const fresh = await load(big, bigFile);
  const freshMs = msSince(t);
  log(`fresh load: ${round(freshMs / 1000, 1)} s (${fresh.loaded} features, ${fresh.pieces} pieces)`);
  await db.raw('VACUUM ANALYZE constraint_feature');
  await db.raw('VACUUM ANALYZE constraint_piece');

  const rnd = prng(7);
  const sites: string[] = [];
  for (let i = 0; i < 200; i++) {
    const x = X0 + 100 + rnd() * (SIDE - 200);
    const y = Y0 + 100 + rnd() * (SIDE - 200);
    const { rows } = await db.raw<{ rows: Array<{ h: string }> }>(
      `SELECT encode(ST_AsEWKB(ST_Multi(ST_MakeEnvelope(?, ?, ?, ?, 27700))), 'hex') AS h`,
      [x, y, x + 30, y + 30],
    );
    sites.push(rows[0]!.h);
  }
  const answer = async (site: string) => {
    const r = await runCheck(db, site);
    return JSON.stringify(
      r.layers.map((l) => [l.layerId, l.status, l.hits.map((h) => [h.reference, round(h.distanceM, 3)]).sort()]),
    );
  };
  for (const s of sites.slice(0, 20)) await answer(s); // warm-up
  const before: number[] = [];
  const beforeAnswers = new Map<string, string>();
  for (let i = 0; i < BEFORE_CHECKS; i++) {
    const s = sites[i % sites.length]!;
    t = process.hrtime.bigint();
    const a = await answer(s);
    before.push(msSince(t));
    beforeAnswers.set(s, a);
  }

  // the reload alone (nothing else running, as the fresh load ran): the ratio's numerator
  log('reload of the big layer from the same file');
  t = process.hrtime.bigint();
  await load(big, bigFile);
  const quietReloadMs = msSince(t);
  log(`reload: ${round(quietReloadMs / 1000, 1)} s`);

  log('reload again, checks running meanwhile');
  const during: number[] = [];
  let done = false;
  const checker = (async () => {
    let i = 0;
    while (!done) {
      const s = sites[i++ % sites.length]!;
      const t0 = process.hrtime.bigint();
      await answer(s);
      during.push(msSince(t0));
    }
  })();
  t = process.hrtime.bigint();
  let reload: LoadReport;
  try {
    reload = await load(big, bigFile);
  } finally {
    done = true;
    await checker;
  }
  const reloadMs = msSince(t);
  log(`reload with checks: ${round(reloadMs / 1000, 1)} s (version ${reload.dataVersion})`);

  let differing = 0;
  for (const [s, a] of beforeAnswers) {
    const after = await answer(s);
    if (after !== a) differing++;
  }
  const sb = summarise(before);
  const sd = summarise(during);
  const result = {
    benchmark: 'B8 layer reload',
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage: os.loadavg(),
    features: FEATURES,
    otherLayers: { count: smalls.length, featuresEach: SMALL },
    pieces: reload.pieces,
    freshLoadMs: round(freshMs, 0),
    reloadMs: round(quietReloadMs, 0),
    reloadRatio: round(quietReloadMs / freshMs, 2),
    reloadWithChecksMs: round(reloadMs, 0),
    reloadWithChecksRatio: round(reloadMs / freshMs, 2),
    reloadTarget: 1.5,
    checksBefore: sb,
    checksDuringReload: sd,
    checkP95Ratio: round(sd.p95 / sb.p95, 2),
    checkP50Ratio: round(sd.p50 / sb.p50, 2),
    checkTarget: 3,
    answersCompared: beforeAnswers.size,
    answersDiffering: differing,
  };
  process.stdout.write(
    table([
      ['measure', 'value', 'target'],
      ['fresh load', `${round(freshMs / 1000, 1)} s`, ''],
      ['reload', `${round(quietReloadMs / 1000, 1)} s`, ''],
      ['reload while checks run', `${round(reloadMs / 1000, 1)} s`, ''],
      ['reload / fresh', result.reloadRatio, '≤ 1.5'],
      ['checks before p50 / p95', `${round(sb.p50, 1)} / ${round(sb.p95, 1)} ms (n ${sb.n})`, ''],
      ['checks during reload p50 / p95', `${round(sd.p50, 1)} / ${round(sd.p95, 1)} ms (n ${sd.n})`, ''],
      ['p95 during / before', result.checkP95Ratio, '≤ 3'],
      ['answers differing after reload', `${differing} of ${beforeAnswers.size}`, '0'],
    ]) + '\n',
  );
  const name = FEATURES === 1_000_000 ? 'layers' : `layers-${FEATURES}`;
  log(`wrote ${writeResults(name, result)}`);
  await life.finish();
  if (differing) process.exit(1);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
