/**
 * `npm run bench:render` (first part): benchmark B3 of /work/shared/benchmarks.md.
 *
 *  B3  The map PNG of a neighbour letter, A4 portrait at 150 and 300 dpi, scale "fit", in a dense synthetic town
 *      (tests/bench/render-data.ts: ~55,000 property outlines, ~75,000 address points, five constraint layers with
 *      the repository's styles, one of them a 250,000-vertex flood zone polygon; a base map loaded with the app's
 *      loadBaseLayer: the streets' centrelines with their names, a railway, a river and the outlines as buildings with
 *      their house numbers, render-data.ts ensureBaseMap). For each seeded site (a house plot)
 *      the bench makes a case through the API: site, a notification run (adjoining + radius 30, 50 or 80 m) and a
 *      stored constraint check of the five layers.
 *
 *      Redline: GET /api/cases/{id}/maps/neighbours.png?runId=…&checkId=…&dpi=… over HTTP on 127.0.0.1 (bearer token,
 *      one keep-alive socket, like one client), the real app in this process: the base map beneath everything (water,
 *      roads as a grey casing under a white line, the railway, buildings), site, selection area, notified property
 *      outlines, numbered address markers, the check's constraint layers (the hits as snapshotted, 3–5 layers per
 *      site; areas hatched in the layer's colour, each layer at its own angle), labels placed greedily (markers,
 *      constraint features, road names, house numbers), title, scale bar, north arrow, key and copyright, as one PNG.
 *
 *      The floor: MapServer's map2img (Debian mapserver-bin) on a mapfile generated for that map: the same sheet
 *      size in pixels, the same ground extent (from Redline's X-Map-Extent / X-Map-Frame headers, taken once in the
 *      warm-up), RESOLUTION = dpi and DEFRESOLUTION 96 so that the flat styles' CSS-pixel widths and radii mean the
 *      same; the same PostGIS tables (property, recipient, notification_run, constraint_hit) through CONNECTIONTYPE
 *      POSTGIS, clipped to the frame with ST_ClipByBox2D in the layer's DATA like Redline's SQL (a well-set-up
 *      MapServer); the same classes, colours, widths, dashes and circle markers; the base map from base_feature
 *      (water; roads as one LINE layer with a grey and a white style, names along the line with LABEL ANGLE FOLLOW;
 *      the railway's casing and dashes; buildings over the property outlines with their numbers where they fit,
 *      MINFEATURESIZE AUTO); constraint areas hatched with MapServer's hatch symbol (SIZE = Redline's 1.6 mm spacing,
 *      WIDTH its 0.22 mm line, ANGLE the negative of Redline's clockwise angle, in the layer's colour) under the
 *      outline; constraint features labelled with their number and name at a point inside them (as Redline's SQL);
 *      marker labels from the recipient table grouped as Redline groups them (a PL/pgSQL function: the same greedy
 *      2.5 mm rule and "3–7, 9" ranges); MapServer's label cache places the rest by priority; the sheet's title,
 *      subtitle, scale bar, north arrow, and the key and copyright statement as Redline lays them out (compose.ts
 *      sheetPanel) as inline features and labels, in the same DejaVu fonts. One process per map (as map2img is used),
 *      PNG (AGG, zlib level 6).
 *      What differs: MapServer draws each feature's fill then its outline (Redline fills a whole class, then strokes
 *      it), draws text with FreeType's rasteriser (Redline fills glyph outlines), places labels by its own rules, and
 *      strokes the edges of features clipped at the frame (hidden under the frame line).
 *
 *      The warm floor: MapServer's own mapscript (Debian python3-mapscript, installed with apt-get when missing) in
 *      ONE long-running Python process, tests/bench/mapscript-floor.py, fed JSON lines on stdin (mapfile path and
 *      output path; it answers a JSON line with its own timing): the same mapfiles, each loaded with mapscript.mapObj
 *      once in the warm-up and the map object reused, map.draw() and the PNG saved per request, PostGIS connections
 *      kept open between draws (PROCESSING "CLOSE_CONNECTION=DEFER"). So it pays neither process start, mapfile
 *      parsing, font loading nor connecting, as a map server that keeps its maps loaded would not. Timed as the
 *      round trip from here, like the other two. Its whole sheet is compared with map2img's (pixelmatch, threshold
 *      0.1; above 0.1% differing pixels fails the run): they must be the same map.
 *
 *      Interleaved per site, the order rotating site by site and round by round (Redline, map2img, mapscript; then
 *      map2img, mapscript, Redline; then mapscript, Redline, map2img), after a warm-up pass over every site at each
 *      dpi; p50 / p95 per dpi and Redline's ratios to each floor (targets, set against map2img: ≤ 1.5× at 150 dpi,
 *      ≤ 2× at 300 dpi; the same targets are reported against mapscript). The maps are compared on the map
 *      frame (inset by the widest stroke) with pixelmatch (threshold 0.1) after a Gaussian blur of σ 0.8 mm (half
 *      the hatch spacing: hatch lines in another phase and labels placed elsewhere count little): the share of
 *      differing pixels per map (above 5% fails); the unblurred share is reported too.
 *      Sample images of the three and the difference go to tests/bench/results/render-samples/ (not committed).
 *      Then, in-process and not interleaved, where a Redline render's time goes (SQL, scene, SVG, librsvg, PNG).
 *
 * Environment:
 *   BENCH_DATABASE_URL  use this database (benchmark rows are added) instead of a throwaway cluster
 *   BENCH_KEEP=1        keep the embedded cluster in $TMPDIR/redline-bench-keep and reuse its data next time
 *   BENCH_SITES         sites measured (default 30, at most 100)
 *   BENCH_ROUNDS        measured passes over the sites per dpi (default 2)
 *   BENCH_SAMPLES       sites whose images are saved (default 2)
 *   BENCH_PROFILE=0     skip the in-process breakdown
 *   BENCH_PYTHON        the Python that runs mapscript-floor.py (default /usr/bin/python3, then python3 on PATH)
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';
import type { Knex } from 'knex';
import sharp from 'sharp';
import pixelmatch from 'pixelmatch';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { aptInstall } from '../../server/db/embedded.ts';
import { listLayers } from '../../server/modules/layers/definitions.ts';
import { buildScene } from '../../server/modules/maps/service.ts';
import { composeSvg, sheetPanel, type MapScene } from '../../server/render/compose.ts';
import { rasterise } from '../../server/render/raster.ts';
import { metresPerPixel, scaleBarMetres, type Dpi, type Sheet } from '../../server/render/layout.ts';
import { FONT_FILES } from '../../server/render/text.ts';
import type { FlatStyle } from '../../shared/layer-schema.ts';
import { BASE_STYLES, opaque } from '../../server/render/scene.ts';
import { AUTHORITY_CODE, LAYER_IDS, ensureBaseMap, existingData, generate, type RenderData } from './render-data.ts';
import {
  benchLifecycle,
  startBenchApp,
  RESULTS_DIR,
  benchDatabase,
  machine,
  msSince,
  round,
  summarise,
  table,
  writeResults,
  type Summary,
} from './common.ts';

const log = (m: string) => console.log(`[bench:render] ${m}`);
const envInt = (name: string, dflt: number, max: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name}=${v}: must be a whole number from 0 to ${max}`);
  return n;
};
const SITES = envInt('BENCH_SITES', 30, 100);
const ROUNDS = envInt('BENCH_ROUNDS', 2, 100);
const SAMPLES = envInt('BENCH_SAMPLES', 2, 200);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const DPIS: Dpi[] = [150, 300];
const TARGETS: Record<Dpi, number> = { 150: 1.5, 300: 2 };
const SAMPLES_DIR = path.join(RESULTS_DIR, 'render-samples');
/** More differing pixels than this in a map frame means the two maps do not show the same thing. */
const MAX_DIFFERING_PCT = 5;
/** the frames are compared after a Gaussian blur of this σ, in mm of paper: half Redline's hatch spacing (1.6 mm) */
const BLUR_MM = 0.8;
/** mapscript and map2img are the same MapServer on the same mapfile: more than this share of the sheet differing fails */
const MAX_FLOOR_DIFFERING_PCT = 0.1;
const MAPSCRIPT_FLOOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mapscript-floor.py');

