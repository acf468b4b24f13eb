/**
 * Address points and property outlines for neighbour notification, loaded like constraint layers: read (CSV in
 * Node; GeoJSON, GeoPackage and zipped Shapefile through GDAL's ogr2ogr), checked, and swapped in with one
 * transaction (readers see the old data until the new is complete; a failed load changes nothing), versioned,
 * audited, and reported (what was loaded, what was skipped and why, with examples).
 *
 * Address CSV columns are found by name, case-insensitively, in the shapes OS Open UPRN and AddressBase-style
 * extracts use: UPRN; PARENT_UPRN; X_COORDINATE/Y_COORDINATE or EASTING/NORTHING (EPSG:27700) or
 * LATITUDE/LONGITUDE (WGS84); ADDRESS (one line, comma-separated) or ADDRESS_LINE_1…7; POSTCODE (or
 * POSTCODE_LOCATOR); CLASSIFICATION (or CLASSIFICATION_CODE, CLASS). Other field names can be given explicitly.
 */
import { spawn } from 'node:child_process';
import { checkVersion, type IfMatch } from '../../http/if-match.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import * as repo from './repo.ts';
import type { Dataset } from './repo.ts';
import { cleanGdalText } from '../layers/gdal-text.ts';
import { ensureGdal, heightsNote } from '../layers/loader.ts';
import { flatWkt } from './flat-wkt.ts';

export interface AddressFields {
  uprn?: string;
  parentUprn?: string;
  x?: string;
  y?: string;
  lat?: string;
  lon?: string;
  address?: string;
  lines?: string[];
  postcode?: string;
  classification?: string;
}

export interface ReferenceLoadReport {
  dataset: Dataset;
  dataVersion: number;
  previousVersion: number;
  sourceHash: string;
  read: number;
  loaded: number;
  skipped: Record<string, number>;
  skippedExamples: Array<{ reason: string; row: number; detail: string }>;
  /** rows whose geometry had heights (Z other than 0) in the source: read flat, as neighbours are found in plan */
  heightsDropped: number;
  /** what the load changed from the source that a GIS officer should know (heights dropped), in words */
  notes: string[];
  ms: number;
}

const CANDIDATES: Record<keyof Omit<AddressFields, 'lines'>, string[]> = {
  uprn: ['uprn'],
  parentUprn: ['parent_uprn', 'parentuprn', 'parent uprn'],
  x: ['x_coordinate', 'easting', 'x'],
  y: ['y_coordinate', 'northing', 'y'],
  lat: ['latitude', 'lat'],
  lon: ['longitude', 'lon', 'lng'],
  address: ['address', 'full_address', 'address_text', 'address-text', 'single_line_address'],
  postcode: ['postcode', 'postcode_locator', 'post_code'],
  classification: ['classification', 'classification_code', 'class'],
};

function resolveFields(columns: string[], given: AddressFields): AddressFields {
  const lower = new Map(columns.map((c) => [c.toLowerCase().trim(), c]));
  const pick = (key: keyof typeof CANDIDATES) => given[key] ?? CANDIDATES[key].map((c) => lower.get(c)).find(Boolean);
  const lines =
    given.lines ??
    Array.from(
      { length: 7 },
      (_, i) => lower.get(`address_line_${i + 1}`) ?? lower.get(`address_line${i + 1}`) ?? lower.get(`line${i + 1}`),
    ).filter((c): c is string => Boolean(c));
  const out: AddressFields = {
    uprn: pick('uprn'),
    parentUprn: pick('parentUprn'),
    x: pick('x'),
    y: pick('y'),
    lat: pick('lat'),
    lon: pick('lon'),
    address: pick('address'),
    postcode: pick('postcode'),
    classification: pick('classification'),
    lines,
  };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'string' && !columns.includes(v)) {
      throw new AppError(
        'LAYER_FILE_FIELD_MISSING',
        `The file has no field "${v}" (for ${k}). Its fields are: ${columns.join(', ')}.`,
        { missing: [v], available: columns },
      );
    }
  }
  if (!out.uprn)
    throw new AppError(
      'LAYER_FILE_FIELD_MISSING',
      `The file has no UPRN field. Its fields are: ${columns.join(', ')}.`,
      { missing: ['UPRN'], available: columns },
    );
  if (!((out.x && out.y) || (out.lat && out.lon))) {
    throw new AppError(
      'LAYER_FILE_FIELD_MISSING',
      `The file has no coordinates (X_COORDINATE/Y_COORDINATE, EASTING/NORTHING or LATITUDE/LONGITUDE). Its fields are: ${columns.join(', ')}.`,
      {
        missing: ['X_COORDINATE', 'Y_COORDINATE'],
        available: columns,
      },
    );
  }
  return out;
}

