/**
 * Seeded synthetic data for benchmark B3 (tests/bench/render.ts): a dense town in EPSG:27700 over the 4 km × 4 km
 * square 520000..524000 E, 170000..174000 N (clear of the other benchmarks' 400000..500000 E square), the same on
 * every run (a seeded PRNG; feature ids are fixed):
 *
 *  - a street grid of blocks 90–140 m × 54–70 m: most are terraces (houses 4.8–8 m wide, 8–11 m deep, half of them
 *    with a rear extension: 4- or 6-vertex outlines, sharing party walls), some are blocks of flats (star-shaped
 *    outlines of 16–48 vertices), a few are open spaces — about 55,000 property outlines;
 *  - an address point in every house (12% split into 2–3 flats under a PP parent on one point) and a PP parent with
 *    10–60 flats in every block of flats — about 75,000 address points;
 *  - five constraint layers with the repository's definitions and styles (layers/definitions/*.json, ids prefixed
 *    "b3-"): conservation areas (star-shaped, 60–400 vertices), Article 4 direction areas, listed building outlines
 *    (copies of 4% of the houses), protected trees (points in gardens and open spaces) and one flood zone 3 polygon of
 *    250,000 vertices with 4 holes, whose edge crosses the town — subdivided into constraint_piece as the loader does;
 *  - 100 sites (table bench_render_site): house plots (the house's width, from the street to the middle of the block)
 *    in a conservation area and an Article 4 area and near a third constraint; selection radius 30, 50 or 80 m.
 */
import type { Knex } from 'knex';
import fs from 'node:fs';
import path from 'node:path';
import { LayerDefinition } from '../../shared/layer-schema.ts';
import { definitionHash } from '../../server/modules/layers/definitions.ts';
import { repoRoot } from '../../server/config/index.ts';
import { loadBaseLayer, type BaseLayerDefinition } from '../../server/modules/maps/base-layers.ts';
import { prng, round } from './common.ts';

/** Bump when the generated data changes, so BENCH_KEEP=1 regenerates instead of reusing old data. */
export const GENERATOR_VERSION = 5;
export const AUTHORITY_CODE = 'RDT';
const TOWN_SEED = 20_261_103;
export const AREA = { minX: 520_000, minY: 170_000, maxX: 524_000, maxY: 174_000 } as const;
const AREA_WKT = `SRID=27700;POLYGON((${AREA.minX} ${AREA.minY},${AREA.maxX} ${AREA.minY},${AREA.maxX} ${AREA.maxY},${AREA.minX} ${AREA.maxY},${AREA.minX} ${AREA.minY}))`;
/** fixed id ranges: nothing else in a benchmark database uses them */
const PROPERTY_ID0 = 700_000_000;
const UPRN0 = 700_000_000_000;
const FEATURE_ID0 = 7_000_000_000;

/** The constraint layers: [repository definition file, generated id]. Their drawing order is listLayers' (category, id). */
export const LAYERS = [
  ['conservation-area', 'b3-conservation-area'],
  ['article-4-direction-area', 'b3-article-4-direction-area'],
  ['listed-building-outline', 'b3-listed-building-outline'],
  ['tree', 'b3-tree'],
  ['flood-risk-zone-3', 'b3-flood-risk-zone-3'],
] as const;
export const LAYER_IDS = LAYERS.map(([, id]) => id);

export interface RenderData {
  generatorVersion: number;
  generationSeconds: number;
  properties: number;
  houses: number;
  flatBlocks: number;
  addresses: number;
  features: Record<string, number>;
  vertices: Record<string, number>;
  sites: number;
}

type Ring = Array<[number, number]>;
const r2 = (v: number) => Math.round(v * 100) / 100;
const ringWkt = (ring: Ring) => `(${[...ring, ring[0]!].map(([x, y]) => `${r2(x)} ${r2(y)}`).join(',')})`;

/** A closed star-shaped ring (always simple): n vertices at equal angles, radius r·(1 + Σ a·sin(f·θ + φ)) + jitter. */
function starRing(
  rnd: () => number,
  cx: number,
  cy: number,
  r: number,
  n: number,
  amps: number[],
  jitter: number,
  reverse = false,
): Ring {
  const freqs = amps.map((_, i) => [2, 3, 5, 9, 17, 41, 113, 271][i % 8]! + Math.floor(rnd() * 2));
  const phases = amps.map(() => 2 * Math.PI * rnd());
  const ring: Ring = [];
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    let rr = 1;
    for (let i = 0; i < amps.length; i++) rr += amps[i]! * Math.sin(freqs[i]! * t + phases[i]!);
    const rad = r * rr + jitter * (rnd() - 0.5);
    ring.push([cx + rad * Math.cos(t), cy + rad * Math.sin(t)]);
  }
  return reverse ? ring.reverse() : ring;
}