// ------------------------------------------------------------------------------------------------ MapServer
function ensureMapServer(): string {
  const find = () => {
    const r = spawnSync('sh', ['-c', 'command -v map2img'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  let bin = find();
  if (!bin) {
    log('map2img is missing: installing mapserver-bin with apt-get');
    if (aptInstall(['mapserver-bin'])) bin = find();
  }
  if (!bin)
    throw new Error(
      'MapServer is not installed: B3 needs map2img. Install it with: sudo apt-get install mapserver-bin',
    );
  return bin;
}

/** A Python that can `import mapscript` (Debian python3-mapscript, for the system Python); installs it if missing. */
function ensureMapscript(): string {
  const candidates = [process.env.BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  const find = () =>
    candidates.find((p) => spawnSync(p, ['-c', 'import mapscript'], { stdio: 'ignore' }).status === 0) ?? null;
  let python = find();
  if (!python) {
    log('mapscript is missing: installing python3-mapscript with apt-get');
    if (aptInstall(['python3-mapscript'])) python = find();
  }
  if (!python)
    throw new Error(
      'MapServer mapscript is not installed: B3 needs it for its warm floor. Install it with: sudo apt-get install python3-mapscript (or set BENCH_PYTHON to a Python that can import mapscript)',
    );
  return python;
}

interface MapscriptAnswer {
  id?: number;
  ready?: boolean;
  version?: string;
  ms?: number;
  loadMs?: number;
  drawMs?: number;
  saveMs?: number;
  reused?: boolean;
  error?: string;
}

/**
 * The warm floor: tests/bench/mapscript-floor.py, one long-running Python process drawing every map with mapscript
 * (each mapfile loaded once, its map object reused, PostGIS connections kept open). `draw` resolves with the round
 * trip's wall time as seen from here (`ms`, what the ratio uses, as map2img's and Redline's are timed from here) and
 * the process's own timing of load + draw + save (`own`).
 */
async function startMapscript(python: string) {
  const child = spawn(python, [MAPSCRIPT_FLOOR], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
  });
  const waiting = new Map<number, { resolve: (a: MapscriptAnswer) => void; reject: (e: Error) => void }>();
  let onReady: { resolve: (a: MapscriptAnswer) => void; reject: (e: Error) => void } | null = null;
  const ready = new Promise<MapscriptAnswer>((resolve, reject) => (onReady = { resolve, reject }));
  let exited: Error | null = null;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = new Error(`mapscript floor exited (${code ?? signal}): ${stderr.slice(-2000)}`);
      onReady?.reject(exited);
      for (const w of waiting.values()) w.reject(exited);
      waiting.clear();
      resolve();
    }),
  );
  child.on('error', (e) => onReady?.reject(e));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let a: MapscriptAnswer;
    try {
      a = JSON.parse(line) as MapscriptAnswer;
    } catch {
      stderr += `\n(unreadable answer) ${line}`;
      return;
    }
    if (a.ready) return onReady?.resolve(a);
    const w = waiting.get(a.id ?? -1);
    if (!w) return;
    waiting.delete(a.id!);
    if (a.error) w.reject(new Error(`mapscript: ${a.error}`));
    else w.resolve(a);
  });
  const version = (await ready).version ?? 'unknown';
  let nextId = 1;
  const draw = (mapfile: string, out: string) =>
    new Promise<{ ms: number; own: MapscriptAnswer }>((resolve, reject) => {
      if (exited) return reject(exited);
      const id = nextId++;
      const t = process.hrtime.bigint();
      waiting.set(id, { resolve: (own) => resolve({ ms: msSince(t), own }), reject });
      child.stdin.write(`${JSON.stringify({ id, mapfile, out })}\n`);
    });
  /** MapServer's own error lines (the mapfiles send them to stderr): throws when there are any */
  const checkErrors = () => {
    if (/error/i.test(stderr)) throw new Error(`mapscript reported: ${stderr.slice(0, 2000)}`);
  };
  const close = async () => {
    if (exited) return;
    child.stdin.end('\n');
    const timer = setTimeout(() => child.kill(), 5000);
    await exit;
    clearTimeout(timer);
  };
  return { version, draw, checkErrors, close };
}

/**
 * Marker labels as Redline draws them (server/render/scene.ts): recipients in number order; each joins the first
 * marker (in the order they were made) within `near_m` metres, else starts one; a marker's label is its numbers as
 * ranges ("3–7, 9"). For MapServer's label layer, over the same recipient table.
 */
const MARKERS_SQL = `
CREATE OR REPLACE FUNCTION bench_b3_ranges(nums int[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(CASE WHEN lo = hi THEN lo::text ELSE lo || '–' || hi END, ', ' ORDER BY lo)
  FROM (SELECT min(n) AS lo, max(n) AS hi FROM (SELECT n, n - row_number() OVER (ORDER BY n) AS g FROM (SELECT DISTINCT unnest(nums) AS n) d) s GROUP BY g) t
$$;
CREATE OR REPLACE FUNCTION bench_b3_markers(p_run int, p_near_m float8)
RETURNS TABLE (id int, label text, geom geometry) LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record;
  xs float8[] := '{}';
  ys float8[] := '{}';
  owner int[] := '{}';
  nums int[] := '{}';
  k int;
  found_k int;
BEGIN
  FOR r IN SELECT number, ST_X(recipient.geom) AS x, ST_Y(recipient.geom) AS y FROM recipient WHERE run_id = p_run ORDER BY number LOOP
    found_k := NULL;
    FOR k IN 1 .. coalesce(array_length(xs, 1), 0) LOOP
      IF sqrt((xs[k] - r.x) ^ 2 + (ys[k] - r.y) ^ 2) <= p_near_m THEN found_k := k; EXIT; END IF;
    END LOOP;
    IF found_k IS NULL THEN
      xs := xs || r.x; ys := ys || r.y; found_k := array_length(xs, 1);
    END IF;
    owner := owner || found_k; nums := nums || r.number;
  END LOOP;
  RETURN QUERY
    SELECT o.k, bench_b3_ranges(array_agg(o.n)), ST_SetSRID(ST_MakePoint(xs[o.k], ys[o.k]), 27700)
    FROM unnest(owner, nums) AS o(k, n) GROUP BY o.k ORDER BY o.k;
END $$;`;

/** A CSS colour of the flat-style subset as r, g, b, alpha (0–1). */
function colour(c: string | undefined): [number, number, number, number] | null {
  if (!c) return null;
  let m = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (m) {
    let h = m[1]!;
    if (h.length <= 4) h = [...h].map((x) => x + x).join('');
    const v = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return [v(0), v(2), v(4), h.length === 8 ? v(6) / 255 : 1];
  }
  m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([0-9.]+)\s*)?\)$/.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
  throw new Error(`colour ${c} is not in the flat-style subset`);
}
const rgb = (c: [number, number, number, number]) => `${c[0]} ${c[1]} ${c[2]}`;
const opacity = (c: [number, number, number, number]) => (c[3] < 1 ? ` OPACITY ${Math.round(c[3] * 100)}` : '');
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const f2 = (v: number) => (Math.round(v * 1000) / 1000).toString();

/** Hatching as Redline draws a constraint area (server/render/scene.ts, compose.ts hatchedArea): lines of `color`,
 *  `width` wide every `spacing` (sheet pixels), at `angle` degrees clockwise (SVG, y down). */
interface Hatch {
  angle: number;
  spacing: number;
  width: number;
  color: string;
}

/** MapServer STYLE blocks for a flat style (CSS pixels; DEFRESOLUTION 96 makes MapServer read them as such); with
 *  `hatch` (in CSS pixels) the fill is MapServer's hatch symbol instead: its SIZE is the spacing of the lines, WIDTH
 *  their width, ANGLE counter-clockwise (y up), so Redline's clockwise angle turns the other way. */
function areaStyles(style: FlatStyle, hatch?: Hatch): string {
  const fill = hatch ? null : colour(style['fill-color']);
  const stroke = colour(style['stroke-color']);
  const width = style['stroke-width'] ?? 1.25;
  const dash = style['stroke-line-dash'];
  const out: string[] = [];
  if (fill) out.push(`STYLE COLOR ${rgb(fill)}${opacity(fill)} END`);
  if (hatch)
    out.push(
      `STYLE SYMBOL "hatch" COLOR ${rgb(colour(hatch.color)!)} SIZE ${f2(hatch.spacing)} WIDTH ${f2(hatch.width)} ANGLE ${f2(-hatch.angle)} END`,
    );
  if (stroke && width > 0) {
    out.push(
      `STYLE OUTLINECOLOR ${rgb(stroke)}${opacity(stroke)} WIDTH ${f2(width)} LINEJOIN ROUND LINECAP ROUND${dash?.length ? ` PATTERN ${dash.map(f2).join(' ')} END` : ''} END`,
    );
  }
  return out.join('\n      ');
}
function pointStyles(style: FlatStyle): string {
  const fill = colour(style['circle-fill-color'] ?? style['fill-color']);
  const stroke = colour(style['circle-stroke-color'] ?? style['stroke-color']);
  const r = style['circle-radius'] ?? 5;
  const sw = style['circle-stroke-width'] ?? style['stroke-width'] ?? 1;
  return `STYLE SYMBOL "circle" SIZE ${f2(2 * r)}${fill ? ` COLOR ${rgb(fill)}${opacity(fill)}` : ''}${stroke && sw > 0 ? ` OUTLINECOLOR ${rgb(stroke)} WIDTH ${f2(sw)}` : ''} END`;
}