interface AddressRow {
  uprn: number;
  parent: number | null;
  lines: string[];
  postcode: string | null;
  classification: string | null;
  x: number;
  y: number;
  srid: 27700 | 4326;
}

type Skip = (reason: string, row: number, detail: string) => void;

function toRow(rec: Record<string, unknown>, f: AddressFields, n: number, skip: Skip): AddressRow | null {
  const str = (k?: string) => (k && rec[k] !== undefined && rec[k] !== null ? String(rec[k]).trim() : '');
  const uprnText = str(f.uprn).replace(/\.0+$/, '');
  if (!/^\d{1,12}$/.test(uprnText) || Number(uprnText) <= 0)
    return (skip('bad-uprn', n, `UPRN "${str(f.uprn)}"`), null);
  const parentText = str(f.parentUprn).replace(/\.0+$/, '');
  const useXY = f.x && f.y && str(f.x) !== '' && str(f.y) !== '';
  const x = Number(useXY ? str(f.x) : str(f.lon));
  const y = Number(useXY ? str(f.y) : str(f.lat));
  if (!Number.isFinite(x) || !Number.isFinite(y) || (x === 0 && y === 0))
    return (
      skip('no-geometry', n, `coordinates "${useXY ? str(f.x) : str(f.lon)}", "${useXY ? str(f.y) : str(f.lat)}"`),
      null
    );
  const lines = (f.lines?.length ? f.lines.map((c) => str(c)) : str(f.address).split(','))
    .map((l) => l.trim())
    .filter(Boolean);
  const postcode = str(f.postcode) || null;
  // a postcode at the end of a one-line address is the postcode, not an address line
  if (
    postcode &&
    lines.length &&
    lines[lines.length - 1]!.replace(/\s/g, '').toUpperCase() === postcode.replace(/\s/g, '').toUpperCase()
  )
    lines.pop();
  if (!lines.length)
    return (
      skip('no-address', n, `UPRN ${uprnText} has no address text (OS Open UPRN has none: load an addressed extract)`),
      null
    );
  return {
    uprn: Number(uprnText),
    parent: /^\d{1,12}$/.test(parentText) ? Number(parentText) : null,
    lines: lines.slice(0, 6),
    postcode,
    classification: str(f.classification) || null,
    x,
    y,
    srid: useXY ? 27700 : 4326,
  };
}

type SourceRecord = { props: Record<string, unknown>; wkt: string | null; heights?: boolean };

/** Rows of a CSV (streamed), or of any GDAL-readable file converted by ogr2ogr to CSV with its geometry as WKT
 *  in EPSG:27700 (ogr2ogr's GeoJSONSeq would force WGS 84; CSV keeps the grid coordinates exact). */
