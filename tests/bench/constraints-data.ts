/**
 * Seeded synthetic constraint data for the B1 / B1b benchmarks (tests/bench/constraints.ts), in EPSG:27700 over
 * the 100 km × 100 km square 400000..500000 E, 100000..200000 N. Every run makes exactly the same data:
 * per-feature and per-vertex randomness comes from PostgreSQL's random() after setseed() (one seed per
 * statement, parallel query off), everything else from a seeded PRNG here; feature ids are fixed.
 *
 * Written straight into layer / constraint_feature / constraint_piece (not through the ogr2ogr loader), the
 * way the loader leaves them: polygons subdivided with ST_Subdivide(geom, 256), points copied.
 *
 *  - 5 huge polygon layers (9 features, 50k–500k vertices each, with holes): smooth "star" polygons
 *    r(θ) = R·(1 + Σ aₖ sin(fₖθ + φₖ)) + jitter, which are always simple (star-shaped around their centre);
 *  - the same 5 layers again, not subdivided (one piece = the whole feature), for B1b ("bench-raw-…");
 *  - 20 ordinary polygon layers (200–20,000 features each, 20–2,000 vertices, most small), clustered on towns;
 *  - 10 point layers (400,000 points in all), clustered on towns;
 *  - 1,000 sites 20–300 m across (every 5th one across an edge of a huge polygon), in table bench_site.
 *
 * BENCH_SCALE (default 1) multiplies the ordinary and point feature counts (the huge polygons stay as they are).
 */
import pg from 'pg';
import { LayerDefinition } from '../../shared/layer-schema.ts';
import { definitionHash } from '../../server/modules/layers/definitions.ts';
import { prng, round } from './common.ts';

/** Bump when the generated data changes, so BENCH_KEEP=1 regenerates instead of reusing old data. */
export const GENERATOR_VERSION = 4;

export const AUTHORITY_CODE = 'BEN';
export const SQUARE = { minX: 400_000, minY: 100_000, maxX: 500_000, maxY: 200_000 } as const;
const SQUARE_WKT = `SRID=27700;POLYGON((${SQUARE.minX} ${SQUARE.minY},${SQUARE.maxX} ${SQUARE.minY},${SQUARE.maxX} ${SQUARE.maxY},${SQUARE.minX} ${SQUARE.maxY},${SQUARE.minX} ${SQUARE.minY}))`;
/** Sites stay this far inside the square (so every layer's coverage holds them). */
const SITE_MARGIN = 400;

type Category = LayerDefinition['category'];
type Publicity = LayerDefinition['publicity'];

interface HugeFeature {
  x: number;
  y: number;
  r: number;
  n: number;
  holes: number;
}
interface HugeLayer {
  name: string;
  title: string;
  category: Category;
  features: HugeFeature[];
}
interface PolygonLayer {
  name: string;
  title: string;
  category: Category;
  count: number;
  rMin: number;
  rMax: number;
  publicity?: Publicity;
}
interface PointLayer {
  name: string;
  title: string;
  category: Category;
  count: number;
  publicity?: Publicity;
}

export const HUGE_LAYERS: HugeLayer[] = [
  {
    name: 'flood-risk-zone-3',
    title: 'Flood zone 3',
    category: 'flood',
    features: [
      { x: 430_000, y: 165_000, r: 14_000, n: 500_000, holes: 8 },
      { x: 476_000, y: 122_000, r: 8_000, n: 150_000, holes: 4 },
    ],
  },
  {
    name: 'flood-risk-zone-2',
    title: 'Flood zone 2',
    category: 'flood',
    features: [{ x: 436_000, y: 160_000, r: 20_000, n: 400_000, holes: 6 }],
  },
  {
    name: 'green-belt',
    title: 'Green belt',
    category: 'green-belt',
    features: [{ x: 452_000, y: 148_000, r: 34_000, n: 300_000, holes: 10 }],
  },
  {
    name: 'area-of-outstanding-natural-beauty',
    title: 'Area of outstanding natural beauty',
    category: 'landscape',
    features: [
      { x: 415_000, y: 118_000, r: 9_000, n: 120_000, holes: 3 },
      { x: 486_000, y: 160_000, r: 7_000, n: 80_000, holes: 3 },
      { x: 420_000, y: 188_000, r: 6_000, n: 50_000, holes: 2 },
    ],
  },
  {
    name: 'national-park',
    title: 'National park',
    category: 'landscape',
    features: [{ x: 478_000, y: 182_000, r: 16_000, n: 250_000, holes: 5 }],
  },
];