interface MapJob {
  siteId: number;
  dpi: Dpi;
  caseId: number;
  runId: number;
  checkId: number;
  reference: string;
  address: string;
  authority: string;
  selectionLabel: string;
  scale: number;
  /** X-Map-Extent: the frame's ground box */
  extent: [number, number, number, number];
  /** X-Map-Frame: the frame in pixels */
  frame: [number, number, number, number];
  widthPx: number;
  heightPx: number;
  /** layers drawn (those with fired hits in the check), in Redline's order, and whether a layer's hits are points */
  layers: Array<{
    id: string;
    title: string;
    style: FlatStyle;
    points: boolean;
    /** Redline's hatching of the layer's areas (sheet pixels), when it hatches them */
    hatch?: Hatch;
    /** the colour Redline writes the layer's feature labels in */
    labelColour: string;
  }>;
  /** base map kinds Redline draws on this map (water, road, railway, building) */
  base: Set<string>;
  /** Redline's scene for this map: the sheet (its panel grown for the key), the key, the copyright statement */
  scene: MapScene;
}

/** Redline's key entries (scene classes with a label) as flat styles for MapServer's swatches. */
function keyStyle(
  job: MapJob,
  id: string,
): { area?: FlatStyle; hatch?: Hatch; point?: FlatStyle; lines?: FlatStyle[] } {
  const B = BASE_STYLES as Record<string, FlatStyle>;
  if (id === 'recipient') return { point: BASE_STYLES.recipient };
  if (id.endsWith('-casing')) return { lines: [B[id]!, B[id.slice(0, -7)]!] };
  if (id === 'boundary') return { lines: [BASE_STYLES.boundary] };
  if (id.startsWith('layer:')) {
    const l = job.layers.find((x) => `layer:${x.id}` === id);
    if (!l) throw new Error(`key entry ${id}: no such layer in the job`);
    return l.points ? { point: l.style } : { area: l.style, hatch: l.hatch };
  }
  if (!B[id]) throw new Error(`key entry ${id}: no style for it in the bench`);
  return { area: B[id] };
}