async function* readRecords(file: string): AsyncGenerator<SourceRecord> {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  const isZip = head.subarray(0, 2).toString('latin1') === 'PK';
  if (path.extname(file).toLowerCase() === '.csv' && !isZip) {
    yield* readCsv(file, null);
    return;
  }
  ensureGdal();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-ref-'));
  const out = path.join(dir, 'out.csv');
  try {
    await convertToCsv(file, isZip, out);
    if (!fs.existsSync(out)) throw new AppError('LAYER_FILE_EMPTY', `${path.basename(file)} has no features.`);
    const firstLine = fs.readFileSync(out, 'utf8').split('\n', 1)[0] ?? '';
    const wktColumn = firstLine.split(',')[0]?.replace(/"/g, '') ?? null;
    yield* readCsv(out, wktColumn);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows of a CSV file; with `wktColumn`, that column is the row's geometry (WKT) and not one of its props. */
async function* readCsv(csv: string, wktColumn: string | null): AsyncGenerator<SourceRecord> {
  const parser = fs
    .createReadStream(csv)
    .pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }));
  try {
    for await (const rec of parser as AsyncIterable<Record<string, unknown>>) {
      if (!wktColumn) {
        yield { props: rec, wkt: null };
        continue;
      }
      const { [wktColumn]: wkt, ...props } = rec;
      if (typeof wkt !== 'string' || !wkt.trim()) {
        yield { props, wkt: null };
        continue;
      }
      const flat = flatWkt(wkt.trim());
      yield { props, wkt: flat.wkt, heights: flat.heights };
    }
  } catch (e) {
    // csv-parse's errors (an unterminated quote, a broken row): the line, in words; nothing has been written yet
    const err = e as { code?: string; lines?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_'))
      throw new AppError(
        'FILE_UNREADABLE',
        `The CSV file could not be read at line ${err.lines ?? '?'}: ${csvProblem(err.code, err.message ?? '')}. Correct the file and upload it again.`,
        { line: err.lines ?? null, problem: err.code },
      );
    throw e;
  }
}

function csvProblem(code: string, message: string): string {
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted value is not closed (a " without its closing ")';
  if (code === 'CSV_INVALID_CLOSING_QUOTE') return 'a closing quote is followed by other characters';
  // csv-parse's own words, without any file path
  return message.replace(/\s*\(?[^\s]*\/[^\s)]*\)?/g, '').trim();
}

/** ogr2ogr: `file` as CSV at `out`, geometry as WKT in EPSG:27700 in its first column. */
function convertToCsv(file: string, isZip: boolean, out: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('ogr2ogr', [
      '-f',
      'CSV',
      out,
      isZip ? `/vsizip/${file}` : file,
      '-t_srs',
      'EPSG:27700',
      // XYZ, not XY: the heights reach readCsv, which drops them and counts them for the report (flat-wkt.ts)
      '-dim',
      'XYZ',
      '-lco',
      'GEOMETRY=AS_WKT',
      '-lco',
      'GEOMETRY_NAME=__wkt',
    ]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new AppError('GDAL_MISSING', `ogr2ogr could not run: ${e.message}`)));
    child.on('close', (code) => (code === 0 && !/^ERROR/m.test(err) ? resolve() : reject(conversionError(file, err))));
  });
}

function conversionError(file: string, rawErr: string): AppError {
  // never the server's paths or GDAL's driver list in an answer
  const err = cleanGdalText(rawErr, path.basename(file));
  return /coordinate system|SRS/i.test(err)
    ? new AppError(
        'LAYER_FILE_NO_CRS',
        `${path.basename(file)} does not say which coordinate reference system it is in.`,
        {
          gdal: err.trim().slice(0, 400),
        },
      )
    : new AppError(
        'LAYER_FILE_UNREADABLE',
        `${path.basename(file)} could not be read: ${err.trim().split('\n')[0] ?? ''}`,
        {
          gdal: err.trim().slice(0, 400),
        },
      );
}

function newReport(dataset: Dataset): ReferenceLoadReport {
  return {
    dataset,
    dataVersion: 0,
    previousVersion: 0,
    sourceHash: '',
    read: 0,
    loaded: 0,
    skipped: {},
    skippedExamples: [],
    heightsDropped: 0,
    notes: [],
    ms: 0,
  };
}

function skipper(report: ReferenceLoadReport): Skip {
  return (reason, row, detail) => {
    report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
    if (report.skippedExamples.filter((e) => e.reason === reason).length < 5)
      report.skippedExamples.push({ reason, row, detail });
  };
}

async function swapIn(
  trx: Knex.Transaction,
  dataset: Dataset,
  report: ReferenceLoadReport,
  file: string,
  actor: Actor,
  requestId: string | undefined,
  move: (version: number) => Promise<number>,
  ifMatch: IfMatch = '*',
) {
  const current = await repo.lockDataset(trx, dataset);
  checkVersion(dataset === 'address' ? 'address points' : 'property outlines', current.data_version, ifMatch);
  report.previousVersion = current.data_version;
  report.dataVersion = current.data_version + 1;
  report.sourceHash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (report.heightsDropped) report.notes.push(heightsNote(report.heightsDropped));
  report.loaded = await move(report.dataVersion);
  if (report.loaded === 0)
    throw new AppError(
      'LAYER_FILE_EMPTY',
      `No ${dataset === 'address' ? 'address point' : 'property outline'} in the file could be loaded. The current data is unchanged.`,
      { skipped: report.skipped, examples: report.skippedExamples },
    );
  await repo.recordDatasetLoad(trx, dataset, {
    dataVersion: report.dataVersion,
    sourceHash: report.sourceHash,
    featureCount: report.loaded,
    lastLoad: JSON.stringify(report),
  });
  await writeAudit(trx, {
    actor,
    action: `${dataset}.load`,
    entityType: dataset,
    entityId: dataset,
    requestId,
    before: { dataVersion: current.data_version, sourceHash: current.source_hash, featureCount: current.feature_count },
    after: {
      dataVersion: report.dataVersion,
      sourceHash: report.sourceHash,
      featureCount: report.loaded,
      skipped: report.skipped,
      heightsDropped: report.heightsDropped,
    },
  });
}