export const POLYGON_LAYERS: PolygonLayer[] = [
  {
    name: 'conservation-area',
    title: 'Conservation area',
    category: 'heritage',
    count: 600,
    rMin: 80,
    rMax: 900,
    publicity: 'conservation-area',
  },
  {
    name: 'article-4-direction-area',
    title: 'Article 4 direction area',
    category: 'local',
    count: 350,
    rMin: 60,
    rMax: 2_000,
  },
  { name: 'scheduled-monument', title: 'Scheduled monument', category: 'heritage', count: 2_800, rMin: 15, rMax: 300 },
  {
    name: 'park-and-garden',
    title: 'Registered park and garden',
    category: 'heritage',
    count: 1_000,
    rMin: 50,
    rMax: 1_200,
  },
  {
    name: 'archaeological-priority-area',
    title: 'Archaeological priority area',
    category: 'heritage',
    count: 1_700,
    rMin: 100,
    rMax: 2_500,
  },
  {
    name: 'tree-preservation-zone',
    title: 'Tree preservation order area',
    category: 'trees',
    count: 20_000,
    rMin: 10,
    rMax: 150,
  },
  { name: 'ancient-woodland', title: 'Ancient woodland', category: 'ecology', count: 20_000, rMin: 20, rMax: 600 },
  {
    name: 'site-of-special-scientific-interest',
    title: 'Site of special scientific interest',
    category: 'ecology',
    count: 4_500,
    rMin: 50,
    rMax: 3_000,
  },
  {
    name: 'local-nature-reserve',
    title: 'Local nature reserve',
    category: 'ecology',
    count: 7_000,
    rMin: 30,
    rMax: 800,
  },
  { name: 'brownfield-land', title: 'Brownfield land', category: 'land', count: 20_000, rMin: 20, rMax: 300 },
  {
    name: 'special-area-of-conservation',
    title: 'Special area of conservation',
    category: 'ecology',
    count: 200,
    rMin: 500,
    rMax: 5_000,
  },
  { name: 'ramsar', title: 'Ramsar site', category: 'ecology', count: 13_000, rMin: 20, rMax: 400 },
  {
    name: 'world-heritage-site-buffer-zone',
    title: 'World heritage site buffer zone',
    category: 'heritage',
    count: 16_000,
    rMin: 20,
    rMax: 250,
  },
  { name: 'local-green-space', title: 'Local green space', category: 'local', count: 20_000, rMin: 15, rMax: 200 },
  { name: 'common-land', title: 'Common land', category: 'land', count: 20_000, rMin: 20, rMax: 400 },
  { name: 'open-space', title: 'Protected open space', category: 'local', count: 20_000, rMin: 15, rMax: 300 },
  { name: 'housing-allocation', title: 'Housing allocation', category: 'land', count: 20_000, rMin: 20, rMax: 250 },
  {
    name: 'employment-allocation',
    title: 'Employment allocation',
    category: 'land',
    count: 20_000,
    rMin: 20,
    rMax: 250,
  },
  { name: 'flood-storage-area', title: 'Flood storage area', category: 'flood', count: 20_000, rMin: 20, rMax: 300 },
  {
    name: 'tree-preservation-area',
    title: 'Woodland tree preservation order',
    category: 'trees',
    count: 20_000,
    rMin: 10,
    rMax: 200,
  },
];

export const POINT_LAYERS: PointLayer[] = [
  {
    name: 'listed-building',
    title: 'Listed building (grade II)',
    category: 'heritage',
    count: 100_000,
    publicity: 'listed-building-setting',
  },
  {
    name: 'listed-building-grade-i',
    title: 'Listed building (grade I)',
    category: 'heritage',
    count: 5_000,
    publicity: 'listed-building-setting',
  },
  {
    name: 'listed-building-grade-ii-star',
    title: 'Listed building (grade II*)',
    category: 'heritage',
    count: 15_000,
    publicity: 'listed-building-setting',
  },
  { name: 'tree', title: 'Protected tree', category: 'trees', count: 120_000 },
  { name: 'veteran-tree', title: 'Veteran tree', category: 'trees', count: 30_000 },
  { name: 'locally-listed-building', title: 'Locally listed building', category: 'heritage', count: 40_000 },
  { name: 'war-memorial', title: 'War memorial', category: 'heritage', count: 5_000 },
  { name: 'protected-species-record', title: 'Protected species record', category: 'ecology', count: 50_000 },
  { name: 'bat-roost', title: 'Bat roost', category: 'ecology', count: 20_000 },
  { name: 'heritage-at-risk', title: 'Heritage at risk', category: 'heritage', count: 15_000 },
];

export const layerId = (name: string) => `bench-${name}`;
export const rawLayerId = (name: string) => `bench-raw-${name}`;
/** The 35 layers of B1, in the order they are asked for. */
export const B1_LAYER_IDS = [...HUGE_LAYERS, ...POLYGON_LAYERS, ...POINT_LAYERS].map((l) => layerId(l.name));
export const HUGE_LAYER_IDS = HUGE_LAYERS.map((l) => layerId(l.name));
export const RAW_HUGE_LAYER_IDS = HUGE_LAYERS.map((l) => rawLayerId(l.name));

/** Fixed feature ids: layer number × 10⁷ + index. */
const ID_BLOCK = 10_000_000;

function definition(
  id: string,
  title: string,
  category: Category,
  kind: 'polygon' | 'point',
  publicity: Publicity = null,
): LayerDefinition {
  const polygon = kind === 'polygon';
  return LayerDefinition.parse({
    id,
    title,
    category,
    dataset: null,
    geometryKind: kind,
    rule: polygon ? { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 } : { kind: 'within', distanceM: 50 },
    ruleReason: polygon
      ? `Synthetic benchmark layer: the site is affected when it overlaps a ${title.toLowerCase()} by at least 1 m² or 0.5% of its area.`
      : `Synthetic benchmark layer: a ${title.toLowerCase()} within 50 m of the site may be affected (screening distance).`,
    report: polygon
      ? {
          positive: `The site is {relation} ${title.toLowerCase()} '{name}' ({overlap}).`,
          negative: `The site is not in a ${title.toLowerCase()}.`,
        }
      : {
          positive: `${title} {name} is {where} (rule: within 50 m).`,
          negative: `No ${title.toLowerCase()} lies within 50 m of the site.`,
        },
    keyFields: [
      { field: 'reference', label: 'Reference' },
      { field: 'start-date', label: 'Designated' },
    ],
    style: polygon
      ? { 'fill-color': 'rgba(120,60,160,0.2)', 'stroke-color': '#783ca0', 'stroke-width': 1 }
      : {
          'circle-radius': 4,
          'circle-fill-color': '#d4351c',
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1,
        },
    public: true,
    publicity,
    provenance: {
      source: 'Synthetic benchmark data generated by tests/bench/constraints-data.ts (seeded)',
      licence: 'synthetic',
      attribution: 'Synthetic data for benchmarks; not a real designation.',
    },
    fieldMap: { reference: 'reference', name: 'name', properties: {} },
  });
}