/** A rounded-rectangle ring (superellipse) with jitter: blocks of flats. */
function blockRing(rnd: () => number, cx: number, cy: number, a: number, b: number, n: number): Ring {
  const ring: Ring = [];
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    const c = Math.cos(t);
    const s = Math.sin(t);
    const e = 4;
    const rad = 1 / Math.pow(Math.pow(Math.abs(c) / a, e) + Math.pow(Math.abs(s) / b, e), 1 / e) - rnd() * 0.8;
    ring.push([cx + rad * c, cy + rad * s]);
  }
  return ring;
}

/** The street grid: the blocks' x ranges (columns) and y ranges (rows). The generator's first draws of its PRNG, so
 *  that the base map (ensureBaseMap) finds the same streets without regenerating the town. */
function townGrid(rnd: () => number): { cols: Array<[number, number]>; rows: Array<[number, number]> } {
  const cols: Array<[number, number]> = [];
  for (let x = AREA.minX + 10; ;) {
    const w = 90 + rnd() * 50;
    if (x + w > AREA.maxX - 10) break;
    cols.push([x, x + w]);
    x += w + 12 + rnd() * 4;
  }
  const rows: Array<[number, number]> = [];
  for (let y = AREA.minY + 10; ;) {
    const h = 54 + rnd() * 16;
    if (y + h > AREA.maxY - 10) break;
    rows.push([y, y + h]);
    y += h + 12 + rnd() * 4;
  }
  return { cols, rows };
}

interface House {
  id: number;
  ring: Ring;
  plot: Ring;
  px: number;
  py: number;
  uprns: number[];
}