export interface AddressLoadOptions {
  file: string;
  fields?: AddressFields;
  source?: string;
  /** the data version replaced (If-Match from the API; 412 when another load came first); "*" or none: any */
  ifMatch?: IfMatch;
  actor: Actor;
  requestId?: string;
  onProgress?: (m: string) => void;
}

export async function loadAddresses(db: Knex, opts: AddressLoadOptions): Promise<ReferenceLoadReport> {
  const started = Date.now();
  if (!fs.existsSync(opts.file) || fs.statSync(opts.file).size === 0)
    throw new AppError('LAYER_FILE_EMPTY', `${path.basename(opts.file)} is missing or empty.`);
  const report = newReport('address');
  const skip = skipper(report);
  await db.transaction(async (trx) => {
    await repo.createAddressIncoming(trx);
    await readAddresses(trx, opts, report, skip);
    if (report.read === 0)
      throw new AppError('LAYER_FILE_EMPTY', 'The file has no rows. The current addresses are unchanged.');
    if ((report.skipped['wrong-geometry-type'] ?? 0) === report.read) {
      throw new AppError(
        'LAYER_FILE_WRONG_GEOMETRY',
        'Address points must be points; the file has none. The current addresses are unchanged.',
      );
    }
    // the same UPRN twice: keep the first, report the rest
    for (const d of await repo.dropDuplicateAddresses(trx))
      skip('duplicate-uprn', d.n, `UPRN ${d.uprn} appears more than once`);
    for (const d of await repo.dropOutsideAddresses(trx))
      skip('outside-authority', d.n, `UPRN ${d.uprn} is more than 1 km outside every authority`);
    await swapIn(
      trx,
      'address',
      report,
      opts.file,
      opts.actor,
      opts.requestId,
      (version) => repo.replaceAddresses(trx, version, opts.source ?? path.basename(opts.file)),
      opts.ifMatch,
    );
  });
  report.ms = Date.now() - started;
  return report;
}

/** Reads the file's rows into address_incoming (2000 at a time), skipping and reporting those it cannot use. */
async function readAddresses(trx: Knex.Transaction, opts: AddressLoadOptions, report: ReferenceLoadReport, skip: Skip) {
  let fields: AddressFields | null = null;
  let batch: repo.AddressIncomingRow[] = [];
  for await (const rec of readRecords(opts.file)) {
    report.read++;
    const props = pointProps(rec, report.read, skip);
    if (!props) continue;
    if (rec.heights) report.heightsDropped++;
    fields ??= resolveFields(
      Object.keys(props),
      rec.wkt !== null ? { x: '__x', y: '__y', ...opts.fields } : (opts.fields ?? {}),
    );
    const row = toRow(props, fields, report.read, skip);
    if (row) batch.push(incomingAddress(report.read, row));
    if (batch.length >= 2000) {
      await repo.insertAddressIncoming(trx, batch);
      batch = [];
      opts.onProgress?.(`read ${report.read} rows`);
    }
  }
  await repo.insertAddressIncoming(trx, batch);
}

/** A record's properties, with its point's coordinates as __x and __y when it has a geometry; null (skipped)
 *  when that geometry is not a point. */
