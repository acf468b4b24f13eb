/**
 * Loads or refreshes a constraint layer from GeoPackage, zipped Shapefile, GeoJSON (CRS from the file; CRS84 when
 * none) or planning.data.gov.uk entity GeoJSON / CSV (WKT), through GDAL's ogr2ogr into staging tables, then swaps
 * the new version in with one transaction:
 *  - checks keep answering from the old version until the new one is committed;
 *  - a failed or killed load leaves the old version in place (staging tables are dropped, or reaped next time);
 *  - every load is versioned (data version, source file hash, loaded_at, feature count) and audited;
 *  - features without geometry, with invalid geometry (unless repair), of the wrong geometry type, or outside
 *    every authority are skipped and reported with examples; nothing is repaired unless asked;
 *  - polygons are kept whole for display and area, and subdivided (at most 256 vertices a piece) for checks.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { getLayer } from './definitions.ts';
import { invalidateLayerCache } from './cache.ts';
import * as repo from './repo.ts';
import type { LayerRow } from './repo.ts';
import { cleanGdalText } from './gdal-text.ts';

export interface LoadSource {
  /** path of the file on this machine */
  file: string;
  /** name shown in reports (defaults to the file's base name) */
  label?: string;
  /** layer inside a GeoPackage or zip holding several */
  sourceLayer?: string;
  /** CRS of a file that does not declare one (e.g. a Shapefile without .prj), e.g. EPSG:27700 */
  sourceCrs?: string;
  /** properties set on every feature of this source */
  constants?: Record<string, string>;
}

export interface FieldMap {
  /** source field (or {A}/{B} template) that becomes the feature's reference */
  reference?: string;
  name?: string;
  /** target property ← source field or template, e.g. { "listed-building-grade": "GRADE", "address-text": "{STREET_NUM} {STREET}" } */
  properties?: Record<string, string>;
}

export interface LoadOptions {
  layerId: string;
  sources: LoadSource[];
  fieldMap?: FieldMap;
  repair?: boolean;
  /** where the layer's data is known to be complete: the authorities' boundaries (default) or the data's extent */
  coverage?: 'authority' | 'extent';
  toleranceM?: number;
  actor: Actor;
  requestId?: string;
  onProgress?: (message: string) => void;
  /** where a failure to clean up (drop staging tables) is logged; the load itself does not fail for it */
  log?: Pick<Logger, 'warn'>;
}

export type SkipReason = 'no-geometry' | 'invalid-geometry' | 'wrong-geometry-type' | 'outside-authority' | 'ended';

export interface LoadReport {
  layerId: string;
  dataVersion: number;
  previousVersion: number;
  sourceHash: string;
  sources: Array<{ label: string; features: number; sha256: string }>;
  read: number;
  loaded: number;
  repaired: number;
  skipped: Record<SkipReason, number>;
  skippedExamples: Array<{
    reason: SkipReason;
    source: string;
    fid: number;
    reference: string | null;
    detail: string | null;
  }>;
  pieces: number;
  featureCount: number;
  /** loaded features whose source gave them heights (Z other than 0): stored flat, as constraints are checked in plan */
  heightsDropped: number;
  /** what the load changed from the source that a GIS officer should know (heights dropped), in words */
  notes: string[];
  ms: number;
}

const GDAL_HINT = 'Install GDAL: sudo apt-get install gdal-bin (or bash scripts/install-system-deps.sh).';