// ----------------------------------------------------------------------------------------------- SQL helpers

/** A closed star-shaped ring (LINESTRING, SRID 0): n vertices at equal angles around (cx, cy),
 *  radius r·(1 + Σ a[k]·sin(f[k]·θ + p[k])) + jitter·(random() − 0.5). Simple whenever the radius stays > 0. */
const RING_FUNCTION = `
CREATE OR REPLACE FUNCTION bench_ring(cx float8, cy float8, r float8, n int, a float8[], f int[], p float8[], jitter float8)
RETURNS geometry LANGUAGE sql VOLATILE AS $$
  SELECT ST_AddPoint(l, ST_StartPoint(l)) FROM (
    SELECT ST_MakeLine(array_agg(ST_MakePoint(cx + rr * cos(t), cy + rr * sin(t)) ORDER BY k)) AS l FROM (
      SELECT k, t, r * (1
          + a[1] * sin(f[1] * t + p[1]) + a[2] * sin(f[2] * t + p[2]) + a[3] * sin(f[3] * t + p[3])
          + a[4] * sin(f[4] * t + p[4]) + a[5] * sin(f[5] * t + p[5]) + a[6] * sin(f[6] * t + p[6]))
          + jitter * (random() - 0.5) AS rr
      FROM (SELECT k, 2 * pi() * k / n AS t FROM generate_series(0, n - 1) k) s
    ) v
  ) m
$$`;

/** Positions clustered on towns: a fraction `$clustered` normal around a random town (σ × sigmaFactor), the rest
 *  uniform over the square; wrapped back into the square. Expects a CTE `u` with columns ut, uc, u1, u2, ux, uy. */
function positionSql(tx: string, ty: string, ts: string, clustered: string, sigmaFactor: number) {
  const wrap = (v: string, min: number) => `(${min} + ((${v}) - ${min}) - 100000 * floor(((${v}) - ${min}) / 100000))`;
  const town = `(1 + floor(ut * array_length(${tx}, 1))::int)`;
  const gx = `(${tx})[${town}] + ${sigmaFactor} * (${ts})[${town}] * sqrt(-2 * ln(1 - u1)) * cos(2 * pi() * u2)`;
  const gy = `(${ty})[${town}] + ${sigmaFactor} * (${ts})[${town}] * sqrt(-2 * ln(1 - u1)) * sin(2 * pi() * u2)`;
  return {
    x: `CASE WHEN uc < ${clustered} THEN ${wrap(gx, SQUARE.minX)} ELSE ${SQUARE.minX} + 100000 * ux END`,
    y: `CASE WHEN uc < ${clustered} THEN ${wrap(gy, SQUARE.minY)} ELSE ${SQUARE.minY} + 100000 * uy END`,
  };
}

const UNIFORMS = (n: number) => Array.from({ length: n }, (_, i) => `random() AS r${i}`).join(', ');

// ------------------------------------------------------------------------------------------------ generation

export interface Towns {
  x: number[];
  y: number[];
  sigma: number[];
}

export function makeTowns(): Towns {
  const rnd = prng(7);
  const t: Towns = { x: [], y: [], sigma: [] };
  for (let i = 0; i < 40; i++) {
    t.x.push(round(404_000 + 92_000 * rnd(), 1));
    t.y.push(round(104_000 + 92_000 * rnd(), 1));
    t.sigma.push(round(600 + 3_000 * rnd() ** 2, 1));
  }
  return t;
}

interface Task {
  label: string;
  run(c: pg.Client): Promise<void>;
}