function pointProps(rec: SourceRecord, n: number, skip: Skip): Record<string, unknown> | null {
  const props = { ...rec.props };
  const point = rec.wkt ? /^POINT\s*\(\s*([-0-9.eE+]+)\s+([-0-9.eE+]+)\s*\)$/i.exec(rec.wkt) : null;
  if (rec.wkt && !point) {
    skip('wrong-geometry-type', n, /^\s*([A-Z]+)/i.exec(rec.wkt)?.[1]?.toUpperCase() ?? 'UNKNOWN');
    return null;
  }
  if (point) {
    props.__x = point[1];
    props.__y = point[2];
  }
  return props;
}

const incomingAddress = (n: number, row: AddressRow): repo.AddressIncomingRow => ({
  n,
  uprn: row.uprn,
  parent_uprn: row.parent,
  address_lines: row.lines,
  postcode: row.postcode,
  classification: row.classification,
  x: row.x,
  y: row.y,
  srid: row.srid,
});

export interface PropertyLoadOptions {
  file: string;
  reference?: string;
  name?: string;
  uprns?: string;
  source?: string;
  repair?: boolean;
  /** the data version replaced (If-Match from the API; 412 when another load came first); "*" or none: any */
  ifMatch?: IfMatch;
  actor: Actor;
  requestId?: string;
  onProgress?: (m: string) => void;
}

export async function loadProperties(db: Knex, opts: PropertyLoadOptions): Promise<ReferenceLoadReport> {
  const started = Date.now();
  if (!fs.existsSync(opts.file) || fs.statSync(opts.file).size === 0)
    throw new AppError('LAYER_FILE_EMPTY', `${path.basename(opts.file)} is missing or empty.`);
  const report = newReport('property');
  const skip = skipper(report);
  await db.transaction(async (trx) => {
    await repo.createPropertyIncoming(trx);
    await readOutlines(trx, opts, report, skip);
    if (report.read === 0)
      throw new AppError('LAYER_FILE_EMPTY', 'The file has no features. The current outlines are unchanged.');
    if (report.read > 0 && (report.skipped['wrong-geometry-type'] ?? 0) === report.read) {
      throw new AppError(
        'LAYER_FILE_WRONG_GEOMETRY',
        'Property outlines must be polygons; the file has none. The current outlines are unchanged.',
      );
    }
    const invalid = await repo.parseIncomingOutlines(trx);
    if (opts.repair) {
      await repo.repairIncomingOutlines(trx);
    } else {
      for (const r of invalid) skip('invalid-geometry', r.n, r.reason);
      await repo.dropInvalidOutlines(trx);
    }
    for (const d of await repo.dropOutsideOutlines(trx))
      skip('outside-authority', d.n, 'more than 1 km outside every authority');
    await swapIn(
      trx,
      'property',
      report,
      opts.file,
      opts.actor,
      opts.requestId,
      (version) =>
        repo.replaceProperties(trx, path.basename(opts.file), version, opts.source ?? path.basename(opts.file)),
      opts.ifMatch,
    );
  });
  report.ms = Date.now() - started;
  return report;
}

/** Reads the file's polygons into property_incoming (1000 at a time), skipping and reporting the others. */
async function readOutlines(trx: Knex.Transaction, opts: PropertyLoadOptions, report: ReferenceLoadReport, skip: Skip) {
  let batch: repo.PropertyIncomingRow[] = [];
  for await (const rec of readRecords(opts.file)) {
    report.read++;
    const wkt = rec.wkt;
    if (!wkt) {
      skip('no-geometry', report.read, 'no geometry');
      continue;
    }
    const type = /^\s*([A-Z]+)/i.exec(wkt)?.[1]?.toUpperCase() ?? 'UNKNOWN';
    if (type !== 'POLYGON' && type !== 'MULTIPOLYGON') {
      skip('wrong-geometry-type', report.read, type);
      continue;
    }
    const val = (k?: string) =>
      k && rec.props[k] !== undefined && rec.props[k] !== null ? String(rec.props[k]) : null;
    const uprns = (val(opts.uprns) ?? '')
      .split(/[^0-9]+/)
      .filter((u) => /^\d{1,12}$/.test(u))
      .map(Number);
    if (rec.heights) report.heightsDropped++;
    batch.push({ n: report.read, ref: val(opts.reference), name: val(opts.name), uprns, wkt });
    if (batch.length >= 1000) {
      await repo.insertPropertyIncoming(trx, batch);
      batch = [];
      opts.onProgress?.(`read ${report.read} outlines`);
    }
  }
  await repo.insertPropertyIncoming(trx, batch);
}