export const gdalInstalled = () => {
  const r = spawnSync('ogr2ogr', ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
};

export function ensureGdal(): void {
  if (!gdalInstalled()) throw new AppError('GDAL_MISSING', `GDAL's ogr2ogr is not installed. ${GDAL_HINT}`);
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The path GDAL opens for a file: zips through /vsizip/, everything else as is. */
function gdalPath(file: string): { path: string; options: string[]; defaultCrs?: string } {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(16);
  fs.readSync(fd, head, 0, 16, 0);
  fs.closeSync(fd);
  if (head.subarray(0, 2).toString('latin1') === 'PK') return { path: `/vsizip/${file}`, options: [] };
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') {
    // planning.data.gov.uk CSV: WKT in "geometry" (EPSG:4326), points in "point"
    return {
      path: file,
      options: [
        '-oo',
        'GEOM_POSSIBLE_NAMES=geometry,WKT,wkt',
        '-oo',
        'KEEP_GEOM_COLUMNS=NO',
        '-oo',
        'AUTODETECT_TYPE=NO',
      ],
      defaultCrs: 'EPSG:4326',
    };
  }
  return { path: file, options: [] };
}

function pgConn(db: Knex): { conn: string; password: string } {
  const c = (db.client.config as { connection: { connectionString: string } }).connection;
  const u = new URL(c.connectionString);
  const parts = [
    `host=${u.hostname}`,
    `port=${u.port || '5432'}`,
    `dbname=${decodeURIComponent(u.pathname.slice(1))}`,
    `user=${decodeURIComponent(u.username)}`,
  ];
  return { conn: `PG:${parts.join(' ')}`, password: decodeURIComponent(u.password) };
}

function classifyGdalError(rawStderr: string, label: string): AppError {
  // never the server's paths or GDAL's driver list in an answer
  const stderr = cleanGdalText(rawStderr, label);
  const text =
    stderr
      .trim()
      .split('\n')
      .filter((l) => /ERROR/.test(l))
      .slice(0, 3)
      .join(' ') || stderr.trim().slice(0, 400);
  // (GDAL wraps "source layer has no\ncoordinate system" over two lines)
  if (/no\s+coordinate\s+system|has\s+no\s+SRS/i.test(stderr)) {
    return new AppError(
      'LAYER_FILE_NO_CRS',
      `${label} does not say which coordinate reference system it is in (a Shapefile without its .prj?). Send its CRS, e.g. sourceCrs=EPSG:27700.`,
      { source: label, gdal: text },
    );
  }
  // a CRS PROJ does not know (before the generic test: the failed reprojection that follows says "Invalid")
  if (/crs not found|Failed to process SRS|Failed to import/i.test(stderr)) {
    return new AppError(
      'LAYER_FILE_NO_CRS',
      `${label} declares a coordinate reference system GDAL cannot use: ${text}`,
      { source: label, gdal: text },
    );
  }
  if (
    /Unable to open|not recognized as|not a supported|Couldn't open|failed to open|zip|Invalid|corrupt/i.test(stderr)
  ) {
    return new AppError(
      'LAYER_FILE_UNREADABLE',
      `${label} could not be read as GeoPackage, zipped Shapefile, GeoJSON or CSV: ${text}`,
      { source: label, gdal: text },
    );
  }
  if (/Unable to find|Couldn't fetch requested layer|layer .* not found/i.test(stderr)) {
    return new AppError('LAYER_FILE_UNREADABLE', `${label} has no such layer: ${text}`, { source: label, gdal: text });
  }
  if (/Failed to process SRS|Failed to import|crs/i.test(stderr)) {
    return new AppError(
      'LAYER_FILE_NO_CRS',
      `${label} declares a coordinate reference system GDAL cannot use: ${text}`,
      { source: label, gdal: text },
    );
  }
  return new AppError('LAYER_FILE_UNREADABLE', `${label} could not be loaded: ${text}`, { source: label, gdal: text });
}

function runOgr2ogr(args: string[], password: string, label: string, onProgress?: (m: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ogr2ogr', args, { env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' } });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => onProgress?.(`${label}: ${d.toString().trim()}`));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) =>
      reject(new AppError('GDAL_MISSING', `ogr2ogr could not run (${e.message}). ${GDAL_HINT}`)),
    );
    child.on('close', (code) =>
      code === 0 && !/^ERROR/m.test(stderr) ? resolve() : reject(classifyGdalError(stderr, label)),
    );
  });
}