async function runTasks(url: string, tasks: Task[], workers: number, log: (m: string) => void) {
  const queue = [...tasks];
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < workers; i++) {
      const c = new pg.Client({ connectionString: url, application_name: 'redline-bench-gen' });
      await c.connect();
      // no parallel workers: random() is then drawn in one fixed order, so every run makes the same data
      await c.query(
        `SET max_parallel_workers_per_gather = 0; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'`,
      );
      clients.push(c);
    }
    await Promise.all(
      clients.map(async (c) => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          const start = Date.now();
          await t.run(c);
          log(`  ${t.label} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

const seedOf = (n: number) => ((n * 7919) % 10_000) / 10_000 - 0.5;

export interface GeneratedData {
  generatorVersion: number;
  scale: number;
  generationSeconds: number;
  phases: Record<string, number>;
  layers: { huge: number; ordinaryPolygon: number; point: number; rawHugeForB1b: number };
  features: { huge: number; ordinaryPolygon: number; point: number; total: number; rawHugeCopies: number };
  vertices: {
    hugeMin: number;
    hugeMax: number;
    hugeTotal: number;
    ordinaryTotal: number;
    ordinaryMin: number;
    ordinaryMax: number;
    ordinaryMean: number;
  };
  pieces: { huge: number; ordinaryPolygon: number; point: number; rawHuge: number; total: number };
  sites: {
    total: number;
    acrossHugeEdges: number;
    verticesMin: number;
    verticesMax: number;
    acrossMinM: number;
    acrossMaxM: number;
  };
  sizesMb: { constraint_feature: number; constraint_piece: number };
  /** md5 over every benchmark feature, piece, site and layer: the same on every run at the same scale */
  fingerprint: { features: string; pieces: string; sites: string; layers: string };
}

/** Makes the authority (code BEN) and all the data; returns what it made. */
export async function generate(url: string, scale: number, log: (m: string) => void): Promise<GeneratedData> {
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  const phase = async (name: string, f: () => Promise<void>) => {
    const s = Date.now();
    log(`${name}…`);
    await f();
    phases[name] = round((Date.now() - s) / 1000, 1);
  };
  const towns = makeTowns();
  const admin = new pg.Client({ connectionString: url, application_name: 'redline-bench-gen' });
  await admin.connect();
  try {
    await phase('clearing earlier benchmark data and dropping geometry indexes for the bulk load', async () => {
      await admin.query(RING_FUNCTION);
      await admin.query(`DROP TABLE IF EXISTS bench_site, bench_meta`);
      const foreign = await admin.query(
        `SELECT count(*)::int AS n FROM constraint_feature WHERE layer_id NOT LIKE 'bench-%'`,
      );
      if (foreign.rows[0].n === 0) {
        await admin.query(`TRUNCATE constraint_piece, constraint_feature`);
      } else {
        await admin.query(`DELETE FROM constraint_piece WHERE layer_id LIKE 'bench-%'`);
        await admin.query(`DELETE FROM constraint_feature WHERE layer_id LIKE 'bench-%'`);
      }
      await admin.query(`DELETE FROM layer WHERE id LIKE 'bench-%'`);
      // geometry indexes are built once at the end (much faster than maintaining them row by row); their
      // definitions are kept in bench_index_defs until then, so an interrupted run's next run restores them
      await admin.query(`CREATE TABLE IF NOT EXISTS bench_index_defs (name text PRIMARY KEY, def text NOT NULL)`);
      await admin.query(
        `INSERT INTO bench_index_defs SELECT indexname, indexdef FROM pg_indexes
         WHERE tablename IN ('constraint_feature', 'constraint_piece') AND indexname NOT LIKE '%_pkey' ON CONFLICT DO NOTHING`,
      );
      const others = await admin.query(
        `SELECT (SELECT count(*) FROM constraint_feature) + (SELECT count(*) FROM constraint_piece) AS n`,
      );
      if (Number(others.rows[0].n) === 0) {
        const defs = await admin.query(`SELECT name FROM bench_index_defs ORDER BY name`);
        for (const r of defs.rows) await admin.query(`DROP INDEX IF EXISTS ${r.name}`);
      }
      const boundary = `ST_Multi(ST_Buffer(ST_GeomFromEWKT('${SQUARE_WKT}'), 100, 'quad_segs=4'))`;
      await admin.query(
        `INSERT INTO authority (code, name, boundary, boundary_source, copyright_statement)
         VALUES ($1, 'Benchmark authority (synthetic)', ${boundary}, 'synthetic: 400000..500000 E, 100000..200000 N, buffered 100 m', 'Synthetic data.')
         ON CONFLICT (code) DO UPDATE SET boundary = EXCLUDED.boundary`,
        [AUTHORITY_CODE],
      );
    });

    // layer rows first (features reference them)
    await phase('layers', async () => {
      const rows: Array<{ id: string; def: LayerDefinition; count: number }> = [];
      for (const l of HUGE_LAYERS) {
        rows.push({
          id: layerId(l.name),
          def: definition(layerId(l.name), l.title, l.category, 'polygon'),
          count: l.features.length,
        });
        rows.push({
          id: rawLayerId(l.name),
          def: definition(rawLayerId(l.name), `${l.title} (not subdivided)`, l.category, 'polygon'),
          count: l.features.length,
        });
      }
      for (const l of POLYGON_LAYERS)
        rows.push({
          id: layerId(l.name),
          def: definition(layerId(l.name), l.title, l.category, 'polygon', l.publicity ?? null),
          count: scaled(l.count, scale),
        });
      for (const l of POINT_LAYERS)
        rows.push({
          id: layerId(l.name),
          def: definition(layerId(l.name), l.title, l.category, 'point', l.publicity ?? null),
          count: scaled(l.count, scale),
        });
      for (const r of rows) {
        await admin.query(
          `INSERT INTO layer (id, title, category, dataset, definition, definition_hash, data_version, source_hash, loaded_at, feature_count, coverage, origin, last_load)
           VALUES ($1, $2, $3, NULL, $4, $5, 1, $6, now(), $7, ST_Multi(ST_GeomFromEWKT('${SQUARE_WKT}')), 'local', $8)`,
          [
            r.id,
            r.def.title,
            r.def.category,
            JSON.stringify(r.def),
            definitionHash(r.def),
            `bench-generator-${GENERATOR_VERSION}`,
            r.count,
            JSON.stringify({
              skipped: {
                'no-geometry': 0,
                'invalid-geometry': 0,
                'wrong-geometry-type': 0,
                'outside-authority': 0,
                ended: 0,
              },
            }),
          ],
        );
      }
    });

    const tasks: Task[] = [];
    let layerNo = 0;
    // huge polygons: one statement per feature, then its pieces; the raw copy for B1b right after
    for (const [li, l] of HUGE_LAYERS.entries()) {
      const no = ++layerNo;
      const rawNo = 100 + no;
      const id = layerId(l.name);
      const rawId = rawLayerId(l.name);
      const rnd = prng(1000 + li);
      const features = l.features.map((f, fi) => {
        const phasesOuter = Array.from({ length: 6 }, () => round(2 * Math.PI * rnd(), 6));
        const theta0 = 2 * Math.PI * rnd();
        const holes = Array.from({ length: f.holes }, (_, j) => {
          const a = theta0 + (2 * Math.PI * j) / f.holes;
          return {
            x: round(f.x + 0.35 * f.r * Math.cos(a), 3),
            y: round(f.y + 0.35 * f.r * Math.sin(a), 3),
            r: round(0.05 * f.r, 3),
            n: Math.max(1_000, Math.min(10_000, Math.round(f.n / 50))),
          };
        });
        return { ...f, fi, phasesOuter, holesSpec: holes };
      });
      tasks.push({
        label: `${id}: ${features.length} feature(s), ${features.map((f) => `${f.n + f.holesSpec.reduce((s, h) => s + h.n, 0)} vertices`).join(', ')}; subdivided; raw copy`,
        run: async (c) => {
          for (const f of features) {
            await c.query('SELECT setseed($1)', [seedOf(no * 100 + f.fi)]);
            const spacing = (2 * Math.PI * f.r) / f.n;
            await c.query(
              `INSERT INTO constraint_feature (id, layer_id, data_version, source_ref, name, properties, geom, source_file)
               SELECT $1::bigint, $2, 1, $3, $4, jsonb_build_object('reference', $3::text, 'start-date', '1995-06-01'::text), ST_SetSRID(ST_MakePolygon(
                 bench_ring($5, $6, $7, $8, '{0.12,0.08,0.05,0.03,0.02,0.01}', '{2,3,5,13,47,211}', $9::float8[], $10),
                 ARRAY(SELECT bench_ring(hx, hy, hr, hn, '{0.15,0.08,0.04,0,0,0}', '{2,3,5,1,1,1}', ARRAY[o, 2 * o, 3 * o, 0, 0, 0]::float8[], 2 * pi() * hr / hn)
                       FROM unnest($11::float8[], $12::float8[], $13::float8[], $14::int[]) WITH ORDINALITY AS h(hx, hy, hr, hn, o) ORDER BY o)), 27700),
                 'synthetic'`,
              [
                no * ID_BLOCK + f.fi + 1,
                id,
                `${l.name.toUpperCase()}-${f.fi + 1}`,
                `${l.title} ${f.fi + 1}`,
                f.x,
                f.y,
                f.r,
                f.n,
                f.phasesOuter,
                2 * spacing,
                f.holesSpec.map((h) => h.x),
                f.holesSpec.map((h) => h.y),
                f.holesSpec.map((h) => h.r),
                f.holesSpec.map((h) => h.n),
              ],
            );
          }
          await c.query(
            `INSERT INTO constraint_piece (feature_id, layer_id, data_version, geom)
             SELECT id, layer_id, 1, ST_Subdivide(geom, 256) FROM constraint_feature WHERE layer_id = $1 AND data_version = 1`,
            [id],
          );
          await c.query(
            `INSERT INTO constraint_feature (id, layer_id, data_version, source_ref, name, properties, geom, source_file)
             SELECT id - $3::bigint + $4::bigint, $2, 1, source_ref, name, properties, geom, source_file FROM constraint_feature WHERE layer_id = $1`,
            [id, rawId, no * ID_BLOCK, rawNo * ID_BLOCK],
          );
          await c.query(
            `INSERT INTO constraint_piece (feature_id, layer_id, data_version, geom) SELECT id, layer_id, 1, geom FROM constraint_feature WHERE layer_id = $1`,
            [rawId],
          );
        },
      });
    }
    const townArgs = [towns.x, towns.y, towns.sigma];
    for (const l of POLYGON_LAYERS) {
      const no = ++layerNo;
      const id = layerId(l.name);
      const count = scaled(l.count, scale);
      const pos = positionSql('$5::float8[]', '$6::float8[]', '$7::float8[]', '0.6', 1);
      tasks.push({
        label: `${id}: ${count} polygons`,
        run: async (c) => {
          await c.query('SELECT setseed($1)', [seedOf(no)]);
          await c.query(
            `WITH raw AS MATERIALIZED (SELECT i, ${UNIFORMS(12)} FROM generate_series(1, $3::int) i),
             u AS (SELECT i, r0 AS ut, r1 AS uc, r2 AS u1, r3 AS u2, r4 AS ux, r5 AS uy, r6 AS ur, r7 AS un, r8 AS ua, r9 AS up, r10 AS ud, r11 AS uq FROM raw),
             p AS MATERIALIZED (
               SELECT i, ${pos.x} AS x, ${pos.y} AS y, $8::float8 * power($9::float8 / $8::float8, ur) AS r,
                      round(20 * power(100, power(un, 3)))::int AS n, ua, up, ud, uq FROM u)
             INSERT INTO constraint_feature (id, layer_id, data_version, source_ref, name, properties, geom, source_file)
             SELECT $2::bigint + i, $1, 1, $4::text || '-' || lpad(i::text, 6, '0'), $10::text || ' ' || i,
                    jsonb_build_object('reference', $4::text || '-' || lpad(i::text, 6, '0'), 'start-date', (date '1968-01-01' + (ud * 20000)::int)::text),
                    ST_SetSRID(ST_MakePolygon(bench_ring(x, y, r, n,
                      ARRAY[0.2 * ua, 0.1 * uq, 0.05 * up, 0, 0, 0]::float8[], '{2,3,5,1,1,1}',
                      ARRAY[2 * pi() * up, 2 * pi() * uq, 2 * pi() * ua, 0, 0, 0]::float8[], least(0.1 * r, 6 * pi() * r / n))), 27700),
                    'synthetic'
             FROM p`,
            [id, no * ID_BLOCK, count, l.name.toUpperCase(), ...townArgs, l.rMin, l.rMax, l.title],
          );
          await c.query(
            `INSERT INTO constraint_piece (feature_id, layer_id, data_version, geom)
             SELECT id, layer_id, 1, ST_Subdivide(geom, 256) FROM constraint_feature WHERE layer_id = $1 AND data_version = 1`,
            [id],
          );
        },
      });
    }
    for (const l of POINT_LAYERS) {
      const no = ++layerNo;
      const id = layerId(l.name);
      const count = scaled(l.count, scale);
      const pos = positionSql('$5::float8[]', '$6::float8[]', '$7::float8[]', '0.85', 0.6);
      tasks.push({
        label: `${id}: ${count} points`,
        run: async (c) => {
          await c.query('SELECT setseed($1)', [seedOf(no)]);
          await c.query(
            `WITH raw AS MATERIALIZED (SELECT i, ${UNIFORMS(7)} FROM generate_series(1, $3::int) i),
             u AS (SELECT i, r0 AS ut, r1 AS uc, r2 AS u1, r3 AS u2, r4 AS ux, r5 AS uy, r6 AS ud FROM raw)
             INSERT INTO constraint_feature (id, layer_id, data_version, source_ref, name, properties, geom, source_file)
             SELECT $2::bigint + i, $1, 1, $4::text || '-' || lpad(i::text, 6, '0'), $8::text || ' ' || i,
                    jsonb_build_object('reference', $4::text || '-' || lpad(i::text, 6, '0'), 'start-date', (date '1950-01-01' + (ud * 27000)::int)::text),
                    ST_SetSRID(ST_MakePoint(${pos.x}, ${pos.y}), 27700), 'synthetic'
             FROM u`,
            [id, no * ID_BLOCK, count, l.name.toUpperCase(), ...townArgs, l.title],
          );
          await c.query(
            `INSERT INTO constraint_piece (feature_id, layer_id, data_version, geom)
             SELECT id, layer_id, 1, geom FROM constraint_feature WHERE layer_id = $1 AND data_version = 1`,
            [id],
          );
        },
      });
    }
    await phase('features and pieces (2 connections)', () => runTasks(url, tasks, 2, log));

    await phase('geometry indexes and ANALYZE', async () => {
      await admin.query(`SET maintenance_work_mem = '1GB'`);
      const c2 = new pg.Client({ connectionString: url, application_name: 'redline-bench-gen' });
      await c2.connect();
      try {
        await c2.query(`SET maintenance_work_mem = '1GB'`);
        const { rows } = await admin.query(`SELECT def FROM bench_index_defs ORDER BY name`);
        const queue = rows.map((r) => (r.def as string).replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
        await Promise.all(
          [admin, c2].map(async (c) => {
            for (let d = queue.shift(); d; d = queue.shift()) await c.query(d);
          }),
        );
      } finally {
        await c2.end();
      }
      await admin.query(`DROP TABLE bench_index_defs`);
      await admin.query(
        `SELECT setval(pg_get_serial_sequence('constraint_feature', 'id'), (SELECT max(id) FROM constraint_feature))`,
      );
      await admin.query(`VACUUM ANALYZE layer, constraint_feature, constraint_piece, authority`);
    });

    let sites: SiteStats;
    await phase('sites', async () => {
      sites = await makeSites(admin, towns);
    });

    const data = await collectStats(admin, scale, phases, sites!, (Date.now() - t0) / 1000);
    await admin.query(`CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)`);
    await admin.query(`INSERT INTO bench_meta VALUES ('data', $1)`, [JSON.stringify(data)]);
    return data;
  } finally {
    await admin.end();
  }
}

const scaled = (n: number, scale: number) => Math.max(1, Math.round(n * scale));

/** The data made by an earlier run (BENCH_KEEP=1), when it is this generator's at this scale. */
export async function existingData(url: string, scale: number): Promise<GeneratedData | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t = await c.query(
      `SELECT to_regclass('bench_meta') IS NOT NULL AND to_regclass('bench_site') IS NOT NULL AS ok`,
    );
    if (!t.rows[0].ok) return null;
    const { rows } = await c.query(`SELECT value FROM bench_meta WHERE key = 'data'`);
    const d = rows[0]?.value as GeneratedData | undefined;
    return d && d.generatorVersion === GENERATOR_VERSION && d.scale === scale ? d : null;
  } finally {
    await c.end();
  }
}

// ------------------------------------------------------------------------------------------------------ sites

interface SiteStats {
  total: number;
  across: number;
  vMin: number;
  vMax: number;
  dMin: number;
  dMax: number;
}

type Ring = Array<[number, number]>;

/** A site shape around (cx, cy), `d` metres across: a rotated rectangle, a plain polygon or a detailed one. */
function siteRing(rnd: () => number, cx: number, cy: number, d: number): Ring {
  const kind = rnd();
  const pts: Ring = [];
  const rot = 2 * Math.PI * rnd();
  if (kind < 0.5) {
    const w = d / 2;
    const h = (d / 2) * (0.35 + 0.65 * rnd());
    for (const [sx, sy] of [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ] as const) {
      const x = sx * w;
      const y = sy * h;
      pts.push([cx + x * Math.cos(rot) - y * Math.sin(rot), cy + x * Math.sin(rot) + y * Math.cos(rot)]);
    }
  } else {
    const detailed = kind >= 0.8;
    const n = detailed ? 40 + Math.floor(360 * rnd()) : 5 + Math.floor(20 * rnd());
    const a = [0.15 * rnd(), 0.08 * rnd(), 0.04 * rnd()];
    const p = [2 * Math.PI * rnd(), 2 * Math.PI * rnd(), 2 * Math.PI * rnd()];
    for (let k = 0; k < n; k++) {
      const t = rot + (2 * Math.PI * (k + (detailed ? 0 : 0.4 * (rnd() - 0.5)))) / n;
      const rr =
        (d / 2) *
        (detailed
          ? 0.8 *
            (1 + a[0]! * Math.sin(2 * t + p[0]!) + a[1]! * Math.sin(3 * t + p[1]!) + a[2]! * Math.sin(7 * t + p[2]!))
          : 0.7 + 0.3 * rnd());
      pts.push([cx + rr * Math.cos(t), cy + rr * Math.sin(t)]);
    }
  }
  const ring = pts.map(([x, y]) => [round(x, 3), round(y, 3)] as [number, number]);
  ring.push(ring[0]!);
  return ring;
}

async function makeSites(c: pg.Client, towns: Towns): Promise<SiteStats> {
  await c.query(
    `CREATE TABLE bench_site (id int PRIMARY KEY, across_edge text, geojson text NOT NULL, geom geometry(Polygon, 27700) NOT NULL)`,
  );
  const rnd = prng(20260101);
  // the huge features' rings and their vertex counts, to put every 5th site across one of their edges
  const { rows: rings } = await c.query(
    `SELECT f.id, f.layer_id, f.source_ref, r.k, ST_NPoints(r.ring) AS n
     FROM constraint_feature f
     CROSS JOIN LATERAL (SELECT 0 AS k, ST_ExteriorRing(f.geom) AS ring
                         UNION ALL SELECT k, ST_InteriorRingN(f.geom, k) FROM generate_series(1, ST_NumInteriorRings(f.geom)) k) r
     WHERE f.layer_id = ANY($1) ORDER BY f.id, r.k`,
    [HUGE_LAYER_IDS],
  );
  const inSquare = (x: number, y: number, m: number) =>
    x >= SQUARE.minX + m && x <= SQUARE.maxX - m && y >= SQUARE.minY + m && y <= SQUARE.maxY - m;
  const stats: SiteStats = { total: 0, across: 0, vMin: Infinity, vMax: 0, dMin: Infinity, dMax: 0 };
  let edgeNo = 0;
  for (let i = 1; i <= 1000; i++) {
    const d = 20 * 15 ** rnd(); // 20–300 m across
    let cx = 0;
    let cy = 0;
    let across: string | null = null;
    if (i % 5 === 0) {
      // across an edge of a huge polygon: centred on a vertex of one of its rings (the outer ring 4 times in 5)
      const layer = HUGE_LAYER_IDS[edgeNo % HUGE_LAYER_IDS.length]!;
      const own = rings.filter((r) => r.layer_id === layer);
      const featureIds = [...new Set(own.map((r) => r.id as number))];
      const fid = featureIds[Math.floor(edgeNo / HUGE_LAYER_IDS.length) % featureIds.length]!;
      const fr = own.filter((r) => r.id === fid);
      const holes = fr.filter((r) => r.k > 0);
      const ring = rnd() < 0.2 && holes.length ? holes[Math.floor(rnd() * holes.length)]! : fr[0]!;
      edgeNo++;
      for (let attempt = 0; ; attempt++) {
        if (attempt > 200) throw new Error(`no vertex of ${ring.source_ref} ring ${ring.k} lies inside the square`);
        const k = 1 + Math.floor(rnd() * (Number(ring.n) - 1));
        const { rows } = await c.query(
          `SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_PointN(CASE WHEN $2 = 0 THEN ST_ExteriorRing(geom) ELSE ST_InteriorRingN(geom, $2) END, $3) AS p FROM constraint_feature WHERE id = $1) s`,
          [fid, ring.k, k],
        );
        cx = rows[0].x;
        cy = rows[0].y;
        if (inSquare(cx, cy, SITE_MARGIN)) break;
      }
      across = `${ring.source_ref} ${ring.k === 0 ? 'outer ring' : `hole ${ring.k}`}`;
    } else if (rnd() < 0.6) {
      const t = Math.floor(rnd() * towns.x.length);
      do {
        const g = Math.sqrt(-2 * Math.log(1 - rnd()));
        const a = 2 * Math.PI * rnd();
        cx = towns.x[t]! + towns.sigma[t]! * g * Math.cos(a);
        cy = towns.y[t]! + towns.sigma[t]! * g * Math.sin(a);
      } while (!inSquare(cx, cy, SITE_MARGIN));
    } else {
      cx = SQUARE.minX + SITE_MARGIN + (100_000 - 2 * SITE_MARGIN) * rnd();
      cy = SQUARE.minY + SITE_MARGIN + (100_000 - 2 * SITE_MARGIN) * rnd();
    }
    let ring = siteRing(rnd, cx, cy, d);
    let geojson = JSON.stringify({ type: 'Polygon', coordinates: [ring] });
    for (let tries = 0; ; tries++) {
      const { rows } = await c.query(`SELECT ST_IsValid(ST_SetSRID(ST_GeomFromGeoJSON($1), 27700)) AS ok`, [geojson]);
      if (rows[0].ok) break;
      if (tries > 20) throw new Error(`could not make a valid site ${i}`);
      ring = siteRing(rnd, cx, cy, d);
      geojson = JSON.stringify({ type: 'Polygon', coordinates: [ring] });
    }
    await c.query(`INSERT INTO bench_site VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($3), 27700))`, [
      i,
      across,
      geojson,
    ]);
    stats.total++;
    if (across) stats.across++;
    stats.vMin = Math.min(stats.vMin, ring.length - 1);
    stats.vMax = Math.max(stats.vMax, ring.length - 1);
    stats.dMin = Math.min(stats.dMin, d);
    stats.dMax = Math.max(stats.dMax, d);
  }
  return stats;
}

async function collectStats(
  c: pg.Client,
  scale: number,
  phases: Record<string, number>,
  sites: SiteStats,
  seconds: number,
): Promise<GeneratedData> {
  const q = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows[0];
  const huge = await q(
    `SELECT count(*)::int AS n, min(ST_NPoints(geom))::int AS vmin, max(ST_NPoints(geom))::int AS vmax, sum(ST_NPoints(geom))::bigint AS vsum FROM constraint_feature WHERE layer_id = ANY($1)`,
    [HUGE_LAYER_IDS],
  );
  const polyIds = POLYGON_LAYERS.map((l) => layerId(l.name));
  const pointIds = POINT_LAYERS.map((l) => layerId(l.name));
  const ord = await q(
    `SELECT count(*)::int AS n, min(ST_NPoints(geom))::int AS vmin, max(ST_NPoints(geom))::int AS vmax, sum(ST_NPoints(geom))::bigint AS vsum FROM constraint_feature WHERE layer_id = ANY($1)`,
    [polyIds],
  );
  const pts = await q(`SELECT count(*)::int AS n FROM constraint_feature WHERE layer_id = ANY($1)`, [pointIds]);
  const raw = await q(`SELECT count(*)::int AS n FROM constraint_feature WHERE layer_id = ANY($1)`, [
    RAW_HUGE_LAYER_IDS,
  ]);
  const pieces = await q(
    `SELECT count(*) FILTER (WHERE layer_id = ANY($1))::int AS huge, count(*) FILTER (WHERE layer_id = ANY($2))::int AS ord,
            count(*) FILTER (WHERE layer_id = ANY($3))::int AS pts, count(*) FILTER (WHERE layer_id = ANY($4))::int AS raw, count(*)::int AS total
     FROM constraint_piece WHERE layer_id LIKE 'bench-%'`,
    [HUGE_LAYER_IDS, polyIds, pointIds, RAW_HUGE_LAYER_IDS],
  );
  const sizes = await q(
    `SELECT pg_total_relation_size('constraint_feature') AS f, pg_total_relation_size('constraint_piece') AS p`,
  );
  const fingerprint = {
    features: (
      await q(
        `SELECT md5(string_agg(id::text || layer_id || source_ref || md5(ST_AsEWKB(geom)) || properties::text, ',' ORDER BY id)) AS m FROM constraint_feature WHERE layer_id LIKE 'bench-%'`,
      )
    ).m,
    pieces: (
      await q(
        `SELECT md5(string_agg(feature_id::text || md5(ST_AsEWKB(geom)), ',' ORDER BY feature_id, md5(ST_AsEWKB(geom)))) AS m FROM constraint_piece WHERE layer_id LIKE 'bench-%'`,
      )
    ).m,
    sites: (
      await q(
        `SELECT md5(string_agg(id::text || coalesce(across_edge, '') || geojson, ',' ORDER BY id)) AS m FROM bench_site`,
      )
    ).m,
    layers: (
      await q(
        `SELECT md5(string_agg(id || definition_hash || feature_count, ',' ORDER BY id)) AS m FROM layer WHERE id LIKE 'bench-%'`,
      )
    ).m,
  };
  return {
    generatorVersion: GENERATOR_VERSION,
    scale,
    generationSeconds: round(seconds, 1),
    phases,
    layers: {
      huge: HUGE_LAYERS.length,
      ordinaryPolygon: POLYGON_LAYERS.length,
      point: POINT_LAYERS.length,
      rawHugeForB1b: HUGE_LAYERS.length,
    },
    features: {
      huge: huge.n,
      ordinaryPolygon: ord.n,
      point: pts.n,
      total: huge.n + ord.n + pts.n,
      rawHugeCopies: raw.n,
    },
    vertices: {
      hugeMin: huge.vmin,
      hugeMax: huge.vmax,
      hugeTotal: Number(huge.vsum),
      ordinaryMin: ord.vmin,
      ordinaryMax: ord.vmax,
      ordinaryTotal: Number(ord.vsum),
      ordinaryMean: round(Number(ord.vsum) / ord.n, 1),
    },
    pieces: {
      huge: pieces.huge,
      ordinaryPolygon: pieces.ord,
      point: pieces.pts,
      rawHuge: pieces.raw,
      total: pieces.total,
    },
    sites: {
      total: sites.total,
      acrossHugeEdges: sites.across,
      verticesMin: sites.vMin,
      verticesMax: sites.vMax,
      acrossMinM: round(sites.dMin, 1),
      acrossMaxM: round(sites.dMax, 1),
    },
    sizesMb: {
      constraint_feature: round(Number(sizes.f) / 2 ** 20, 1),
      constraint_piece: round(Number(sizes.p) / 2 ** 20, 1),
    },
    fingerprint,
  };
}