export async function generate(db: Knex, log: (m: string) => void): Promise<RenderData> {
  const t0 = Date.now();
  const rnd = prng(TOWN_SEED);
  const [{ id: authorityId }] = (
    await db.raw(
      `INSERT INTO authority (code, name, boundary, boundary_source, copyright_statement)
     VALUES (?, 'Render benchmark borough (synthetic)', ST_Multi(ST_Buffer(ST_GeomFromEWKT(?), 500, 'quad_segs=2')),
             'synthetic: 520000..524000 E, 170000..174000 N, buffered 500 m',
             'Contains synthetic data generated for a benchmark. © Render benchmark borough 2026. Not for any other use.')
     ON CONFLICT (code) DO UPDATE SET boundary = EXCLUDED.boundary, copyright_statement = EXCLUDED.copyright_statement RETURNING id`,
      [AUTHORITY_CODE, AREA_WKT],
    )
  ).rows;

  log('  clearing earlier B3 data');
  await db.raw(`DROP TABLE IF EXISTS bench_render_site, bench_render_meta`);
  await db.transaction(async (trx) => {
    await trx.raw(`DELETE FROM constraint_piece WHERE layer_id LIKE 'b3-%'`);
    // their pieces are gone; a superuser skips the foreign key's cascade, which would scan constraint_piece once per
    // feature (it has no index on feature_id: slow when another benchmark's millions of pieces are there too)
    if ((await trx.raw(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows[0]?.rolsuper)
      await trx.raw(`SET LOCAL session_replication_role = replica`);
    await trx.raw(`DELETE FROM constraint_feature WHERE layer_id LIKE 'b3-%'`);
  });
  await db.raw(`DELETE FROM base_feature WHERE layer_id LIKE 'b3-%'`);
  await db.raw(`DELETE FROM base_layer WHERE id LIKE 'b3-%'`);
  await db.raw(`DELETE FROM address WHERE uprn >= ? AND uprn < ?`, [UPRN0, UPRN0 + 100_000_000]);
  await db.raw(`DELETE FROM property WHERE id >= ? AND id < ?`, [PROPERTY_ID0, PROPERTY_ID0 + 100_000_000]);

  // ---- the town: a street grid of blocks
  log('  streets, houses, flats and address points');
  const houses: House[] = [];
  const flats: Array<{ id: number; ring: Ring; px: number; py: number; uprns: number[] }> = [];
  const addresses: Array<{
    uprn: number;
    parent: number | null;
    lines: string[];
    postcode: string;
    cls: string;
    x: number;
    y: number;
  }> = [];
  const trees: Array<[number, number]> = [];
  let propertyId = PROPERTY_ID0;
  let uprn = UPRN0;
  const { cols, rows } = townGrid(rnd);
  const addHouseAddresses = (x: number, y: number, street: string, no: number, postcode: string): number[] => {
    if (rnd() < 0.12) {
      const parent = ++uprn;
      addresses.push({ uprn: parent, parent: null, lines: [`${no} ${street}`, 'Redtown'], postcode, cls: 'PP', x, y });
      const n = 2 + Math.floor(rnd() * 2);
      const out = [parent];
      for (let f = 1; f <= n; f++) {
        addresses.push({
          uprn: ++uprn,
          parent,
          lines: [`Flat ${f}`, `${no} ${street}`, 'Redtown'],
          postcode,
          cls: 'RD06',
          x,
          y,
        });
        out.push(uprn);
      }
      return out;
    }
    addresses.push({ uprn: ++uprn, parent: null, lines: [`${no} ${street}`, 'Redtown'], postcode, cls: 'RD04', x, y });
    return [uprn];
  };
  for (const [ri, [by0, by1]] of rows.entries()) {
    for (const [ci, [bx0, bx1]] of cols.entries()) {
      const kind = rnd();
      const postcode = `RT${1 + (ri % 9)} ${1 + (ci % 9)}${String.fromCharCode(65 + (ri % 26))}${String.fromCharCode(65 + (ci % 26))}`;
      const ym = (by0 + by1) / 2;
      if (kind < 0.04) {
        // open space: trees
        for (let t = 0; t < 40; t++) trees.push([bx0 + 3 + rnd() * (bx1 - bx0 - 6), by0 + 3 + rnd() * (by1 - by0 - 6)]);
        continue;
      }
      if (kind < 0.12) {
        // blocks of flats: one or two courtyard-less blocks, a PP parent and 10–60 flats each
        const two = rnd() < 0.5;
        const parts = two
          ? [
              [bx0, (bx0 + bx1) / 2],
              [(bx0 + bx1) / 2, bx1],
            ]
          : [[bx0, bx1]];
        for (const [x0, x1] of parts) {
          const cx = (x0! + x1!) / 2;
          const a = (x1! - x0!) / 2 - 5 - rnd() * 4;
          const b = (by1 - by0) / 2 - 5 - rnd() * 4;
          const ring = blockRing(rnd, cx, ym, a, b, 16 + Math.floor(rnd() * 33));
          const parent = ++uprn;
          const street = `Block ${ri}-${ci}`;
          addresses.push({
            uprn: parent,
            parent: null,
            lines: [`${street} House`, 'Redtown'],
            postcode,
            cls: 'PP',
            x: r2(cx),
            y: r2(ym),
          });
          const ids = [parent];
          const n = 10 + Math.floor(rnd() * 51);
          for (let f = 1; f <= n; f++) {
            addresses.push({
              uprn: ++uprn,
              parent,
              lines: [`Flat ${f}`, `${street} House`, 'Redtown'],
              postcode,
              cls: 'RD06',
              x: r2(cx),
              y: r2(ym),
            });
            ids.push(uprn);
          }
          flats.push({ id: ++propertyId, ring, px: cx, py: ym, uprns: ids });
        }
        continue;
      }
      // terraces along both long sides, gardens meeting in the middle
      const s = 2 + rnd() * 3;
      for (const side of ['south', 'north'] as const) {
        const street = side === 'south' ? `${ri + 1} Street` : `${ri + 2} Street`;
        let x = bx0 + 2 + rnd() * 4;
        let no = side === 'south' ? 2 : 1;
        for (;;) {
          const w = 4.8 + rnd() * 3.2;
          if (x + w > bx1 - 2) break;
          const d = 8 + rnd() * 3;
          const ext = rnd() < 0.55;
          const ew = w * (0.4 + rnd() * 0.3);
          const ed = 2 + rnd() * 2;
          const left = rnd() < 0.5;
          // in "south" coordinates: the front at y = f, the back at f + d (north), the extension behind
          const f = by0 + s;
          const sgn = side === 'south' ? 1 : -1;
          const Y = (v: number) => (side === 'south' ? v : by0 + by1 - v); // mirror for the north side
          let ring: Ring;
          if (!ext)
            ring = [
              [x, Y(f)],
              [x + w, Y(f)],
              [x + w, Y(f + d)],
              [x, Y(f + d)],
            ];
          else if (left)
            ring = [
              [x, Y(f)],
              [x + w, Y(f)],
              [x + w, Y(f + d)],
              [x + ew, Y(f + d)],
              [x + ew, Y(f + d + ed)],
              [x, Y(f + d + ed)],
            ];
          else
            ring = [
              [x, Y(f)],
              [x + w, Y(f)],
              [x + w, Y(f + d + ed)],
              [x + w - ew, Y(f + d + ed)],
              [x + w - ew, Y(f + d)],
              [x, Y(f + d)],
            ];
          if (sgn < 0) ring.reverse(); // keep every outline counter-clockwise
          const plot: Ring =
            side === 'south'
              ? [
                  [x, by0],
                  [x + w, by0],
                  [x + w, ym],
                  [x, ym],
                ]
              : [
                  [x, ym],
                  [x + w, ym],
                  [x + w, by1],
                  [x, by1],
                ];
          const px = r2(x + w / 2);
          const py = r2(Y(f + d / 2));
          const id = ++propertyId;
          const uprns = addHouseAddresses(px, py, street, no, postcode);
          houses.push({ id, ring, plot, px, py, uprns });
          no += 2;
          x += w;
        }
      }
      const nt = Math.floor(rnd() * 4);
      for (let t = 0; t < nt; t++) trees.push([bx0 + 4 + rnd() * (bx1 - bx0 - 8), ym + (rnd() - 0.5) * 6]);
    }
  }

  const insertProperties = async (items: Array<{ id: number; ring: Ring; uprns: number[] }>, source: string) => {
    for (let i = 0; i < items.length; i += 5000) {
      const part = items.slice(i, i + 5000);
      await db.raw(
        `INSERT INTO property (id, source_ref, uprns, geom, source)
         SELECT id, 'b3-' || id, uprns::bigint[], ST_GeomFromText('MULTIPOLYGON((' || wkt || '))', 27700), ?
         FROM unnest(?::int[], ?::text[], ?::text[]) AS t(id, wkt, uprns)`,
        [source, part.map((h) => h.id), part.map((h) => ringWkt(h.ring)), part.map((h) => `{${h.uprns.join(',')}}`)],
      );
    }
  };
  await insertProperties(houses, 'benchmark B3 (generated)');
  await insertProperties(flats, 'benchmark B3 (generated)');
  for (let i = 0; i < addresses.length; i += 10000) {
    const part = addresses.slice(i, i + 10000);
    await db.raw(
      `INSERT INTO address (uprn, parent_uprn, authority_id, address_lines, postcode, classification, geom, data_version, source)
       SELECT u, p, ?, string_to_array(l, '|'), pc, c, ST_SetSRID(ST_MakePoint(x, y), 27700), 1, 'benchmark B3 (generated)'
       FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::float8[], ?::float8[]) AS t(u, p, l, pc, c, x, y)`,
      [
        authorityId,
        part.map((a) => a.uprn),
        part.map((a) => a.parent),
        part.map((a) => a.lines.join('|')),
        part.map((a) => a.postcode),
        part.map((a) => a.cls),
        part.map((a) => a.x),
        part.map((a) => a.y),
      ],
    );
  }

  // the datasets count as loaded (a neighbour run records their versions)
  await db.raw(
    `UPDATE reference_dataset SET data_version = greatest(data_version, 1), loaded_at = coalesce(loaded_at, now()),
       feature_count = CASE id WHEN 'address' THEN (SELECT count(*) FROM address) ELSE (SELECT count(*) FROM property) END`,
  );

  // ---- constraint layers: the repository's definitions (and styles), under b3- ids
  log('  constraint layers (one flood zone polygon of 250,000 vertices)');
  for (const [file, id] of LAYERS) {
    const raw = JSON.parse(fs.readFileSync(path.join(repoRoot, 'layers', 'definitions', `${file}.json`), 'utf8'));
    const def = LayerDefinition.parse({ ...raw, id, dataset: null });
    await db.raw(
      `INSERT INTO layer (id, title, category, dataset, definition, definition_hash, data_version, source_hash, loaded_at, feature_count, coverage, origin)
       VALUES (?, ?, ?, NULL, ?, ?, 1, ?, now(), 0, ST_Multi(ST_Buffer(ST_GeomFromEWKT(?), 500, 'quad_segs=2')), 'local')
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, category = EXCLUDED.category, definition = EXCLUDED.definition,
         definition_hash = EXCLUDED.definition_hash, data_version = 1, source_hash = EXCLUDED.source_hash, loaded_at = now(), coverage = EXCLUDED.coverage`,
      [
        id,
        def.title,
        def.category,
        JSON.stringify(def),
        definitionHash(def),
        `b3-generator-${GENERATOR_VERSION}`,
        AREA_WKT,
      ],
    );
  }
  let featureId = FEATURE_ID0;
  const features: Array<{ id: number; layer: string; name: string; wkt: string; vertices: number }> = [];
  const polygonWkt = (outer: Ring, holes: Ring[] = []) => `POLYGON(${[outer, ...holes].map(ringWkt).join(',')})`;
  // conservation areas: a 900 m grid, one in most cells (reaching at most 425 m from the cell's centre: they never overlap)
  for (let gx = AREA.minX + 450; gx < AREA.maxX; gx += 900) {
    for (let gy = AREA.minY + 450; gy < AREA.maxY; gy += 900) {
      if (rnd() < 0.25) continue;
      const n = 60 + Math.floor(rnd() * 341);
      const ring = starRing(
        rnd,
        gx + (rnd() - 0.5) * 40,
        gy + (rnd() - 0.5) * 40,
        220 + rnd() * 80,
        n,
        [0.15, 0.1, 0.06, 0.03, 0.01],
        1.5,
      );
      features.push({
        id: ++featureId,
        layer: 'b3-conservation-area',
        name: `Conservation area ${features.length + 1}`,
        wkt: polygonWkt(ring),
        vertices: n,
      });
    }
  }
  // Article 4 direction areas: a 1,400 m grid (reaching at most 690 m from the cell's centre)
  for (let gx = AREA.minX + 700; gx < AREA.maxX; gx += 1400) {
    for (let gy = AREA.minY + 700; gy < AREA.maxY; gy += 1400) {
      const n = 40 + Math.floor(rnd() * 200);
      const ring = starRing(
        rnd,
        gx + (rnd() - 0.5) * 40,
        gy + (rnd() - 0.5) * 40,
        400 + rnd() * 80,
        n,
        [0.2, 0.12, 0.05, 0.02],
        2,
      );
      features.push({
        id: ++featureId,
        layer: 'b3-article-4-direction-area',
        name: `Article 4 area ${features.length + 1}`,
        wkt: polygonWkt(ring),
        vertices: n,
      });
    }
  }
  // listed building outlines: copies of 4% of the houses
  for (const h of houses) {
    if (rnd() < 0.04)
      features.push({
        id: ++featureId,
        layer: 'b3-listed-building-outline',
        name: `Listed building ${h.id}`,
        wkt: polygonWkt(h.ring),
        vertices: h.ring.length,
      });
  }
  // protected trees
  for (const [x, y] of trees)
    features.push({
      id: ++featureId,
      layer: 'b3-tree',
      name: `Tree ${featureId - FEATURE_ID0}`,
      wkt: `POINT(${r2(x)} ${r2(y)})`,
      vertices: 1,
    });
  // flood zone 3: one huge polygon whose edge crosses the south-west of the town, with 4 holes in the town
  {
    const R = 4300;
    const cx = 518_400;
    const cy = 168_300;
    const outer = starRing(rnd, cx, cy, R, 250_000, [0.05, 0.03, 0.015, 0.01, 0.006, 0.004, 0.002, 0.0015], 0.6);
    const holes = [25, 40, 55, 70].map((deg) => {
      const a = (deg * Math.PI) / 180;
      return starRing(
        rnd,
        cx + 0.72 * R * Math.cos(a),
        cy + 0.72 * R * Math.sin(a),
        140,
        3000,
        [0.2, 0.1, 0.05],
        0.4,
        true,
      );
    });
    features.push({
      id: ++featureId,
      layer: 'b3-flood-risk-zone-3',
      name: 'River Red flood zone',
      wkt: polygonWkt(outer, holes),
      vertices: 250_000 + 4 * 3000,
    });
  }
  for (let i = 0; i < features.length; i += 2000) {
    const part = features.slice(i, i + 2000);
    await db.raw(
      `INSERT INTO constraint_feature (id, layer_id, data_version, source_ref, name, properties, geom)
       SELECT id, layer, 1, 'B3-' || id, name, jsonb_build_object('reference', 'B3-' || id), ST_GeomFromText(wkt, 27700)
       FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS t(id, layer, name, wkt)`,
      [part.map((f) => f.id), part.map((f) => f.layer), part.map((f) => f.name), part.map((f) => f.wkt)],
    );
  }
  const bad = (
    await db.raw(
      `SELECT count(*)::int AS n FROM constraint_feature WHERE layer_id LIKE 'b3-%' AND NOT ST_IsValid(geom)`,
    )
  ).rows[0].n;
  if (bad) throw new Error(`the B3 generator made ${bad} invalid constraint features`);
  await db.raw(
    `INSERT INTO constraint_piece (feature_id, layer_id, data_version, geom)
     SELECT f.id, f.layer_id, f.data_version, p.geom
     FROM constraint_feature f,
          LATERAL (SELECT f.geom WHERE GeometryType(f.geom) = 'POINT' UNION ALL SELECT ST_Subdivide(f.geom, 256) WHERE GeometryType(f.geom) <> 'POINT') p(geom)
     WHERE f.layer_id LIKE 'b3-%'`,
  );
  await db.raw(
    `UPDATE layer l SET feature_count = (SELECT count(*) FROM constraint_feature f WHERE f.layer_id = l.id) WHERE id LIKE 'b3-%'`,
  );

  // ---- sites: house plots, seeded
  log('  sites');
  await db.raw(
    `CREATE TABLE bench_render_site (id int PRIMARY KEY, house_id int NOT NULL, radius_m float8 NOT NULL, geom geometry(MultiPolygon, 27700) NOT NULL,
       case_id int, run_id int, check_id int)`,
  );
  // candidates: every house plot well inside the town, in a seeded order; sites: the first 100 that lie in a
  // conservation area and an Article 4 area and have a third constraint (the flood zone, a listed building within
  // 50 m or a protected tree within 15 m), so that every map draws 3–5 constraint layers
  const margin = 300;
  const eligible = houses.filter(
    (h) =>
      h.px > AREA.minX + margin && h.px < AREA.maxX - margin && h.py > AREA.minY + margin && h.py < AREA.maxY - margin,
  );
  for (let i = eligible.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!];
  }
  await db.raw(`CREATE TEMP TABLE bench_render_candidate (ord int, house int, geom geometry)`);
  for (let i = 0; i < eligible.length; i += 5000) {
    const part = eligible.slice(i, i + 5000);
    await db.raw(
      `INSERT INTO bench_render_candidate SELECT ord, house, ST_GeomFromText(wkt, 27700) FROM unnest(?::int[], ?::int[], ?::text[]) AS t(ord, house, wkt)`,
      [part.map((_, j) => i + j), part.map((h) => h.id), part.map((h) => `MULTIPOLYGON((${ringWkt(h.plot)}))`)],
    );
  }
  const has = (layer: string, within: number) =>
    `EXISTS (SELECT 1 FROM constraint_piece f WHERE f.layer_id = '${layer}' AND ST_DWithin(f.geom, c.geom, ${within}))`; // (pieces: small)
  await db.raw(
    `INSERT INTO bench_render_site (id, house_id, radius_m, geom)
     SELECT row_number() OVER (ORDER BY ord), house, (ARRAY[30, 50, 80])[1 + (row_number() OVER (ORDER BY ord) - 1) % 3], geom
     FROM (SELECT c.ord, c.house, c.geom FROM bench_render_candidate c
           WHERE ${has('b3-conservation-area', 0)} AND ${has('b3-article-4-direction-area', 0)}
             AND (${has('b3-flood-risk-zone-3', 0)} OR ${has('b3-listed-building-outline', 50)} OR ${has('b3-tree', 15)})
           ORDER BY c.ord LIMIT 100) s`,
  );
  await db.raw(`DROP TABLE bench_render_candidate`);
  const sites = Number((await db.raw(`SELECT count(*) AS n FROM bench_render_site`)).rows[0].n);
  await db.raw(`ANALYZE property; ANALYZE address; ANALYZE constraint_feature; ANALYZE constraint_piece`);

  const count = (layer: string) => features.filter((f) => f.layer === layer).length;
  const verts = (layer: string) => features.filter((f) => f.layer === layer).reduce((a, f) => a + f.vertices, 0);
  const data: RenderData = {
    generatorVersion: GENERATOR_VERSION,
    generationSeconds: round((Date.now() - t0) / 1000, 1),
    properties: houses.length + flats.length,
    houses: houses.length,
    flatBlocks: flats.length,
    addresses: addresses.length,
    features: Object.fromEntries(LAYER_IDS.map((id) => [id, count(id)])),
    vertices: Object.fromEntries(LAYER_IDS.map((id) => [id, verts(id)])),
    sites,
  };
  await db.raw(`CREATE TABLE bench_render_meta (info jsonb NOT NULL)`);
  await db.raw(`INSERT INTO bench_render_meta VALUES (?)`, [JSON.stringify(data)]);
  return data;
}

export async function existingData(db: Knex): Promise<RenderData | null> {
  if (!(await db.raw(`SELECT to_regclass('bench_render_meta') AS t`)).rows[0].t) return null;
  const row = (await db.raw(`SELECT info FROM bench_render_meta LIMIT 1`)).rows[0];
  if (!row || row.info.generatorVersion !== GENERATOR_VERSION) return null;
  const info = row.info as RenderData;
  const [{ p, a }] = (
    await db.raw(
      `SELECT (SELECT count(*)::int FROM property WHERE id > ? AND id < ?) AS p, (SELECT count(*)::int FROM address WHERE uprn > ? AND uprn < ?) AS a`,
      [PROPERTY_ID0, PROPERTY_ID0 + 100_000_000, UPRN0, UPRN0 + 100_000_000],
    )
  ).rows;
  return p === info.properties && a === info.addresses ? info : null;
}

/** Bump when the base map below changes, so that a kept database reloads it. */
export const BASE_MAP_VERSION = 1;
const BASE_ATTRIBUTION = 'Base map: synthetic streets, river, railway and buildings generated for benchmark B3.';
/** The base layers of the town: [id, kind, title] (definitions as in layers/base/*.json, ids prefixed "b3-"). */
export const BASE_LAYERS = [
  ['b3-roads', 'road', 'Roads'],
  ['b3-railways', 'railway', 'Railway'],
  ['b3-water', 'water', 'Water'],
  ['b3-buildings', 'building', 'Buildings'],
] as const;

export interface BaseMapData {
  version: number;
  loadSeconds: number;
  features: Record<string, number>;
}

/**
 * The town's base map (server/render draws it beneath everything), loaded through the app's own loader
 * (server/modules/maps/base-layers.ts loadBaseLayer: ogr2ogr reads a GeoJSON file in EPSG:27700):
 *  - roads: a centreline down the middle of every street of the grid, named as the addresses name them ("4 Street"
 *    east–west; "3 Avenue" north–south, which no address uses), each the whole width of the town;
 *  - a railway: one line across the town, south-west to north-east;
 *  - water: the River Red, 16 m wide, meandering west to east through the sites 1, 4, 7, … 40 (so that many maps show
 *    it), under the houses it crosses;
 *  - buildings: copies of every property outline, labelled with the house's number (from its address) or a block of
 *    flats' name.
 * Reused when already loaded at this version (BENCH_KEEP=1); generate() clears it.
 */
export async function ensureBaseMap(db: Knex, tmpDir: string, log: (m: string) => void): Promise<BaseMapData> {
  const have = (
    await db.raw(
      `SELECT l.id, l.features FROM base_layer l WHERE l.id LIKE 'b3-%'
         AND EXISTS (SELECT 1 FROM base_feature f WHERE f.layer_id = l.id AND f.source LIKE ?)`,
      [`%-v${BASE_MAP_VERSION}.geojson`],
    )
  ).rows as Array<{ id: string; features: number }>;
  if (have.length === BASE_LAYERS.length) {
    log(`reusing the base map loaded earlier (${have.map((h) => `${h.id} ${h.features}`).join(', ')})`);
    return {
      version: BASE_MAP_VERSION,
      loadSeconds: 0,
      features: Object.fromEntries(have.map((h) => [h.id, h.features])),
    };
  }
  const t0 = Date.now();
  log('loading the base map (roads, railway, river, buildings) through loadBaseLayer');
  const { cols, rows } = townGrid(prng(TOWN_SEED));
  type Feature = { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } };
  const collections: Record<string, Feature[]> = { road: [], railway: [], water: [], building: [] };
  const line = (coords: Array<[number, number]>) => ({
    type: 'LineString',
    coordinates: coords.map(([x, y]) => [r2(x), r2(y)]),
  });
  // east–west streets: "N Street" runs south of row N − 1 (the "south" terraces of row N − 1 face it) …
  for (let i = 0; i <= rows.length; i++) {
    const y = i === 0 ? rows[0]![0] - 7 : i === rows.length ? rows[i - 1]![1] + 7 : (rows[i - 1]![1] + rows[i]![0]) / 2;
    collections.road!.push({
      properties: { name: `${i + 1} Street`, class: 'residential' },
      geometry: line([
        [AREA.minX, y],
        [AREA.maxX, y],
      ]),
    });
  }
  // … and north–south avenues between the columns of blocks
  for (let j = 0; j <= cols.length; j++) {
    const x = j === 0 ? cols[0]![0] - 7 : j === cols.length ? cols[j - 1]![1] + 7 : (cols[j - 1]![1] + cols[j]![0]) / 2;
    collections.road!.push({
      properties: { name: `${j + 1} Avenue`, class: 'residential' },
      geometry: line([
        [x, AREA.minY],
        [x, AREA.maxY],
      ]),
    });
  }
  collections.railway!.push({
    properties: { name: 'Redtown Railway', class: 'rail' },
    geometry: line([
      [AREA.minX, AREA.minY + 400],
      [AREA.maxX, AREA.maxY - 300],
    ]),
  });
  // the river: through every third site of the first 40, west to east, buffered by PostGIS to 16 m wide
  const river = (
    await db.raw(
      `WITH pts AS (SELECT ST_Centroid(geom) AS g FROM bench_render_site WHERE id <= 40 AND id % 3 = 1),
            l AS (SELECT ST_MakeLine(ARRAY[ST_SetSRID(ST_MakePoint(${AREA.minX}, (SELECT avg(ST_Y(g)) FROM pts)), 27700)]
                          || array_agg(g ORDER BY ST_X(g)) || ARRAY[ST_SetSRID(ST_MakePoint(${AREA.maxX}, (SELECT avg(ST_Y(g)) FROM pts)), 27700)]) AS g FROM pts)
       SELECT ST_AsGeoJSON(ST_Buffer(ST_ChaikinSmoothing(ST_Force2D(g), 3), 8, 'quad_segs=4'), 2) AS geojson FROM l`,
    )
  ).rows[0]?.geojson as string | undefined;
  if (river)
    collections.water!.push({ properties: { name: 'River Red', class: 'river' }, geometry: JSON.parse(river) });
  // buildings: the property outlines, numbered as their addresses
  const buildings = (
    await db.raw(
      `SELECT ST_AsGeoJSON(p.geom, 2) AS geojson,
              CASE WHEN a.address_lines[1] ~ '^[0-9]+ ' THEN split_part(a.address_lines[1], ' ', 1) END AS housenumber,
              CASE WHEN a.address_lines[1] !~ '^[0-9]+ ' THEN a.address_lines[1] END AS housename,
              CASE WHEN a.address_lines[1] ~ '^[0-9]+ ' THEN 'house' ELSE 'apartments' END AS class
       FROM property p LEFT JOIN address a ON a.uprn = p.uprns[1]
       WHERE p.id >= ? AND p.id < ? ORDER BY p.id`,
      [PROPERTY_ID0, PROPERTY_ID0 + 100_000_000],
    )
  ).rows as Array<{ geojson: string; housenumber: string | null; housename: string | null; class: string }>;
  for (const b of buildings)
    collections.building!.push({
      properties: { housenumber: b.housenumber, housename: b.housename, class: b.class },
      geometry: JSON.parse(b.geojson),
    });
  const features: Record<string, number> = {};
  for (const [id, kind, title] of BASE_LAYERS) {
    const file = path.join(tmpDir, `${id}-v${BASE_MAP_VERSION}.geojson`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
        features: collections[kind]!.map((f) => ({ type: 'Feature', ...f })),
      }),
    );
    const fields: BaseLayerDefinition['fields'] =
      kind === 'building'
        ? { name: 'housename', class: 'class', label: '{housenumber|housename}' }
        : kind === 'railway'
          ? { name: 'name', class: 'class' }
          : { name: 'name', class: 'class', label: 'name' };
    features[id] = await loadBaseLayer(db, { id, kind, title, fields, attribution: BASE_ATTRIBUTION }, file);
    fs.rmSync(file, { force: true });
  }
  await db.raw(`ANALYZE base_feature`);
  return { version: BASE_MAP_VERSION, loadSeconds: round((Date.now() - t0) / 1000, 1), features };
}
