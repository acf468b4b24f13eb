/**
 * File to site geometry (POST /api/geometry/convert): a GeoJSON, KML/KMZ, zipped Shapefile, GeoPackage or DXF file
 * is read by GDAL (ogrinfo, then ogr2ogr to GeoJSON in EPSG:27700, run asynchronously), its polygons and closed
 * rings (CAD polylines) are collected and PostGIS unions them into one site geometry. The answer says what was
 * found (layers, features, geometry types, CRS) and what was left out (lines, points, heights).
 * Errors name the file as the user called it: never a temporary path nor GDAL's driver list.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { ensureGdal } from '../layers/loader.ts';
import { buildSiteFromParts } from './repo.ts';

export type FileKind = 'geojson' | 'kml' | 'kmz' | 'shapefile-zip' | 'geopackage' | 'dxf';

export interface ConvertResult {
  geometry: { type: string; coordinates: unknown };
  found: {
    fileType: FileKind;
    layers: string[];
    features: number;
    geometryTypes: string[];
    crs: string;
  };
  warnings: string[];
}

export interface ConvertOptions {
  filename?: string;
  /** the CRS of a file that declares none (DXF, a Shapefile without .prj): EPSG:nnnn; default EPSG:27700 */
  sourceCrs?: string;
  /** ogr2ogr's time limit, ms */
  timeoutMs?: number;
  /** most features read from the file */
  maxFeatures?: number;
}

const EXTENSIONS: Record<string, FileKind> = {
  '.geojson': 'geojson',
  '.json': 'geojson',
  '.kml': 'kml',
  '.kmz': 'kmz',
  '.zip': 'shapefile-zip',
  '.gpkg': 'geopackage',
  '.dxf': 'dxf',
};

const SUPPORTED = 'GeoJSON (.geojson), KML (.kml, .kmz), a zipped Shapefile (.zip), GeoPackage (.gpkg) or DXF (.dxf)';

