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
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { getLayer } from './definitions.ts';
import { invalidateLayerCache } from './cache.ts';

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

function classifyGdalError(stderr: string, label: string): AppError {
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

const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';

/** SQL expression (over jsonb `props`) for a field name or a "{A} {B}" template; values bound, never spliced. */
function fieldExpr(db: Knex, spec: string): Knex.Raw {
  if (!spec.includes('{')) return db.raw('props->>?', [spec]);
  const parts: Knex.Raw[] = [];
  const re = /\{([^}]+)\}|([^{]+)/g;
  for (let m = re.exec(spec); m; m = re.exec(spec)) {
    parts.push(m[1] !== undefined ? db.raw("coalesce(props->>?, '')", [m[1]]) : db.raw('?::text', [m[2] ?? '']));
  }
  return db.raw(
    `nullif(btrim(regexp_replace(concat(${parts.map(() => '?').join(', ')}), '\\s+', ' ', 'g')), '')`,
    parts,
  );
}

function fieldsOf(spec: string | undefined): string[] {
  if (!spec) return [];
  if (!spec.includes('{')) return [spec];
  return [...spec.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

/** Drops staging tables of loads that were killed (their names carry their start time): older than `hours`. */
export async function reapStagingTables(db: Knex, hours = 6): Promise<string[]> {
  const names = (await db('pg_tables')
    .where('schemaname', 'public')
    .where('tablename', 'like', 'layer\\_load\\_%')
    .pluck('tablename')) as string[];
  const cutoff = Date.now() / 1000 - hours * 3600;
  const stale = names.filter((n) => Number(/^layer_load_(\d+)_/.exec(n)?.[1] ?? Infinity) < cutoff);
  for (const n of stale) await db.raw(`DROP TABLE IF EXISTS ${ident(n)}`);
  return stale;
}

export async function loadLayer(db: Knex, opts: LoadOptions): Promise<LoadReport> {
  const started = Date.now();
  const progress = opts.onProgress ?? (() => undefined);
  const layer = await getLayer(db, opts.layerId);
  const def = layer.definition;
  const fieldMap: FieldMap = opts.fieldMap ?? def.fieldMap;
  if (!opts.sources.length)
    throw new AppError('VALIDATION_FAILED', 'Give at least one source file.', {
      issues: [{ path: 'sources', message: 'empty' }],
    });
  ensureGdal();
  await reapStagingTables(db).catch(() => undefined);

  const { conn, password } = pgConn(db);
  const runId = `${Math.floor(Date.now() / 1000)}_${crypto.randomBytes(4).toString('hex')}`;
  const staged: Array<{ table: string; label: string; sha256: string; constants: Record<string, string> }> = [];
  try {
    for (const [i, src] of opts.sources.entries()) {
      const label = src.label ?? path.basename(src.file);
      if (!fs.existsSync(src.file))
        throw new AppError('LAYER_FILE_UNREADABLE', `${label} does not exist.`, { source: label });
      if (fs.statSync(src.file).size === 0)
        throw new AppError('LAYER_FILE_EMPTY', `${label} is empty (0 bytes).`, { source: label });
      const table = `layer_load_${runId}_${i}`;
      const g = gdalPath(src.file);
      progress(`${label}: reading with ogr2ogr`);
      await runOgr2ogr(
        [
          '-f',
          'PostgreSQL',
          conn,
          g.path,
          ...(src.sourceLayer ? [src.sourceLayer] : []),
          ...g.options,
          '-nln',
          table,
          '-t_srs',
          'EPSG:27700',
          ...((src.sourceCrs ?? g.defaultCrs) ? ['-s_srs', (src.sourceCrs ?? g.defaultCrs)!] : []),
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
          '-dim',
          'XY',
          '-progress',
          '--config',
          'PG_USE_COPY',
          'YES',
        ],
        password,
        label,
        progress,
      );
      staged.push({ table, label, sha256: sha256(src.file), constants: src.constants ?? {} });
    }

    // a file without features says so, whatever fields are mapped
    let stagedRows = 0;
    for (const s of staged)
      stagedRows += Number(
        (await db.raw<{ rows: Array<{ n: number }> }>(`SELECT count(*)::int AS n FROM ${ident(s.table)}`)).rows[0]!.n,
      );
    if (stagedRows === 0)
      throw new AppError('LAYER_FILE_EMPTY', 'The file has no features. The layer keeps its current data.', {
        sources: staged.map((s) => s.label),
      });

    // the mapped fields must exist in every source
    for (const s of staged) {
      const cols = (await db('information_schema.columns')
        .where({ table_name: s.table })
        .pluck('column_name')) as string[];
      const wanted = [
        ...fieldsOf(fieldMap.reference),
        ...fieldsOf(fieldMap.name),
        ...Object.values(fieldMap.properties ?? {}).flatMap(fieldsOf),
      ];
      const missing = wanted.filter((f) => !cols.includes(f));
      if (missing.length) {
        throw new AppError(
          'LAYER_FILE_FIELD_MISSING',
          `${s.label} has no field ${missing.map((m) => `"${m}"`).join(', ')}. Its fields are: ${cols.filter((c) => c !== 'geom' && c !== 'ogc_fid').join(', ')}.`,
          {
            source: s.label,
            missing,
            available: cols.filter((c) => c !== 'geom' && c !== 'ogc_fid'),
          },
        );
      }
    }

    progress('validating and swapping in the new version');
    const kindFilter =
      def.geometryKind === 'polygon'
        ? 'ST_Dimension(geom) = 2'
        : def.geometryKind === 'point'
          ? 'ST_Dimension(geom) = 0'
          : 'ST_Dimension(geom) IN (0, 2)';
    const report = await db.transaction(async (trx) => {
      const current = await trx('layer').where({ id: layer.id }).forUpdate().first('data_version');
      const previousVersion = current.data_version as number;
      const version = previousVersion + 1;
      await trx.raw(
        `CREATE TEMP TABLE incoming (src int, label text, fid int, props jsonb, geom geometry, skip text, detail text, repaired boolean DEFAULT false) ON COMMIT DROP`,
      );
      for (const [i, s] of staged.entries()) {
        await trx.raw(
          `INSERT INTO incoming (src, label, fid, props, geom)
           SELECT ?, ?, ogc_fid, (to_jsonb(t) - 'geom' - 'ogc_fid') || ?::jsonb, ST_Force2D(geom) FROM ${ident(s.table)} t`,
          [i, s.label, JSON.stringify(s.constants)],
        );
      }
      const read = Number((await trx('incoming').count({ n: '*' }))[0]!.n);
      if (read === 0)
        throw new AppError('LAYER_FILE_EMPTY', 'The file has no features. The layer keeps its current data.', {
          sources: staged.map((s) => s.label),
        });
      await trx.raw(`UPDATE incoming SET skip = 'no-geometry' WHERE geom IS NULL OR ST_IsEmpty(geom)`);
      await trx.raw(
        `UPDATE incoming SET geom = ST_CollectionExtract(geom) WHERE skip IS NULL AND GeometryType(geom) = 'GEOMETRYCOLLECTION'`,
      );
      await trx.raw(
        `UPDATE incoming SET skip = 'wrong-geometry-type', detail = GeometryType(geom) WHERE skip IS NULL AND NOT (${kindFilter})`,
      );
      const wrong = Number((await trx('incoming').where({ skip: 'wrong-geometry-type' }).count({ n: '*' }))[0]!.n);
      const withGeom = Number(
        (await trx('incoming').whereNot({ skip: 'no-geometry' }).orWhereNull('skip').count({ n: '*' }))[0]!.n,
      );
      if (withGeom > 0 && wrong === withGeom) {
        const types = (await trx('incoming').whereNotNull('detail').distinct('detail').pluck('detail')) as string[];
        throw new AppError(
          'LAYER_FILE_WRONG_GEOMETRY',
          `Layer "${layer.id}" holds ${def.geometryKind} features but the file has only ${types.join(', ')}. The layer keeps its current data.`,
          { expected: def.geometryKind, found: types },
        );
      }
      await trx.raw(
        `UPDATE incoming SET detail = (ST_IsValidDetail(geom)).reason WHERE skip IS NULL AND NOT ST_IsValid(geom)`,
      );
      if (opts.repair) {
        await trx.raw(
          `UPDATE incoming SET repaired = true,
             geom = CASE WHEN ST_Dimension(geom) = 2 THEN ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3) ELSE ST_MakeValid(geom) END
           WHERE skip IS NULL AND detail IS NOT NULL`,
        );
        await trx.raw(
          `UPDATE incoming SET skip = 'invalid-geometry' WHERE repaired AND (geom IS NULL OR ST_IsEmpty(geom) OR NOT ST_IsValid(geom))`,
        );
      } else {
        await trx.raw(`UPDATE incoming SET skip = 'invalid-geometry' WHERE skip IS NULL AND detail IS NOT NULL`);
      }
      await trx.raw(
        `UPDATE incoming i SET skip = 'outside-authority' WHERE skip IS NULL
           AND NOT EXISTS (SELECT 1 FROM authority a WHERE ST_DWithin(a.boundary, i.geom, ?))`,
        [opts.toleranceM ?? 50],
      );

      // planning.data.gov.uk end-date / start-date (ISO dates only; other forms stay as text in the properties):
      // a feature that has ended is no longer in force; one that starts in the future is kept and flagged
      await trx.raw(
        `UPDATE incoming SET skip = 'ended', detail = 'end-date ' || (props->>'end-date')
         WHERE skip IS NULL AND props->>'end-date' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND (props->>'end-date')::date < current_date`,
      );
      const refExpr = fieldMap.reference ? fieldExpr(trx, fieldMap.reference) : trx.raw('NULL::text');
      const nameExpr = fieldMap.name ? fieldExpr(trx, fieldMap.name) : trx.raw('NULL::text');
      const mapped = Object.entries(fieldMap.properties ?? {});
      const propsExpr = mapped.length
        ? trx.raw(
            `props || jsonb_strip_nulls(jsonb_build_object(${mapped.map(() => '?::text, ?').join(', ')}))`,
            mapped.flatMap(([k, v]) => [k, fieldExpr(trx, v)]),
          )
        : trx.raw('props');
      await trx.raw(
        `INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, properties, geom, source_file, valid_from)
         SELECT ?, ?, coalesce(CASE WHEN r ~ '^[-]{0,1}[0-9]+[.]0+$' THEN regexp_replace(r, '[.]0+$', '') ELSE r END, label || ':' || fid),
                n, p, geom, label,
                CASE WHEN p->>'start-date' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN (p->>'start-date')::date END
         FROM (SELECT label, fid, geom, ? AS r, ? AS n, ? AS p FROM incoming WHERE skip IS NULL ORDER BY src, fid) s`,
        [layer.id, version, refExpr, nameExpr, propsExpr],
      );
      const loaded = Number(
        (await trx('constraint_feature').where({ layer_id: layer.id, data_version: version }).count({ n: '*' }))[0]!.n,
      );
      progress(`subdividing ${loaded} features (at most 256 vertices a piece)`);
      await trx.raw(
        `INSERT INTO constraint_piece (feature_id, layer_id, data_version, geom)
         SELECT id, layer_id, data_version, ST_Subdivide(geom, 256)
         FROM constraint_feature WHERE layer_id = ? AND data_version = ? AND ST_Dimension(geom) = 2
         UNION ALL
         SELECT id, layer_id, data_version, geom
         FROM constraint_feature WHERE layer_id = ? AND data_version = ? AND ST_Dimension(geom) <> 2`,
        [layer.id, version, layer.id, version],
      );
      const pieces = Number(
        (await trx('constraint_piece').where({ layer_id: layer.id, data_version: version }).count({ n: '*' }))[0]!.n,
      );
      // where the data is complete: the authorities (or the data's extent), less the surroundings of every feature
      // skipped as invalid, so a check there says "unknown" instead of a wrong "clear"
      const searchM = def.rule.kind === 'within' ? def.rule.distanceM : 0;
      const baseCoverage =
        opts.coverage === 'extent'
          ? trx.raw(
              `(SELECT ST_Buffer(ST_ConvexHull(ST_Collect(geom)), ?) FROM constraint_feature WHERE layer_id = ? AND data_version = ?)`,
              [opts.toleranceM ?? 50, layer.id, version],
            )
          : trx.raw(`(SELECT ST_Union(ST_Buffer(boundary, ?)) FROM authority)`, [opts.toleranceM ?? 50]);
      const coverageSql = trx.raw(
        `ST_Multi(ST_CollectionExtract(ST_Difference(?, coalesce((SELECT ST_Union(ST_Expand(geom, ?)) FROM incoming WHERE skip = 'invalid-geometry'), 'SRID=27700;POLYGON EMPTY'::geometry)), 3))`,
        [baseCoverage, searchM + 1],
      );
      const skippedRows = (await trx('incoming')
        .whereNotNull('skip')
        .groupBy('skip')
        .select('skip')
        .count({ n: '*' })) as Array<{ skip: SkipReason; n: string }>;
      const skipped: Record<SkipReason, number> = {
        'no-geometry': 0,
        'invalid-geometry': 0,
        'wrong-geometry-type': 0,
        'outside-authority': 0,
        ended: 0,
      };
      for (const r of skippedRows) skipped[r.skip] = Number(r.n);
      const examples = await trx.raw<{ rows: LoadReport['skippedExamples'] }>(
        `SELECT reason, source, fid, reference, detail FROM (
           SELECT skip AS reason, label AS source, fid, ${fieldMap.reference ? '?' : 'NULL::text'} AS reference, detail,
                  row_number() OVER (PARTITION BY skip ORDER BY src, fid) AS k
           FROM incoming WHERE skip IS NOT NULL) e WHERE k <= 5 ORDER BY reason, source, fid`,
        fieldMap.reference ? [refExpr] : [],
      );
      const repaired = Number(
        (await trx('incoming').where({ repaired: true }).whereNull('skip').count({ n: '*' }))[0]!.n,
      );
      const sourceHash = crypto
        .createHash('sha256')
        .update(staged.map((s) => s.sha256).join(','))
        .digest('hex');
      const sources = await Promise.all(
        staged.map(async (s, i) => ({
          label: s.label,
          sha256: s.sha256,
          features: Number((await trx('incoming').where({ src: i }).count({ n: '*' }))[0]!.n),
        })),
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
        skippedExamples: examples.rows,
        pieces,
        featureCount: loaded,
        ms: 0,
      };
      await trx('layer')
        .where({ id: layer.id })
        .update({
          data_version: version,
          source_hash: sourceHash,
          loaded_at: trx.fn.now(),
          feature_count: loaded,
          coverage: coverageSql,
          last_load: JSON.stringify({ ...result, ms: undefined }),
          updated_at: trx.fn.now(),
        });
      await trx('constraint_feature').where({ layer_id: layer.id }).whereNot({ data_version: version }).delete();
      await writeAudit(trx, {
        actor: opts.actor,
        action: 'layer.load',
        entityType: 'layer',
        entityId: layer.id,
        requestId: opts.requestId,
        before: { dataVersion: previousVersion, sourceHash: layer.sourceHash, featureCount: layer.featureCount },
        after: {
          dataVersion: version,
          sourceHash,
          featureCount: loaded,
          skipped,
          repaired,
          sources: sources.map((s) => ({ label: s.label, sha256: s.sha256 })),
        },
      });
      return result;
    });
    invalidateLayerCache(); // the new data version (checks would also notice it themselves: ./cache.ts)
    report.ms = Date.now() - started;
    progress(`loaded ${report.loaded} of ${report.read} features as version ${report.dataVersion} in ${report.ms} ms`);
    return report;
  } finally {
    for (const s of staged) await db.raw(`DROP TABLE IF EXISTS ${ident(s.table)}`).catch(() => undefined);
    // a source that failed half-way leaves its table too
    for (let i = 0; i < opts.sources.length; i++)
      await db.raw(`DROP TABLE IF EXISTS ${ident(`layer_load_${runId}_${i}`)}`).catch(() => undefined);
  }
}