function fieldsOf(spec: string | undefined): string[] {
  if (!spec) return [];
  if (!spec.includes('{')) return [spec];
  return [...spec.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

const stagingTable = (runId: string, i: number) => `layer_load_${runId}_${i}`;

/** Drops staging tables of loads that were killed (their names carry their start time): older than `hours`. */
export async function reapStagingTables(db: Knex, hours = 6): Promise<string[]> {
  const names = await repo.stagingTableNames(db);
  const cutoff = Date.now() / 1000 - hours * 3600;
  const stale = names.filter((n) => Number(/^layer_load_(\d+)_/.exec(n)?.[1] ?? Infinity) < cutoff);
  for (const n of stale) await repo.dropStagingTable(db, n);
  return stale;
}

interface Staged {
  table: string;
  label: string;
  sha256: string;
  constants: Record<string, string>;
}

/** What one load works with, from start to finish. */
interface LoadJob {
  db: Knex;
  opts: LoadOptions;
  layer: LayerRow;
  fieldMap: FieldMap;
  runId: string;
  progress: (message: string) => void;
}

export async function loadLayer(db: Knex, opts: LoadOptions): Promise<LoadReport> {
  const started = Date.now();
  const layer = await getLayer(db, opts.layerId);
  if (layer.retiredAt)
    throw new AppError(
      'LAYER_RETIRED',
      `Layer "${layer.id}" is retired: it cannot be loaded. Define a new layer instead.`,
      {
        id: layer.id,
        retiredAt: layer.retiredAt,
      },
    );
  if (!opts.sources.length)
    throw new AppError('VALIDATION_FAILED', 'Give at least one source file.', {
      issues: [{ path: 'sources', message: 'empty' }],
    });
  ensureGdal();
  // reaping is housekeeping for loads killed long ago: this load does not depend on it, and the next load tries
  // again, so a failure is logged and the load goes on
  await reapStagingTables(db).catch((e: unknown) => logCleanupError(opts, e, 'could not reap old staging tables'));
  const job: LoadJob = {
    db,
    opts,
    layer,
    fieldMap: opts.fieldMap ?? layer.definition.fieldMap,
    runId: `${Math.floor(Date.now() / 1000)}_${crypto.randomBytes(4).toString('hex')}`,
    progress: opts.onProgress ?? (() => undefined),
  };
  try {
    const staged = await stageSources(job);
    await checkStaged(job, staged);
    job.progress('validating and swapping in the new version');
    const report = await db.transaction((trx) => swapIn(trx, job, staged));
    invalidateLayerCache(); // the new data version (checks would also notice it themselves: ./cache.ts)
    report.ms = Date.now() - started;
    job.progress(
      `loaded ${report.loaded} of ${report.read} features as version ${report.dataVersion} in ${report.ms} ms`,
    );
    return report;
  } finally {
    await dropStagingTables(job);
  }
}

/** Drops this load's staging tables, including that of a source which failed half-way. */
async function dropStagingTables(job: LoadJob): Promise<void> {
  for (let i = 0; i < job.opts.sources.length; i++) {
    // not rethrown: the load's own result or error matters to the caller, and a table left behind is harmless
    // (nothing reads it) and is reaped by a later load (reapStagingTables); the failure is logged
    await repo
      .dropStagingTable(job.db, stagingTable(job.runId, i))
      .catch((e: unknown) => logCleanupError(job.opts, e, 'could not drop a staging table'));
  }
}

function logCleanupError(opts: LoadOptions, err: unknown, message: string): void {
  opts.log?.warn({ err, layer: opts.layerId }, message);
}

/** Reads each source with ogr2ogr into its own staging table, in EPSG:27700. */
async function stageSources(job: LoadJob): Promise<Staged[]> {
  const { conn, password } = pgConn(job.db);
  const staged: Staged[] = [];
  for (const [i, src] of job.opts.sources.entries()) {
    const label = src.label ?? path.basename(src.file);
    if (!fs.existsSync(src.file))
      throw new AppError('LAYER_FILE_UNREADABLE', `${label} does not exist.`, { source: label });
    if (fs.statSync(src.file).size === 0)
      throw new AppError('LAYER_FILE_EMPTY', `${label} is empty (0 bytes).`, { source: label });
    const table = stagingTable(job.runId, i);
    job.progress(`${label}: reading with ogr2ogr`);
    await runOgr2ogr(ogr2ogrArgs(conn, src, table), password, label, job.progress);
    staged.push({ table, label, sha256: sha256(src.file), constants: src.constants ?? {} });
  }
  return staged;
}

function ogr2ogrArgs(conn: string, src: LoadSource, table: string): string[] {
  const g = gdalPath(src.file);
  const sourceCrs = src.sourceCrs ?? g.defaultCrs;
  return [
    '-f',
    'PostgreSQL',
    conn,
    g.path,
    ...(src.sourceLayer ? [src.sourceLayer] : []),
    ...g.options,
    '-nln',
    table,
    '-lco',
    `SCHEMA=${repo.STAGING_SCHEMA}`,
    '-t_srs',
    'EPSG:27700',
    ...(sourceCrs ? ['-s_srs', sourceCrs] : []),
    '-lco',
    'GEOMETRY_NAME=geom',
    '-lco',
    'FID=ogc_fid',
    '-lco',
    'LAUNDER=NO',
    '-lco',
    'SPATIAL_INDEX=NONE',
    '-lco',
    'PRECISION=NO',
    '-nlt',
    'GEOMETRY',
    // XYZ, not XY: a source's heights reach the staging table so the load can say it dropped them (a 2D
    // source reads as Z = 0); incoming keeps the plan (ST_Force2D)
    '-dim',
    'XYZ',
    '-progress',
    '--config',
    'PG_USE_COPY',
    'YES',
  ];
}

/** The staged files hold features, and every mapped field exists in each of them. */
async function checkStaged(job: LoadJob, staged: Staged[]): Promise<void> {
  // a file without features says so, whatever fields are mapped
  let stagedRows = 0;
  for (const s of staged) stagedRows += await repo.stagingRowCount(job.db, s.table);
  if (stagedRows === 0)
    throw new AppError('LAYER_FILE_EMPTY', 'The file has no features. The layer keeps its current data.', {
      sources: staged.map((s) => s.label),
    });
  const { fieldMap } = job;
  const wanted = [
    ...fieldsOf(fieldMap.reference),
    ...fieldsOf(fieldMap.name),
    ...Object.values(fieldMap.properties ?? {}).flatMap(fieldsOf),
  ];
  for (const s of staged) {
    const cols = await repo.stagingColumns(job.db, s.table);
    const missing = wanted.filter((f) => !cols.includes(f));
    if (missing.length) {
      const available = cols.filter((c) => c !== 'geom' && c !== 'ogc_fid');
      throw new AppError(
        'LAYER_FILE_FIELD_MISSING',
        `${s.label} has no field ${missing.map((m) => `"${m}"`).join(', ')}. Its fields are: ${available.join(', ')}.`,
        { source: s.label, missing, available },
      );
    }
  }
}

/** In the load's one transaction: validates the staged features, inserts the new version, makes it current. */
async function swapIn(trx: Knex.Transaction, job: LoadJob, staged: Staged[]): Promise<LoadReport> {
  const { layer, opts } = job;
  const previousVersion = await repo.lockLayerVersion(trx, layer.id);
  const version = previousVersion + 1;
  const read = await validateIncoming(trx, job, staged);
  const loaded = await repo.insertFeatures(trx, layer.id, version, job.fieldMap);
  job.progress(`subdividing ${loaded} features (at most 256 vertices a piece)`);
  const pieces = await repo.insertPieces(trx, layer.id, version);
  const { skipped, examples, repaired, heightsDropped } = await repo.skippedSummary(trx, job.fieldMap);
  const sourceHash = crypto
    .createHash('sha256')
    .update(staged.map((s) => s.sha256).join(','))
    .digest('hex');
  const sources = await Promise.all(
    staged.map(async (s, i) => ({ label: s.label, sha256: s.sha256, features: await repo.incomingCount(trx, i) })),
  );
  const result: LoadReport = {
    layerId: layer.id,
    dataVersion: version,
    previousVersion,
    sourceHash,
    sources,
    read,
    loaded,
    repaired,
    skipped,
    skippedExamples: examples,
    pieces,
    featureCount: loaded,
    heightsDropped,
    notes: heightsDropped ? [heightsNote(heightsDropped)] : [],
    ms: 0,
  };
  // where the data is complete: the authorities (or the data's extent), less the surroundings of every feature
  // skipped as invalid, so a check there says "unknown" instead of a wrong "clear"
  const def = layer.definition;
  await repo.recordLoad(trx, {
    layerId: layer.id,
    version,
    sourceHash,
    featureCount: loaded,
    lastLoad: JSON.stringify({ ...result, ms: undefined }),
    coverage: opts.coverage === 'extent' ? 'extent' : 'authority',
    toleranceM: opts.toleranceM ?? 50,
    expandM: (def.rule.kind === 'within' ? def.rule.distanceM : 0) + 1,
  });
  await auditLoad(trx, job, result);
  return result;
}

/** The words for heights dropped from a load (the report, the job's progress, the staff page). */
export function heightsNote(features: number): string {
  return `Heights (Z) were dropped from ${features} feature${features === 1 ? '' : 's'}: Redline stores and measures everything in plan (2D), so the source's heights are not kept.`;
}

/** Copies the staged features into `incoming` and marks each one skipped, and why; how many were read. */
async function validateIncoming(trx: Knex.Transaction, job: LoadJob, staged: Staged[]): Promise<number> {
  const { layer, opts } = job;
  const def = layer.definition;
  await repo.fillIncoming(trx, staged);
  const read = await repo.incomingCount(trx);
  if (read === 0)
    throw new AppError('LAYER_FILE_EMPTY', 'The file has no features. The layer keeps its current data.', {
      sources: staged.map((s) => s.label),
    });
  await repo.skipWrongGeometry(trx, def.geometryKind);
  const { wrong, withGeom, types } = await repo.geometryTypeCounts(trx);
  if (withGeom > 0 && wrong === withGeom) {
    throw new AppError(
      'LAYER_FILE_WRONG_GEOMETRY',
      `Layer "${layer.id}" holds ${def.geometryKind} features but the file has only ${types.join(', ')}. The layer keeps its current data.`,
      { expected: def.geometryKind, found: types },
    );
  }
  // planning.data.gov.uk end-date / start-date (ISO dates only; other forms stay as text in the properties):
  // a feature that has ended is no longer in force; one that starts in the future is kept and flagged
  await repo.skipInvalidOutsideEnded(trx, Boolean(opts.repair), opts.toleranceM ?? 50);
  return read;
}

async function auditLoad(trx: Knex.Transaction, job: LoadJob, result: LoadReport): Promise<void> {
  const { layer, opts } = job;
  await writeAudit(trx, {
    actor: opts.actor,
    action: 'layer.load',
    entityType: 'layer',
    entityId: layer.id,
    requestId: opts.requestId,
    before: { dataVersion: result.previousVersion, sourceHash: layer.sourceHash, featureCount: layer.featureCount },
    after: {
      dataVersion: result.dataVersion,
      sourceHash: result.sourceHash,
      featureCount: result.loaded,
      skipped: result.skipped,
      repaired: result.repaired,
      heightsDropped: result.heightsDropped,
      sources: result.sources.map((s) => ({ label: s.label, sha256: s.sha256 })),
    },
  });
}