/** The file's kind from its name, or else from its first bytes. */
export function detectKind(data: Buffer, filename?: string): FileKind {
  const ext = filename ? path.extname(filename).toLowerCase() : '';
  if (ext) {
    const k = EXTENSIONS[ext];
    if (!k) {
      throw new AppError(
        'FILE_TYPE_UNSUPPORTED',
        `"${filename}" is not a file Redline can read a site from: send ${SUPPORTED}.`,
        {
          filename,
          supported: Object.keys(EXTENSIONS),
        },
      );
    }
    return k;
  }
  const head = data.subarray(0, 512).toString('latin1');
  if (head.startsWith('SQLite format 3')) return 'geopackage';
  if (head.startsWith('PK'))
    return data.includes(Buffer.from('.kml')) && !data.includes(Buffer.from('.shp')) ? 'kmz' : 'shapefile-zip';
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{')) return 'geojson';
  if (text.startsWith('<') && /<kml/i.test(data.subarray(0, 4096).toString('utf8'))) return 'kml';
  if (/^0\s*\r?\n\s*SECTION/.test(text)) return 'dxf';
  throw new AppError(
    'FILE_TYPE_UNSUPPORTED',
    `The file's type could not be told from its content: send ${SUPPORTED}, with ?filename= giving its name.`,
    { supported: Object.keys(EXTENSIONS) },
  );
}

interface LayerInfo {
  name: string;
  geometryType: string;
  featureCount: number;
  crs: string | null; // "EPSG:27700", a WKT name, or null when none is declared
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new AppError('GDAL_MISSING', `GDAL could not run (${e.message}).`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Reads `ogrinfo -ro -so -al` output: each layer's name, geometry type, feature count and declared CRS. */
export function parseOgrinfo(text: string): LayerInfo[] {
  const layers: LayerInfo[] = [];
  const blocks = text.split(/^Layer name: /m).slice(1);
  for (const b of blocks) {
    const lines = b.split(/\r?\n/);
    const name = (lines[0] ?? '').trim();
    const geometryType = /^Geometry: (.*)$/m.exec(b)?.[1]?.trim() ?? 'None';
    const featureCount = Number(/^Feature Count: (-?\d+)/m.exec(b)?.[1] ?? -1);
    let crs: string | null = null;
    const wktStart = b.indexOf('Layer SRS WKT:\n');
    if (wktStart >= 0) {
      const rest = b.slice(wktStart + 'Layer SRS WKT:\n'.length);
      if (!rest.startsWith('(unknown)')) {
        const wkt = rest.split(/^(?:Data axis to CRS axis mapping|FID Column|Geometry Column|\S+: )/m)[0] ?? '';
        const ids = [...wkt.matchAll(/^ {4}ID\["EPSG",(\d+)\]/gm)];
        const named = /^[A-Z]+CRS\["([^"]+)"/.exec(wkt) ?? /^[A-Z_]+\["([^"]+)"/.exec(wkt);
        crs = ids.length ? `EPSG:${ids[ids.length - 1]?.[1] ?? ''}` : (named?.[1] ?? 'declared (unnamed)');
      }
    }
    layers.push({ name, geometryType, featureCount, crs });
  }
  return layers;
}

type Geometry = { type: string; coordinates?: unknown; geometries?: Geometry[] };

interface Collected {
  polygons: Geometry[];
  rings: Geometry[];
  openLines: number;
  points: number;
  zValues: number;
  types: Set<string>;
  features: number;
}

/** Drops a third (and fourth) ordinate everywhere, counting non-zero heights. */
function flatten(coords: unknown, c: Collected): unknown {
  if (Array.isArray(coords) && typeof coords[0] === 'number') {
    if (coords.length > 2 && coords[2] !== 0 && coords[2] !== null) c.zValues++;
    return [coords[0], coords[1]];
  }
  return Array.isArray(coords) ? coords.map((x) => flatten(x, c)) : coords;
}

const closedLine = (coords: number[][]) => {
  if (coords.length < 4) return false;
  const a = coords[0] ?? [];
  const b = coords[coords.length - 1] ?? [];
  return a[0] === b[0] && a[1] === b[1];
};

function collect(g: Geometry | null, c: Collected): void {
  if (!g) return;
  c.types.add(g.type);
  switch (g.type) {
    case 'Polygon':
    case 'MultiPolygon':
      c.polygons.push({ type: g.type, coordinates: flatten(g.coordinates, c) });
      break;
    case 'LineString': {
      const coords = flatten(g.coordinates, c) as number[][];
      if (closedLine(coords)) c.rings.push({ type: 'LineString', coordinates: coords });
      else c.openLines++;
      break;
    }
    case 'MultiLineString':
      for (const line of g.coordinates as unknown[]) collect({ type: 'LineString', coordinates: line }, c);
      c.types.delete('LineString');
      c.types.add(g.type);
      break;
    case 'GeometryCollection':
      for (const part of g.geometries ?? []) collect(part, c);
      break;
    default: // Point, MultiPoint
      c.points++;
  }
}

const EPSG = /^EPSG:\d{4,6}$/i;

/** Converts the file; throws AppError for files that cannot be read or hold no area. */
export async function convertFile(db: Knex, data: Buffer, opts: ConvertOptions = {}): Promise<ConvertResult> {
  if (data.length === 0) {
    throw new AppError('VALIDATION_FAILED', 'The request body is empty: send the file as the body.', {
      issues: [{ path: 'body', message: 'is empty' }],
    });
  }
  if (opts.sourceCrs && !EPSG.test(opts.sourceCrs)) {
    throw new AppError('VALIDATION_FAILED', 'sourceCrs is an EPSG code, e.g. EPSG:27700.', {
      issues: [{ path: 'sourceCrs', message: 'must look like EPSG:27700' }],
    });
  }
  const kind = detectKind(data, opts.filename);
  const label = opts.filename ?? `the ${kind} file`;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const maxFeatures = opts.maxFeatures ?? 10_000;
  const warnings: string[] = [];
  ensureGdal();

  // metres with no CRS declared: GDAL would take a GeoJSON for WGS84 (RFC 7946), so say what it is
  let geojsonMetres = false;
  if (kind === 'geojson') {
    let doc: unknown;
    try {
      doc = JSON.parse(data.toString('utf8').replace(/^\uFEFF/, ''));
    } catch {
      throw new AppError('FILE_UNREADABLE', `${label} is not valid JSON, so it cannot be read as GeoJSON.`, {
        filename: opts.filename,
        fileType: kind,
      });
    }
    const hasCrs = typeof doc === 'object' && doc !== null && 'crs' in doc;
    let text: string;
    try {
      text = JSON.stringify((doc as { features?: unknown })?.features ?? doc);
    } catch {
      // nested too deeply to walk (a fuzzer's 10,000 levels): no GeoJSON is
      throw new AppError('FILE_UNREADABLE', `${label} is nested too deeply to be GeoJSON.`, {
        filename: opts.filename,
        fileType: kind,
      });
    }
    const firstNumber = /-?\d+(?:\.\d+)?/.exec(text.replace(/"[^"]*"/g, ''));
    if (!hasCrs && firstNumber && Math.abs(Number(firstNumber[0])) > 180) geojsonMetres = true;
  }

  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'redline-convert-'));
  try {
    const ext = {
      geojson: '.geojson',
      kml: '.kml',
      kmz: '.kmz',
      'shapefile-zip': '.zip',
      geopackage: '.gpkg',
      dxf: '.dxf',
    }[kind];
    const file = path.join(dir, `upload${ext}`);
    await fs.promises.writeFile(file, data);
    const src = kind === 'shapefile-zip' ? `/vsizip/${file}` : file;
    const hide = (s: string) => s.split(dir).join('').split(file).join(label);

    const info = await run('ogrinfo', ['-ro', '-so', '-al', src], timeoutMs);
    if (info.timedOut)
      throw new AppError('FILE_UNREADABLE', `${label} took too long to read.`, {
        filename: opts.filename,
        fileType: kind,
      });
    if (info.code !== 0) {
      throw new AppError(
        'FILE_UNREADABLE',
        `${label} could not be read as ${kind}: the file is damaged or not of that type.`,
        {
          filename: opts.filename,
          fileType: kind,
        },
      );
    }
    const layers = parseOgrinfo(info.stdout).filter((l) => l.geometryType !== 'None');
    if (!layers.length || layers.every((l) => l.featureCount === 0)) {
      throw new AppError('FILE_EMPTY', `${label} has no features with a geometry.`, {
        filename: opts.filename,
        fileType: kind,
        layers: layers.map((l) => l.name),
      });
    }
    const total = layers.reduce((n, l) => n + Math.max(0, l.featureCount), 0);
    if (total > maxFeatures) {
      throw new AppError(
        'FILE_TOO_MANY_FEATURES',
        `${label} has ${total} features; a site file has at most ${maxFeatures}.`,
        {
          filename: opts.filename,
          features: total,
          limit: maxFeatures,
        },
      );
    }

    const c: Collected = {
      polygons: [],
      rings: [],
      openLines: 0,
      points: 0,
      zValues: 0,
      types: new Set(),
      features: 0,
    };
    const crsFound = new Set<string>();
    for (const [i, layer] of layers.entries()) {
      const args = ['-f', 'GeoJSON', '-lco', 'RFC7946=NO', '-lco', 'COORDINATE_PRECISION=3'];
      const assumed = opts.sourceCrs?.toUpperCase() ?? 'EPSG:27700';
      if (kind === 'dxf' || layer.crs === null || (geojsonMetres && !opts.sourceCrs)) {
        args.push('-s_srs', assumed);
        crsFound.add(
          opts.sourceCrs
            ? `${assumed} (given; the file declares none)`
            : `${assumed} (assumed: the file declares none)`,
        );
        if (!opts.sourceCrs) {
          warnings.push(
            `${layers.length > 1 ? `Layer "${layer.name}" of ` : ''}${label} declares no coordinate reference system: read as British National Grid (EPSG:27700); give ?sourceCrs= if it is another.`,
          );
        }
      } else if (opts.sourceCrs) {
        args.push('-s_srs', assumed);
        crsFound.add(`${assumed} (given; the file declares ${layer.crs})`);
      } else {
        crsFound.add(layer.crs ?? 'unknown');
      }
      const out = path.join(dir, `out-${i}.geojson`);
      args.push('-t_srs', 'EPSG:27700', out, src, layer.name);
      const r = await run('ogr2ogr', args, timeoutMs);
      if (r.timedOut || r.code !== 0 || /^ERROR/m.test(r.stderr)) {
        const why = /transform|reproject|coordinate system/i.test(r.stderr)
          ? 'its coordinates could not be transformed to British National Grid'
          : 'GDAL could not convert it';
        throw new AppError('FILE_UNREADABLE', `Layer "${hide(layer.name)}" of ${label} could not be read: ${why}.`, {
          filename: opts.filename,
          fileType: kind,
          layer: layer.name,
        });
      }
      const fc = JSON.parse(await fs.promises.readFile(out, 'utf8')) as {
        features: Array<{ geometry: Geometry | null }>;
      };
      for (const f of fc.features) {
        c.features++;
        collect(f.geometry, c);
      }
    }

    if (c.openLines)
      warnings.push(
        `${c.openLines} open line${c.openLines === 1 ? ' was' : 's were'} ignored: only closed shapes make a site.`,
      );
    if (c.points) warnings.push(`${c.points} point${c.points === 1 ? ' was' : 's were'} ignored.`);
    if (c.zValues) warnings.push(`Heights (Z) on ${c.zValues} vertices were dropped: a site is drawn flat.`);
    if (c.rings.length)
      warnings.push(
        `${c.rings.length} closed line${c.rings.length === 1 ? ' was' : 's were'} made into an area (a ring inside another is a hole).`,
      );

    const geometryTypes = [...c.types].sort();
    const found = {
      fileType: kind,
      layers: layers.map((l) => l.name),
      features: c.features,
      geometryTypes,
      crs: [...crsFound].join('; '),
    };
    if (!c.polygons.length && !c.rings.length) {
      throw new AppError(
        'FILE_NO_POLYGONS',
        `${label} has no polygons or closed shapes to make a site from (it has ${geometryTypes.join(', ') || 'no geometries'}).`,
        {
          filename: opts.filename,
          found,
        },
      );
    }
    const built = await buildSiteFromParts(db, c.polygons, c.rings);
    if (!built.geometry) {
      throw new AppError('FILE_NO_POLYGONS', `The shapes in ${label} enclose no area.`, {
        filename: opts.filename,
        found,
      });
    }
    if (c.polygons.length + c.rings.length > 1) {
      warnings.push(
        `${c.polygons.length + c.rings.length} shapes were joined into one site of ${built.parts} part${built.parts === 1 ? '' : 's'}.`,
      );
    }
    return { geometry: built.geometry, found, warnings };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