/** A mapfile for one map: the sheet as Redline lays it out (server/render/compose.ts), the map from PostGIS. */
function mapfile(job: MapJob, connection: string): string {
  const [minX, minY, maxX, maxY] = job.extent;
  const [fx, fy, fw, fh] = job.frame;
  const res = (maxX - minX) / fw;
  // sheet pixel → ground. MapServer divides its EXTENT by SIZE − 1 and (AGG) puts minx at the left edge of the
  // first pixel: so the extent runs from the top left corner of the first pixel to that of the last one (checked:
  // fewest differing pixels against Redline's image, against half-pixel shifts either way)
  const X = (px: number) => minX + (px - fx) * res;
  const Y = (py: number) => maxY - (py - fy) * res;
  const W = job.widthPx;
  const H = job.heightPx;
  const box = `ST_MakeEnvelope(${minX}, ${minY}, ${maxX}, ${maxY}, 27700)`;
  // the sheet as Redline laid it out: its panel grown for the key and the copyright statement
  const sheet: Sheet = job.scene.sheet;
  const k = job.dpi / 25.4;
  const css = 96 / job.dpi; // sheet pixels → CSS pixels (what MapServer sizes are in, with DEFRESOLUTION 96)
  const pt = (points: number) => (points * 96) / 72; // points → CSS pixels
  const halo = (points: number) => `OUTLINECOLOR 255 255 255 OUTLINEWIDTH ${f2(pt(points) * 0.25)}`;
  const layer = (name: string, type: string, data: string, classes: string, extra = '') => `
  LAYER
    NAME ${q(name)}
    TYPE ${type}
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION ${q(connection)}
    PROCESSING "CLOSE_CONNECTION=DEFER"
    DATA ${q(data)}
    ${extra}
    ${classes}
  END`;
  const layers: string[] = [];
  const siteStyle = BASE_STYLES.site as FlatStyle;
  // the base map beneath everything, as Redline draws it (server/render/scene.ts featureClasses): water, roads (a
  // grey casing under a white line: one LINE layer with two styles, which MapServer draws style by style over all the
  // layer's features, so casings do not cover the junctions), railways, then (over the property outlines) buildings;
  // labels as Redline's (server/render/scene.ts labelRequests): road names along the line, water names, house numbers
  // or names where they fit their building; greedy placement by priority (markers 10, constraint features 8, roads 6,
  // water 5, buildings 4) in MapServer's label cache
  const B = BASE_STYLES as Record<string, FlatStyle>;
  const base = (kind: string) =>
    `geom FROM (SELECT id, ST_ClipByBox2D(geom, ${box}) AS geom, label FROM base_feature WHERE kind = '${kind}' AND geom && ${box}) AS t USING UNIQUE id USING SRID=27700`;
  const lineStyle = (st: FlatStyle) => {
    const c = colour(st['stroke-color'])!;
    const dash = st['stroke-line-dash'];
    return `STYLE COLOR ${rgb(c)} WIDTH ${f2(st['stroke-width'] ?? 1)} LINEJOIN ROUND LINECAP ${dash?.length ? 'BUTT' : 'ROUND'}${dash?.length ? ` PATTERN ${dash.map(f2).join(' ')} END` : ''} END`;
  };
  if (job.base.has('water'))
    layers.push(
      layer(
        'base-water',
        'POLYGON',
        base('water'),
        `LABELITEM "label"
    CLASS NAME "Water"
      ${areaStyles(B['base:water']!)}
      LABEL TYPE TRUETYPE FONT "regular" SIZE 6.5 COLOR 29 93 144 ${halo(6.5)} POSITION CC PARTIALS FALSE PRIORITY 5 END
    END`,
      ),
    );
  if (job.base.has('road'))
    layers.push(
      layer(
        'base-road',
        'LINE',
        base('road'),
        `LABELITEM "label"
    CLASS NAME "Roads"
      ${lineStyle(B['base:road-casing']!)}
      ${lineStyle(B['base:road']!)}
      LABEL TYPE TRUETYPE FONT "regular" SIZE 6.5 COLOR 51 51 51 ${halo(6.5)} ANGLE FOLLOW POSITION CC PARTIALS FALSE PRIORITY 6 END
    END`,
      ),
    );
  if (job.base.has('railway'))
    layers.push(
      layer(
        'base-railway',
        'LINE',
        base('railway'),
        `CLASS NAME "Railway"
      ${lineStyle(B['base:railway-casing']!)}
      ${lineStyle(B['base:railway']!)}
    END`,
      ),
    );
  layers.push(
    layer(
      'property',
      'POLYGON',
      `geom FROM (SELECT id, ST_ClipByBox2D(geom, ${box}) AS geom FROM property WHERE geom && ${box}) AS t USING UNIQUE id USING SRID=27700`,
      `CLASS NAME "Property outlines"\n      ${areaStyles(BASE_STYLES.property)}\n    END`,
    ),
  );
  if (job.base.has('building'))
    layers.push(
      layer(
        'base-building',
        'POLYGON',
        base('building'),
        `LABELITEM "label"
    CLASS NAME "Buildings"
      ${areaStyles(B['base:building']!)}
      LABEL TYPE TRUETYPE FONT "regular" SIZE 5.5 COLOR 80 90 95 ${halo(5.5)} POSITION CC MINFEATURESIZE AUTO PARTIALS FALSE PRIORITY 4 END
    END`,
      ),
    );
  layers.push(
    layer(
      'notified',
      'POLYGON',
      `geom FROM (SELECT pr.id, ST_ClipByBox2D(pr.geom, ${box}) AS geom FROM property pr WHERE pr.geom && ${box} AND EXISTS (SELECT 1 FROM recipient r WHERE r.run_id = ${job.runId} AND r.geom && pr.geom AND ST_Intersects(r.geom, pr.geom))) AS t USING UNIQUE id USING SRID=27700`,
      `CLASS NAME "Properties with a notified address"\n      ${areaStyles(BASE_STYLES.notified)}\n    END`,
    ),
  );
  for (const l of job.layers) {
    const where = `check_id = ${job.checkId} AND layer_id = '${l.id}' AND fired AND decision IS DISTINCT FROM 'dismissed' AND feature_geom && ${box}`;
    if (l.points) {
      layers.push(
        layer(
          l.id,
          'POINT',
          `geom FROM (SELECT id, feature_geom AS geom FROM constraint_hit WHERE ${where}) AS t USING UNIQUE id USING SRID=27700`,
          `CLASS NAME ${q(l.title)}\n      ${pointStyles(l.style)}\n    END`,
        ),
      );
    } else {
      layers.push(
        layer(
          l.id,
          'POLYGON',
          `geom FROM (SELECT id, ST_ClipByBox2D(feature_geom, ${box}) AS geom FROM constraint_hit WHERE ${where}) AS t USING UNIQUE id USING SRID=27700`,
          `CLASS NAME ${q(l.title)}\n      ${areaStyles(l.style, l.hatch && { ...l.hatch, spacing: l.hatch.spacing * css, width: l.hatch.width * css })}\n    END`,
        ),
      );
    }
  }
  layers.push(
    layer(
      'selection',
      'POLYGON',
      `geom FROM (SELECT id, ST_ClipByBox2D(ST_Buffer(site_geom, (params->>'radiusM')::float8, 32), ${box}) AS geom FROM notification_run WHERE id = ${job.runId}) AS t USING UNIQUE id USING SRID=27700`,
      `CLASS NAME ${q(job.selectionLabel)}\n      ${areaStyles(BASE_STYLES.selection)}\n    END`,
    ),
  );
  layers.push(
    layer(
      'site',
      'POLYGON',
      `geom FROM (SELECT id, ST_ClipByBox2D(site_geom, ${box}) AS geom FROM notification_run WHERE id = ${job.runId}) AS t USING UNIQUE id USING SRID=27700`,
      `CLASS NAME "Site (red line boundary)"\n      ${areaStyles(siteStyle)}\n    END`,
    ),
  );
  // (label SIZE: MapServer hands FreeType SIZE × 96/72 pixels at DEFRESOLUTION, so SIZE is in points here)
  // numbered markers: label 7 pt bold, white halo, to the right of the marker (Redline: x + r + 2 px, baseline + 0.35 em)
  const near = (2.5 * job.scale) / 1000;
  const rec = BASE_STYLES.recipient;
  layers.push(
    layer(
      'recipient',
      'POINT',
      `geom FROM (SELECT id, label, geom FROM bench_b3_markers(${job.runId}, ${near})) AS t USING UNIQUE id USING SRID=27700`,
      `LABELITEM "label"
    CLASS NAME "Notified address (numbered as in the list)"
      ${pointStyles(rec)}
      LABEL TYPE TRUETYPE FONT "bold" SIZE 7 COLOR 0 0 0 OUTLINECOLOR 255 255 255 OUTLINEWIDTH ${f2(pt(7) * 0.25)}
        POSITION CR OFFSET ${f2(rec['circle-radius'])} 0 FORCE TRUE PARTIALS TRUE PRIORITY 10 END
    END`,
    ),
  );
  // constraint features labelled as Redline labels them (server/modules/maps/repo.ts featureLabelsForMap): the number
  // the check lists the hit by and its name (up to 28 characters), 7 pt bold in the layer's label colour, at a point
  // inside the part of the feature in the frame
  for (const l of job.layers) {
    const c = colour(l.labelColour)!;
    layers.push(
      layer(
        `${l.id}-labels`,
        'POINT',
        `geom FROM (SELECT id, label, geom FROM (SELECT h.id, concat_ws(' ', h.number::text, CASE WHEN length(btrim(h.name)) BETWEEN 1 AND 28 THEN btrim(h.name) END) AS label, CASE WHEN ST_Dimension(h.geom) = 0 THEN ST_PointOnSurface(h.geom) ELSE ST_PointOnSurface(ST_Intersection(ST_MakeValid(h.geom), ${box})) END AS geom FROM (SELECT id, layer_id, row_number() OVER (ORDER BY id) AS number, name, feature_geom AS geom, fired AND decision IS DISTINCT FROM 'dismissed' AS drawn FROM constraint_hit WHERE check_id = ${job.checkId}) h WHERE h.drawn AND h.layer_id = '${l.id}' AND h.geom && ${box}) x WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)) AS t USING UNIQUE id USING SRID=27700`,
        `LABELITEM "label"
    CLASS
      LABEL TYPE TRUETYPE FONT "bold" SIZE 7 COLOR ${rgb(c)} ${halo(7)} POSITION ${l.points ? `CR OFFSET ${f2(pt(4))} 0` : 'CC'} PARTIALS FALSE PRIORITY 8 END
    END`,
      ),
    );
  }

  // ---- the sheet, as compose.ts lays it out: inline features (sheet pixels → ground) and labels
  const inline: string[] = [];
  const rect = (x: number, y: number, w: number, h: number) =>
    `FEATURE POINTS ${f2(X(x))} ${f2(Y(y))} ${f2(X(x + w))} ${f2(Y(y))} ${f2(X(x + w))} ${f2(Y(y + h))} ${f2(X(x))} ${f2(Y(y + h))} ${f2(X(x))} ${f2(Y(y))} END END`;
  const shapeLayer = (name: string, type: string, features: string[], style: string) =>
    `\n  LAYER NAME ${q(name)} TYPE ${type} STATUS ON\n    ${features.join('\n    ')}\n    CLASS ${style} END\n  END`;
  const texts: Array<{
    x: number;
    y: number;
    text: string;
    size: number;
    bold?: boolean;
    anchor?: 'start' | 'middle' | 'end';
  }> = [];
  // frame line
  inline.push(shapeLayer('frame', 'LINE', [rect(fx, fy, fw, fh)], `STYLE COLOR 0 0 0 WIDTH ${f2(0.3 * k * css)} END`));
  // title band
  const titleSize = (14 * job.dpi) / 72;
  const subSize = (9.5 * job.dpi) / 72;
  const tx = sheet.marginMm * k;
  let ty = sheet.marginMm * k + titleSize;
  texts.push({ x: tx, y: ty, text: 'Neighbour notification map', size: 14, bold: true });
  texts.push({ x: fx + fw, y: ty, text: job.authority, size: 9.5, anchor: 'end' });
  for (const line of [`Case ${job.reference}`, job.address]) {
    ty += subSize * 1.45;
    texts.push({ x: tx, y: ty, text: line, size: 9.5 });
  }
  // scale bar, scale line
  const px0 = sheet.panel.x * k;
  const py0 = sheet.panel.y * k + 4 * k;
  const small = (7.5 * job.dpi) / 72;
  const barM = scaleBarMetres(sheet, job.scale);
  const barPx = barM / metresPerPixel(job.scale, job.dpi);
  const barH = 1.6 * k;
  const barY = py0 + small * 1.6;
  const black: string[] = [];
  const white: string[] = [];
  for (let i = 0; i < 4; i++) (i % 2 ? white : black).push(rect(px0 + (barPx * i) / 4, barY, barPx / 4, barH));
  inline.push(
    shapeLayer(
      'scalebar-black',
      'POLYGON',
      black,
      `STYLE COLOR 0 0 0 OUTLINECOLOR 0 0 0 WIDTH ${f2(0.15 * k * css)} END`,
    ),
  );
  inline.push(
    shapeLayer(
      'scalebar-white',
      'POLYGON',
      white,
      `STYLE COLOR 255 255 255 OUTLINECOLOR 0 0 0 WIDTH ${f2(0.15 * k * css)} END`,
    ),
  );
  texts.push({ x: px0, y: barY - small * 0.4, text: '0', size: 7.5, anchor: 'middle' });
  texts.push({ x: px0 + barPx / 2, y: barY - small * 0.4, text: String(barM / 2), size: 7.5, anchor: 'middle' });
  texts.push({ x: px0 + barPx, y: barY - small * 0.4, text: `${barM} m`, size: 7.5 });
  texts.push({
    x: px0,
    y: barY + barH + small * 1.5,
    text: `Scale 1:${job.scale.toLocaleString('en-GB')} at A4 portrait (fitted to the site)`,
    size: 7.5,
  });
  texts.push({ x: px0, y: barY + barH + small * 2.9, text: 'British National Grid (EPSG:27700)', size: 7.5 });
  // north arrow
  const na = 9 * k;
  const nx = fx + fw - na * 0.6;
  const ny = py0 + small * 1.2;
  const tri = (dx: number) =>
    `FEATURE POINTS ${f2(X(nx))} ${f2(Y(ny))} ${f2(X(nx + dx))} ${f2(Y(ny + na))} ${f2(X(nx))} ${f2(Y(ny + na * 0.72))} ${f2(X(nx))} ${f2(Y(ny))} END END`;
  inline.push(shapeLayer('north-left', 'POLYGON', [tri(-na * 0.32)], 'STYLE COLOR 0 0 0 END'));
  inline.push(
    shapeLayer(
      'north-right',
      'POLYGON',
      [tri(na * 0.32)],
      `STYLE COLOR 255 255 255 OUTLINECOLOR 0 0 0 WIDTH ${f2(0.2 * k * css)} END`,
    ),
  );
  texts.push({ x: nx, y: ny + na + small * 1.3, text: 'N', size: 7.5, bold: true, anchor: 'middle' });
  // key and copyright statement: Redline's own panel layout (server/render/compose.ts sheetPanel): the same entries,
  // swatches, wrapped lines and type sizes in the same places
  const panel = sheetPanel(job.scene);
  const keySize = (panel.key.size * 72) / job.dpi;
  const legend = job.scene.classes.filter((c) => c.label);
  if (legend.length)
    texts.push({
      x: panel.key.heading.x,
      y: panel.key.heading.y,
      text: panel.key.heading.text,
      size: keySize,
      bold: true,
    });
  legend.forEach((c, i) => {
    const e = panel.key.entries[i]!;
    const { x, y, w, h } = e.swatch;
    const st = keyStyle(job, c.id);
    if (st.point)
      inline.push(
        shapeLayer(
          `key-${i}`,
          'POINT',
          [`FEATURE POINTS ${f2(X(x + w / 2))} ${f2(Y(y + h / 2))} END END`],
          pointStyles(st.point),
        ),
      );
    else if (st.lines)
      inline.push(
        shapeLayer(
          `key-${i}`,
          'LINE',
          [`FEATURE POINTS ${f2(X(x))} ${f2(Y(y + h / 2))} ${f2(X(x + w))} ${f2(Y(y + h / 2))} END END`],
          st.lines
            .map((ls) => {
              const lc = colour(ls['stroke-color'])!;
              const dash = ls['stroke-line-dash'];
              return `STYLE COLOR ${rgb(lc)} WIDTH ${f2(ls['stroke-width'] ?? 1)}${dash?.length ? ` LINECAP BUTT PATTERN ${dash.map((v) => f2(v / 2)).join(' ')} END` : ''} END`;
            })
            .join(' '),
        ),
      );
    else
      inline.push(
        shapeLayer(
          `key-${i}`,
          'POLYGON',
          [rect(x, y, w, h)],
          areaStyles(
            st.area!,
            st.hatch && { ...st.hatch, spacing: st.hatch.spacing * css, width: st.hatch.width * css },
          ),
        ),
      );
    for (const l of e.lines) texts.push({ x: l.x, y: l.y, text: l.text, size: keySize });
  });
  const copySize = (panel.copyright.size * 72) / job.dpi;
  for (const l of panel.copyright.lines) texts.push({ x: l.x, y: l.y, text: l.text, size: copySize });
  // text: one layer per font, size and anchor; the point is the baseline's anchor (UR/UC/UL put the label's
  // lower corner there: close to a baseline)
  const groups = new Map<string, string[]>();
  for (const t of texts) {
    const key = `${t.bold ? 'bold' : 'regular'}|${t.size}|${t.anchor ?? 'start'}`;
    const list = groups.get(key) ?? [];
    list.push(`FEATURE POINTS ${f2(X(t.x))} ${f2(Y(t.y))} END TEXT ${q(t.text)} END`);
    groups.set(key, list);
  }
  let gi = 0;
  for (const [key, features] of groups) {
    const [font, size, anchor] = key.split('|');
    const position = anchor === 'middle' ? 'UC' : anchor === 'end' ? 'UL' : 'UR';
    inline.push(
      shapeLayer(
        `text-${gi++}`,
        'POINT',
        features,
        `LABEL TYPE TRUETYPE FONT "${font}" SIZE ${size} COLOR 0 0 0 POSITION ${position} FORCE TRUE PARTIALS TRUE END`,
      ),
    );
  }

  return `MAP
  NAME "b3"
  SIZE ${W} ${H}
  EXTENT ${f2(X(0))} ${f2(Y(H - 1))} ${f2(X(W - 1))} ${f2(Y(0))}
  UNITS METERS
  RESOLUTION ${job.dpi}
  DEFRESOLUTION 96
  IMAGECOLOR 255 255 255
  IMAGETYPE "png"
  FONTSET ${q(FONTSET_FILE)}
  CONFIG "MS_ERRORFILE" "stderr"
  OUTPUTFORMAT
    NAME "png"
    DRIVER "AGG/PNG"
    MIMETYPE "image/png"
    IMAGEMODE RGB
    EXTENSION "png"
    FORMATOPTION "COMPRESSION=6"
  END
  SYMBOL NAME "circle" TYPE ELLIPSE FILLED TRUE POINTS 1 1 END END
  SYMBOL NAME "hatch" TYPE HATCH END
${layers.join('\n')}
${inline.join('\n')}
END
`;
}

let FONTSET_FILE = '';

/** Runs map2img once; resolves with the wall time and the image. */
function runMap2img(bin: string, file: string, out: string): Promise<{ ms: number; image: Buffer }> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(bin, ['-m', file, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = msSince(t);
      if (code !== 0) return reject(new Error(`map2img exited with ${code}: ${err.slice(0, 2000)}`));
      if (/error/i.test(err)) return reject(new Error(`map2img reported: ${err.slice(0, 2000)}`));
      resolve({ ms, image: fs.readFileSync(out) });
    });
  });
}

// ------------------------------------------------------------------------------------------------ HTTP client
function httpClient(port: number, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method: string, p: string, body?: unknown) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: p,
          method,
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(120_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(data);
    });
  const json = async (method: string, p: string, body?: unknown) => {
    const r = await request(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 500)}`);
    return JSON.parse(r.body.toString('utf8'));
  };
  return { request, json, close: () => agent.destroy() };
}

// ------------------------------------------------------------------------------------------------ comparing
interface Compared {
  differingPct: number;
  width: number;
  height: number;
  diff?: Buffer;
}
async function compareFrames(
  a: Buffer,
  b: Buffer,
  frame: [number, number, number, number],
  inset: number,
  withDiff: boolean,
  blurSigma = 0,
): Promise<Compared> {
  const [fx, fy, fw, fh] = frame;
  const left = Math.ceil(fx) + inset;
  const top = Math.ceil(fy) + inset;
  const width = Math.floor(fx + fw) - inset - left;
  const height = Math.floor(fy + fh) - inset - top;
  const raw = async (img: Buffer) => {
    const cut = sharp(img).extract({ left, top, width, height }).removeAlpha();
    // (a blur: extract to a buffer first, sharp would blur before extracting)
    const im = blurSigma > 0 ? sharp(await cut.png({ compressionLevel: 0 }).toBuffer()).blur(blurSigma) : cut;
    return im.ensureAlpha().raw().toBuffer();
  };
  const [ra, rb] = await Promise.all([raw(a), raw(b)]);
  const out = withDiff ? Buffer.alloc(width * height * 4) : undefined;
  const n = pixelmatch(ra, rb, out, width, height, { threshold: 0.1 });
  const diff = out
    ? await sharp(out, { raw: { width, height, channels: 4 } })
        .png()
        .toBuffer()
    : undefined;
  return { differingPct: round((100 * n) / (width * height), 2), width, height, diff };
}

// ------------------------------------------------------------------------------------------------------ main
interface SiteCase {
  id: number;
  caseId: number;
  runId: number;
  checkId: number;
  reference: string;
  address: string;
  radiusM: number;
}

async function makeCases(db: Knex, client: ReturnType<typeof httpClient>): Promise<SiteCase[]> {
  const rows = (
    await db.raw(
      `SELECT s.id, s.radius_m, s.case_id, s.run_id, s.check_id, ST_AsGeoJSON(s.geom) AS geojson,
            (SELECT array_to_string(a.address_lines, ', ') FROM address a JOIN property p ON p.id = s.house_id
             WHERE a.geom && p.geom AND ST_Intersects(a.geom, p.geom) AND a.parent_uprn IS NULL ORDER BY a.uprn LIMIT 1) AS address
     FROM bench_render_site s WHERE s.id <= ? ORDER BY s.id`,
      [SITES],
    )
  ).rows as Array<{
    id: number;
    radius_m: number;
    case_id: number | null;
    run_id: number | null;
    check_id: number | null;
    geojson: string;
    address: string;
  }>;
  const out: SiteCase[] = [];
  for (const r of rows) {
    let { case_id: caseId, run_id: runId, check_id: checkId } = r;
    if (!caseId || !runId || !checkId) {
      const c = await client.json('POST', '/api/cases', {
        kind: 'application',
        applicationType: 'hh',
        description: `B3 benchmark: a rear extension at site ${r.id}`,
        siteAddress: `${r.address}, Redtown`,
        receivedDate: '2026-11-02',
      });
      caseId = c.id as number;
      await client.json('PUT', `/api/cases/${caseId}/site`, { geometry: JSON.parse(r.geojson), crs: 'EPSG:27700' });
      runId = (
        await client.json('POST', `/api/cases/${caseId}/notification-runs`, {
          selection: { adjoining: true, radiusM: r.radius_m },
        })
      ).id as number;
      checkId = (await client.json('POST', `/api/cases/${caseId}/constraint-checks`, { layers: LAYER_IDS }))
        .id as number;
      await db.raw(`UPDATE bench_render_site SET case_id = ?, run_id = ?, check_id = ? WHERE id = ?`, [
        caseId,
        runId,
        checkId,
        r.id,
      ]);
    }
    const ref = (await db('case_record').where({ id: caseId }).first('reference', 'site_address')) as {
      reference: string;
      site_address: string;
    };
    out.push({
      id: r.id,
      caseId,
      runId,
      checkId,
      reference: ref.reference,
      address: ref.site_address,
      radiusM: r.radius_m,
    });
  }
  return out;
}

async function main() {
  const started = Date.now();
  log(
    `B3 map rendering benchmark: ${SITES} sites, ${ROUNDS} rounds, A4 portrait at ${DPIS.join(' and ')} dpi, Redline vs MapServer map2img (one process per map) and mapscript (one warm process)`,
  );
  const map2img = ensureMapServer();
  const msVersion = spawnSync(map2img, ['-v'], { encoding: 'utf8' }).stdout.trim();
  const python = ensureMapscript();
  const database = await benchDatabase(log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-b3-'));
  fs.chmodSync(tmp, 0o700);
  const { cleanups, finish } = benchLifecycle(database, log);
  cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  try {
    const url = database.url;
    const db = createDb(url);
    cleanups.push(() => db.destroy());
    await migrateLatest(db);
    const versions = (await db.raw(`SELECT version() AS v, postgis_full_version() AS p`)).rows[0];
    let data: RenderData | null = await existingData(db);
    const generatedNow = !data;
    if (data) log(`reusing the town generated earlier (${data.properties} outlines, ${data.addresses} addresses)`);
    else {
      log('generating the town (seeded: the same every run)');
      data = await generate(db, log);
      log(
        `generated in ${data.generationSeconds} s: ${data.properties} outlines, ${data.addresses} addresses, features ${JSON.stringify(data.features)}`,
      );
    }
    const baseMap = await ensureBaseMap(db, tmp, log);
    log(
      `base map: ${JSON.stringify(baseMap.features)}${baseMap.loadSeconds ? ` (loaded in ${baseMap.loadSeconds} s)` : ''}`,
    );
    await db.raw(MARKERS_SQL);
    const { id: authorityId } = await db('authority').where({ code: AUTHORITY_CODE }).first('id');

    // the app on 127.0.0.1 with a bearer token, logging as in production to /dev/null
    const app = await startBenchApp(db, url, AUTHORITY_CODE, authorityId, `bench.render.${Date.now()}`);
    cleanups.push(app.close);
    const { port, token, config } = app;
    const client = httpClient(port, token);
    cleanups.push(async () => client.close());
    log(`Redline listening on http://127.0.0.1:${port}`);

    log('cases: site, notification run and constraint check for each site (through the API)');
    const cases = await makeCases(db, client);
    const authority = (await db('authority').where({ id: authorityId }).first('name', 'copyright_statement')) as {
      name: string;
      copyright_statement: string;
    };
    const layerRows = await listLayers(db, [...LAYER_IDS]);

    // MapServer's connection: the same database; the password only in files in a private folder
    const u = new URL(url);
    // (JIT off, as Redline plans its map statement: a large frame's estimate would pass jit_above_cost)
    const connection = `host=${u.hostname} port=${u.port || 5432} dbname=${u.pathname.slice(1)} user=${decodeURIComponent(u.username)} password=${decodeURIComponent(u.password)} options='-c jit=off'`;
    FONTSET_FILE = path.join(tmp, 'fonts.txt');
    fs.writeFileSync(FONTSET_FILE, `regular ${FONT_FILES.regular}\nbold ${FONT_FILES.bold}\n`);
    const mapscript = await startMapscript(python);
    cleanups.push(mapscript.close);
    log(`mapscript floor started (${python} ${path.relative(process.cwd(), MAPSCRIPT_FLOOR)})`);

    const redlineUrl = (c: SiteCase, dpi: Dpi) =>
      `/api/cases/${c.caseId}/maps/neighbours.png?runId=${c.runId}&checkId=${c.checkId}&dpi=${dpi}&paper=A4&orientation=portrait&scale=fit`;
    const redline = async (c: SiteCase, dpi: Dpi) => {
      const t = process.hrtime.bigint();
      const r = await client.request('GET', redlineUrl(c, dpi));
      const ms = msSince(t);
      if (r.status !== 200)
        throw new Error(`Redline map for site ${c.id}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 500)}`);
      return { ms, image: r.body, headers: r.headers };
    };

    const results: Array<Record<string, unknown>> = [];
    const mismatches: Array<{ site: number; dpi: number; labelsAgree: boolean; differingPct: number }> = [];
    /** maps where mapscript's sheet is not map2img's */
    const floorMismatches: Array<{ site: number; dpi: number; differingPct: number }> = [];
    type Job = { job: MapJob; file: string; out: string; msOut: string };
    const jobsByDpi = new Map<Dpi, Map<number, Job>>();
    for (const dpi of DPIS) {
      log(`${dpi} dpi: warm-up (every site once through each), mapfiles, pixel comparison`);
      const jobs = new Map<number, Job>();
      jobsByDpi.set(dpi, jobs);
      /** Redline's feature counts per map (X-Map-Counts): base features drawn, labels dropped */
      const baseCounts: Array<Record<string, number>> = [];
      const compared: Array<{
        site: number;
        differingPct: number;
        rawDifferingPct: number;
        redlineBytes: number;
        mapserverBytes: number;
        mapscriptBytes: number;
        mapscriptVsMap2imgPct: number;
        scale: number;
        layers: number;
        recipients: number;
        markers: number;
        labelsAgree: boolean;
      }> = [];
      for (const [i, c] of cases.entries()) {
        const a = await redline(c, dpi);
        const h = a.headers;
        const meta = await sharp(a.image).metadata();
        const fired = (
          await db('constraint_hit')
            .where({ check_id: c.checkId, fired: true })
            .whereRaw("decision IS DISTINCT FROM 'dismissed'")
            .distinct('layer_id')
        ).map((r: { layer_id: string }) => r.layer_id);
        const pointLayers = new Set(
          (
            await db.raw(
              `SELECT layer_id FROM constraint_hit WHERE check_id = ? AND fired GROUP BY layer_id HAVING bool_and(GeometryType(feature_geom) IN ('POINT', 'MULTIPOINT'))`,
              [c.checkId],
            )
          ).rows.map((r: { layer_id: string }) => r.layer_id),
        );
        const extent = String(h['x-map-extent']).split(',').map(Number) as [number, number, number, number];
        const frame = String(h['x-map-frame']).split(',').map(Number) as [number, number, number, number];
        // Redline's scene for this map (the same as the request's): its sheet and key, each layer's hatching and label
        // colour, the base layers it draws, its marker labels
        const built = await buildScene(
          db,
          authorityId,
          'neighbours',
          { paper: 'A4', orientation: 'portrait', scale: 'fit', dpi },
          { kind: 'case', caseId: c.caseId, runId: c.runId, checkId: c.checkId },
          config.MAP_MAX_PIXELS,
        );
        const scene = built.scene;
        const drawnLayers = layerRows
          .filter((l) => fired.includes(l.id))
          .map((l) => {
            const def = l.definition as { style: FlatStyle };
            const cls = scene.classes.find((x) => x.id === `layer:${l.id}`);
            return {
              id: l.id,
              title: l.title,
              style: def.style,
              points: pointLayers.has(l.id),
              hatch: cls?.hatch
                ? { angle: cls.hatch.angle, spacing: cls.hatch.spacing, width: cls.hatch.width, color: cls.hatch.color }
                : undefined,
              labelColour:
                scene.labels.find((x) => x.of === `layer:${l.id}`)?.fill ??
                opaque(def.style['circle-fill-color'] ?? def.style['stroke-color'] ?? '#0b0c0c'),
            };
          });
        const job: MapJob = {
          siteId: c.id,
          dpi,
          caseId: c.caseId,
          runId: c.runId,
          checkId: c.checkId,
          reference: c.reference,
          address: c.address,
          authority: authority.name,
          selectionLabel: `Selection area: within ${c.radiusM} m of the red line`,
          scale: Number(String(h['x-map-scale']).split(':')[1]),
          extent,
          frame,
          widthPx: meta.width!,
          heightPx: meta.height!,
          layers: drawnLayers,
          base: new Set(
            scene.classes
              .filter((x) => x.id.startsWith('base:') && x.d)
              .map((x) => x.id.slice(5).replace(/-casing$/, '')),
          ),
          scene,
        };
        baseCounts.push(built.counts);
        const file = path.join(tmp, `site-${c.id}-${dpi}.map`);
        const out = path.join(tmp, `site-${c.id}-${dpi}.png`);
        const msOut = path.join(tmp, `site-${c.id}-${dpi}-mapscript.png`);
        fs.writeFileSync(file, mapfile(job, connection), { mode: 0o600 });
        jobs.set(c.id, { job, file, out, msOut });
        const b = await runMap2img(map2img, file, out);
        const bMeta = await sharp(b.image).metadata();
        if (bMeta.width !== meta.width || bMeta.height !== meta.height)
          throw new Error(`MapServer made ${bMeta.width}×${bMeta.height}, Redline ${meta.width}×${meta.height}`);
        const inset = Math.ceil((2 * dpi) / 96) + 1;
        // hatching (Redline's lines start from the frame's middle, MapServer's from its own origin) and labels (placed by
        // each by its own rules) cannot agree pixel for pixel: the frames are compared after a Gaussian blur of σ = half
        // the hatch spacing (0.8 mm), which evens the hatching into its tone and softens text; the raw share is reported
        const cmp = await compareFrames(a.image, b.image, frame, inset, i < SAMPLES, BLUR_MM * (dpi / 25.4));
        const cmpRaw = await compareFrames(a.image, b.image, frame, inset, false);
        // the warm floor loads this mapfile now (kept for the measured draws); its whole sheet against map2img's
        await mapscript.draw(file, msOut);
        const cImage = fs.readFileSync(msOut);
        const cmpFloors = await compareFrames(b.image, cImage, [0, 0, meta.width!, meta.height!], 0, false);
        if (cmpFloors.differingPct > MAX_FLOOR_DIFFERING_PCT)
          floorMismatches.push({ site: c.id, dpi, differingPct: cmpFloors.differingPct });
        const [{ n: recipients }] = (
          await db.raw(`SELECT count(*)::int AS n FROM recipient WHERE run_id = ?`, [c.runId])
        ).rows;
        // MapServer's markers and labels (bench_b3_markers) must be Redline's: its scene's labels, in order
        const theirs = (
          await db.raw(`SELECT label FROM bench_b3_markers(?, ?) ORDER BY id`, [c.runId, (2.5 * job.scale) / 1000])
        ).rows.map((r: { label: string }) => r.label);
        // (Redline drops a marker's label rather than overprint the red line: those placed, in order, and those dropped)
        const ours = scene.labels.filter((l) => l.of === 'recipient').map((l) => l.text);
        const droppedMarkers = built.counts['label-dropped:recipient'] ?? 0;
        let at = 0;
        for (const t of theirs) if (at < ours.length && ours[at] === t) at++;
        const labelsAgree = at === ours.length && ours.length + droppedMarkers === theirs.length;
        if (!labelsAgree)
          log(
            `  site ${c.id}: marker labels differ: Redline ${JSON.stringify(ours.slice(0, 12))}…, MapServer's ${JSON.stringify(theirs.slice(0, 12))}…`,
          );
        if (!labelsAgree || cmp.differingPct > MAX_DIFFERING_PCT)
          mismatches.push({ site: c.id, dpi, labelsAgree, differingPct: cmp.differingPct });
        compared.push({
          site: c.id,
          differingPct: cmp.differingPct,
          rawDifferingPct: cmpRaw.differingPct,
          redlineBytes: a.image.length,
          mapserverBytes: b.image.length,
          mapscriptBytes: cImage.length,
          mapscriptVsMap2imgPct: cmpFloors.differingPct,
          scale: job.scale,
          layers: drawnLayers.length,
          recipients,
          markers: theirs.length,
          labelsAgree,
        });
        if (i < SAMPLES) {
          fs.mkdirSync(SAMPLES_DIR, { recursive: true });
          fs.writeFileSync(path.join(SAMPLES_DIR, `site-${c.id}-${dpi}dpi-redline.png`), a.image);
          fs.writeFileSync(path.join(SAMPLES_DIR, `site-${c.id}-${dpi}dpi-mapserver.png`), b.image);
          fs.writeFileSync(path.join(SAMPLES_DIR, `site-${c.id}-${dpi}dpi-mapscript.png`), cImage);
          fs.writeFileSync(path.join(SAMPLES_DIR, `site-${c.id}-${dpi}dpi-frame-diff.png`), cmp.diff!);
          fs.writeFileSync(
            path.join(SAMPLES_DIR, `site-${c.id}-${dpi}dpi.map`),
            mapfile(job, 'host=… port=… dbname=… user=… password=…'),
          );
        }
        if (SAMPLES && dpi === 150 && c.id === cases.find((x) => x.radiusM === 80)?.id) {
          // a small pair that is committed: 800 × 600 pixels of the frame around the site, the first with an 80 m radius
          const [fx, fy, fw, fh] = frame;
          const win = {
            left: Math.round(fx + fw / 2 - 400),
            top: Math.round(fy + fh / 2 - 300),
            width: 800,
            height: 600,
          };
          await sharp(a.image)
            .extract(win)
            .png({ compressionLevel: 9 })
            .toFile(path.join(RESULTS_DIR, 'render-sample-redline.png'));
          await sharp(b.image)
            .extract(win)
            .png({ compressionLevel: 9 })
            .toFile(path.join(RESULTS_DIR, 'render-sample-mapserver.png'));
        }
      }

      mapscript.checkErrors();

      // measured: interleaved, the order rotating site by site and round by round (Redline, map2img, mapscript;
      // then map2img, mapscript, Redline; then mapscript, Redline, map2img)
      log(`${dpi} dpi: measuring (${ROUNDS} round(s) over ${cases.length} sites, interleaved)`);
      const aMs: number[] = [];
      const bMs: number[] = [];
      const cMs: number[] = [];
      const cOwn: Record<'ms' | 'drawMs' | 'saveMs', number[]> = { ms: [], drawMs: [], saveMs: [] };
      let cLoaded = 0;
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, c] of cases.entries()) {
          const { file, out, msOut } = jobs.get(c.id)!;
          const runs = [
            async () => aMs.push((await redline(c, dpi)).ms),
            async () => bMs.push((await runMap2img(map2img, file, out)).ms),
            async () => {
              const x = await mapscript.draw(file, msOut);
              cMs.push(x.ms);
              cOwn.ms.push(x.own.ms!);
              cOwn.drawMs.push(x.own.drawMs!);
              cOwn.saveMs.push(x.own.saveMs!);
              if (!x.own.reused) cLoaded++;
            },
          ];
          for (let j = 0; j < runs.length; j++) await runs[(i + r + j) % runs.length]!();
        }
      }
      mapscript.checkErrors();
      if (cLoaded)
        throw new Error(`mapscript loaded ${cLoaded} mapfile(s) again while measuring: each was loaded in the warm-up`);
      const A = summarise(aMs);
      const B = summarise(bMs);
      const C = summarise(cMs);
      const diffs = compared.map((x) => x.differingPct);
      const floorDiffs = compared.map((x) => x.mapscriptVsMap2imgPct);
      const mean = (v: number[]) => round(v.reduce((s, x) => s + x, 0) / v.length, 2);
      const res = {
        dpi,
        redline: A,
        mapserver: B,
        ratioP50: round(A.p50 / B.p50, 2),
        ratioP95: round(A.p95 / B.p95, 2),
        target: TARGETS[dpi],
        met: A.p50 / B.p50 <= TARGETS[dpi] && A.p95 / B.p95 <= TARGETS[dpi],
        mapscript: C,
        mapscriptOwn: {
          loadDrawSave: summarise(cOwn.ms),
          draw: summarise(cOwn.drawMs),
          savePng: summarise(cOwn.saveMs),
        },
        ratioMapscriptP50: round(A.p50 / C.p50, 2),
        ratioMapscriptP95: round(A.p95 / C.p95, 2),
        metMapscript: A.p50 / C.p50 <= TARGETS[dpi] && A.p95 / C.p95 <= TARGETS[dpi],
        mapscriptVsMap2imgDifferingPct: {
          mean: mean(floorDiffs),
          min: Math.min(...floorDiffs),
          max: Math.max(...floorDiffs),
        },
        sheetPx: `${jobs.values().next().value!.job.widthPx} × ${jobs.values().next().value!.job.heightPx}`,
        frameDifferingPct: { mean: mean(diffs), min: Math.min(...diffs), max: Math.max(...diffs) },
        frameDifferingPctUnblurred: {
          mean: mean(compared.map((x) => x.rawDifferingPct)),
          max: Math.max(...compared.map((x) => x.rawDifferingPct)),
        },
        baseMap: Object.fromEntries(
          [...new Set(baseCounts.flatMap((x) => Object.keys(x)))]
            .filter((k) => k.startsWith('base:') || k.startsWith('label-dropped:'))
            .sort()
            .map((k) => [
              k,
              {
                mean: mean(baseCounts.map((x) => x[k] ?? 0)),
                max: Math.max(...baseCounts.map((x) => x[k] ?? 0)),
                maps: baseCounts.filter((x) => x[k]).length,
              },
            ]),
        ),
        pngBytes: {
          redlineMean: Math.round(mean(compared.map((x) => x.redlineBytes))),
          mapserverMean: Math.round(mean(compared.map((x) => x.mapserverBytes))),
          mapscriptMean: Math.round(mean(compared.map((x) => x.mapscriptBytes))),
        },
        scales: Object.fromEntries(
          [...new Set(compared.map((x) => x.scale))]
            .sort((x, y) => x - y)
            .map((s) => [`1:${s}`, compared.filter((x) => x.scale === s).length]),
        ),
        constraintLayersDrawn: {
          mean: mean(compared.map((x) => x.layers)),
          min: Math.min(...compared.map((x) => x.layers)),
          max: Math.max(...compared.map((x) => x.layers)),
        },
        recipients: {
          mean: mean(compared.map((x) => x.recipients)),
          max: Math.max(...compared.map((x) => x.recipients)),
        },
        markers: { mean: mean(compared.map((x) => x.markers)), max: Math.max(...compared.map((x) => x.markers)) },
        labelsAgree: `${compared.filter((x) => x.labelsAgree).length} of ${compared.length} maps`,
        perSite: compared,
      };
      results.push(res);
      log(
        `${dpi} dpi: Redline p50 ${A.p50} / p95 ${A.p95} ms; map2img p50 ${B.p50} / p95 ${B.p95} ms, ratio ${res.ratioP50} / ${res.ratioP95}; mapscript p50 ${C.p50} / p95 ${C.p95} ms, ratio ${res.ratioMapscriptP50} / ${res.ratioMapscriptP95} (target ≤ ${TARGETS[dpi]}×); frame pixels differing from map2img's ${res.frameDifferingPct.mean}% mean; mapscript's sheet against map2img's ${res.mapscriptVsMap2imgDifferingPct.max}% max`,
      );
    }

    // where a Redline render's time goes, in-process (not interleaved: for orientation)
    const breakdown: Record<string, Record<string, Summary>> = {};
    if (PROFILE) {
      const maxPixels = config.MAP_MAX_PIXELS;
      for (const dpi of DPIS) {
        log(`${dpi} dpi: breakdown of a render, in-process, ${Math.min(cases.length, 20)} sites × 2`);
        const steps: Record<string, number[]> = {};
        const add = (k: string, v: number) => (steps[k] ??= []).push(v);
        const sqlTimes = new Map<string, { start: bigint; sql: string }>();
        let sqlByKind: Record<string, number> = {};
        const onQuery = (qd: { __knexQueryUid: string; sql: string }) =>
          sqlTimes.set(qd.__knexQueryUid, { start: process.hrtime.bigint(), sql: qd.sql });
        const onResponse = (_r: unknown, qd: { __knexQueryUid: string }) => {
          const s = sqlTimes.get(qd.__knexQueryUid);
          if (!s) return;
          sqlTimes.delete(qd.__knexQueryUid);
          const kind = /WITH p AS MATERIALIZED/.test(s.sql)
            ? 'SQL map_features'
            : 'SQL other (case, run, recipients, selection area, boxes, authority, sources)';
          sqlByKind[kind] = (sqlByKind[kind] ?? 0) + msSince(s.start);
        };
        db.on('query', onQuery);
        db.on('query-response', onResponse);
        try {
          for (let r = 0; r < 2; r++) {
            for (const c of cases.slice(0, 20)) {
              sqlByKind = {};
              const opts = { paper: 'A4' as const, orientation: 'portrait' as const, scale: 'fit' as const, dpi };
              let t = process.hrtime.bigint();
              const built2 = await buildScene(
                db,
                authorityId,
                'neighbours',
                opts,
                { kind: 'case', caseId: c.caseId, runId: c.runId, checkId: c.checkId },
                maxPixels,
              );
              add('buildScene (all SQL + scene)', msSince(t));
              for (const [k, v] of Object.entries(sqlByKind)) add(k, v);
              t = process.hrtime.bigint();
              const svg = composeSvg(built2.scene);
              add('composeSvg (SVG text, glyph outlines)', msSince(t));
              add('SVG size, kB', svg.length / 1024);
              t = process.hrtime.bigint();
              const rawImg = await sharp(Buffer.from(svg), { density: 72, limitInputPixels: 120_000_000 })
                .raw()
                .toBuffer({ resolveWithObject: true });
              add('librsvg: SVG to pixels (sharp raw)', msSince(t));
              t = process.hrtime.bigint();
              await sharp(rawImg.data, {
                raw: { width: rawImg.info.width, height: rawImg.info.height, channels: rawImg.info.channels },
              })
                .removeAlpha()
                .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
                .toBuffer();
              add('PNG encoding of those pixels (RGB, zlib 6, as raster.ts)', msSince(t));
              t = process.hrtime.bigint();
              await rasterise(svg, 'png', dpi);
              add('rasterise (as the app: SVG to PNG in one pipeline)', msSince(t));
              t = process.hrtime.bigint();
              await client.request('GET', redlineUrl(c, dpi));
              add('HTTP request, whole', msSince(t));
            }
          }
        } finally {
          db.off('query', onQuery);
          db.off('query-response', onResponse);
        }
        breakdown[`${dpi} dpi`] = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarise(v)]));
      }
    }

    const rows: Array<Array<string | number>> = [
      [
        'dpi',
        'sheet px',
        'Redline p50 / p95',
        'map2img p50 / p95',
        'ratio p50 / p95',
        'mapscript p50 / p95',
        'ratio p50 / p95',
        'target',
        'met (map2img / mapscript)',
        'frame px differing from map2img (mean / max %)',
        'mapscript vs map2img sheet (max %)',
        'PNG kB Redline / MapServer',
      ],
      ...results.map((r) => {
        const x = r as {
          dpi: number;
          sheetPx: string;
          redline: Summary;
          mapserver: Summary;
          ratioP50: number;
          ratioP95: number;
          target: number;
          met: boolean;
          mapscript: Summary;
          ratioMapscriptP50: number;
          ratioMapscriptP95: number;
          metMapscript: boolean;
          mapscriptVsMap2imgDifferingPct: { max: number };
          frameDifferingPct: { mean: number; max: number };
          pngBytes: { redlineMean: number; mapserverMean: number };
        };
        return [
          x.dpi,
          x.sheetPx,
          `${x.redline.p50} / ${x.redline.p95}`,
          `${x.mapserver.p50} / ${x.mapserver.p95}`,
          `${x.ratioP50} / ${x.ratioP95}`,
          `${x.mapscript.p50} / ${x.mapscript.p95}`,
          `${x.ratioMapscriptP50} / ${x.ratioMapscriptP95}`,
          `≤ ${x.target}×`,
          `${x.met ? 'yes' : 'NO'} / ${x.metMapscript ? 'yes' : 'NO'}`,
          `${x.frameDifferingPct.mean} / ${x.frameDifferingPct.max}`,
          x.mapscriptVsMap2imgDifferingPct.max,
          `${Math.round(x.pngBytes.redlineMean / 1024)} / ${Math.round(x.pngBytes.mapserverMean / 1024)}`,
        ];
      }),
    ];
    console.log(
      `\nB3 neighbour letter map, A4 portrait, ms (${cases.length} sites × ${ROUNDS} round(s) per dpi, interleaved)\n` +
        table(rows),
    );
    for (const [k, v] of Object.entries(breakdown)) {
      console.log(
        `\nRedline render at ${k}, step by step (in-process), ms\n` +
          table([['step', 'p50', 'p95', 'mean'], ...Object.entries(v).map(([s, m]) => [s, m.p50, m.p95, m.mean])]),
      );
    }
    const file = writeResults('render', {
      benchmark: 'B3 (tests/bench/render.ts)',
      at: new Date().toISOString(),
      machine: machine(),
      postgres: versions.v,
      postgis: versions.p,
      mapserver: msVersion,
      mapscript: mapscript.version,
      settings: {
        sites: cases.length,
        rounds: ROUNDS,
        dpis: DPIS,
        paper: 'A4 portrait',
        scale: 'fit',
        embeddedCluster: database.embedded,
        dataReused: !generatedNow,
      },
      data,
      baseMap,
      redline:
        'GET /api/cases/{id}/maps/neighbours.png?runId&checkId&dpi over HTTP (127.0.0.1, bearer token, one keep-alive socket)',
      floor:
        'map2img -m <generated mapfile> -o <file>: one process per map, PostGIS through CONNECTIONTYPE POSTGIS, AGG PNG (zlib 6); results[].mapserver, ratioP50, ratioP95, met',
      warmFloor:
        'tests/bench/mapscript-floor.py: one long-running Python process (python3-mapscript), the same mapfiles, each loaded once in the warm-up (mapObj kept, PostGIS connections kept open by CLOSE_CONNECTION=DEFER), map.draw() and the PNG saved per request, timed as the JSON-lines round trip from the bench; results[].mapscript, ratioMapscriptP50, ratioMapscriptP95, metMapscript (mapscriptOwn: its own timing)',
      comparison: {
        method: `pixelmatch (threshold 0.1) over the map frame inset by the widest stroke, both blurred (Gaussian, σ ${BLUR_MM} mm: half the hatch spacing, so that the hatching's phase and the labels' places count little); a map fails above ${MAX_DIFFERING_PCT}% differing pixels or when its marker labels differ (frameDifferingPctUnblurred: the same without the blur, for information)`,
        mismatches,
        floors: `mapscript's whole sheet against map2img's, pixelmatch (threshold 0.1); a map fails above ${MAX_FLOOR_DIFFERING_PCT}% differing pixels`,
        floorMismatches,
      },
      results,
      breakdown,
      samples: SAMPLES ? path.relative(RESULTS_DIR, SAMPLES_DIR) : null,
      totalSeconds: round((Date.now() - started) / 1000, 1),
    });
    console.log(`\nresults written to ${file}`);
    if (mismatches.length)
      console.log(`${mismatches.length} map(s) did not match MapServer's: ${JSON.stringify(mismatches.slice(0, 5))}`);
    if (floorMismatches.length)
      console.log(
        `${floorMismatches.length} mapscript map(s) differ from map2img's: ${JSON.stringify(floorMismatches.slice(0, 5))}`,
      );
    process.exitCode = mismatches.length || floorMismatches.length ? 1 : 0;
  } finally {
    await finish();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
