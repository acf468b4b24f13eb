/** Settings an authority keeps: its Statement of Community Involvement policy and its map copyright line. Audited. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { spawn } from 'node:child_process';
import { ensureGdal } from '../layers/loader.ts';
import {
  boundaryFromGeoJson,
  boundaryVersions,
  currentBoundary,
  findAuthorityByCode,
  recoverAuthorityLayers,
  replaceBoundary,
  updateCopyright,
  updateSciPolicy,
  type AuthorityRow,
} from './repo.ts';

/** The authority's Statement of Community Involvement policy (shared/domain/publicity SciPolicy). */
export const SciPolicySchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    lettersAlways: z.boolean().optional(),
    siteNoticeForMajors: z.boolean().optional(),
    pressForMajors: z.boolean().optional(),
    letterRadiusM: z.number().positive().max(1000).optional(),
  })
  .strict();

export async function getAuthority(db: Knex, code: string): Promise<AuthorityRow> {
  const row = await findAuthorityByCode(db, code);
  if (!row) throw new AppError('NOT_FOUND', `There is no authority ${code}.`);
  return row;
}

export async function setSciPolicy(db: Knex, actor: Actor, code: string, policy: z.infer<typeof SciPolicySchema>) {
  const before = await getAuthority(db, code);
  await db.transaction(async (trx) => {
    await updateSciPolicy(trx, before.id, policy);
    await writeAudit(trx, {
      actor,
      action: 'authority.sci.update',
      entityType: 'authority',
      entityId: before.id,
      before: before.sciPolicy,
      after: policy,
    });
  });
  return getAuthority(db, code);
}

export async function setCopyright(db: Knex, actor: Actor, code: string, text: string) {
  const before = await getAuthority(db, code);
  await db.transaction(async (trx) => {
    await updateCopyright(trx, before.id, text);
    await writeAudit(trx, {
      actor,
      action: 'authority.copyright.update',
      entityType: 'authority',
      entityId: before.id,
      before: { copyrightStatement: before.copyrightStatement },
      after: { copyrightStatement: text },
    });
  });
  return getAuthority(db, code);
}

/** planning.data.gov.uk local-planning-authority entity, a GeoJSON Feature or FeatureCollection, or a GeoPackage. */
export interface BoundaryFile {
  file: string;
  /** shown in messages and kept as the version's source, e.g. the file name or the entity URL */
  label: string;
  /** the layer of a GeoPackage with several */
  sourceLayer?: string;
}

/** Runs ogr2ogr as a child process without blocking the event loop (as the layer loader does); its output. */
function runOgr2ogr(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn('ogr2ogr', args);
    const out: Buffer[] = [];
    let stderr = '';
    let settled = false;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      resolve({ status: null, stdout: '', stderr, error });
    });
    child.on('close', (status) => {
      if (settled) return;
      settled = true;
      resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** Reads the file with GDAL's ogr2ogr (as the layer loader does) into GeoJSON geometries in EPSG:27700. */
async function readBoundaryFile(f: BoundaryFile): Promise<string[]> {
  ensureGdal();
  const args = ['-f', 'GeoJSON', '/vsistdout/', f.file, '-t_srs', 'EPSG:27700', '-lco', 'RFC7946=NO'];
  args.push('-lco', 'COORDINATE_PRECISION=4');
  if (f.sourceLayer) args.push(f.sourceLayer);
  const r = await runOgr2ogr(args);
  if (r.error) throw new AppError('GDAL_MISSING', `ogr2ogr could not run: ${r.error.message}`);
  const stderr = r.stderr.trim();
  if (r.status !== 0 || /^ERROR/m.test(stderr)) {
    const gdal = stderr.split('\n').slice(0, 3).join(' ');
    throw new AppError(
      /coordinate system|SRS|crs/i.test(stderr) ? 'LAYER_FILE_NO_CRS' : 'LAYER_FILE_UNREADABLE',
      `${f.label} could not be read as a boundary (GeoJSON, GeoPackage or a planning.data.gov.uk entity's GeoJSON): ${gdal}`,
      { source: f.label, gdal },
    );
  }
  let fc: { features?: Array<{ geometry: unknown }> };
  try {
    fc = JSON.parse(r.stdout) as typeof fc;
  } catch (e) {
    throw new AppError('LAYER_FILE_UNREADABLE', `${f.label}: GDAL's output could not be read (${String(e)}).`, {
      source: f.label,
    });
  }
  const geoms = (fc.features ?? []).filter((x) => x.geometry).map((x) => JSON.stringify(x.geometry));
  if (!geoms.length)
    throw new AppError('LAYER_FILE_EMPTY', `${f.label} has no geometry: a boundary needs at least one polygon.`, {
      source: f.label,
    });
  return geoms;
}

/**
 * Loads or replaces the authority's boundary from a file: the union of its polygons (made valid), in EPSG:27700.
 * The previous boundary is kept as a version (authority_boundary_version); audited. Refused, changing nothing,
 * when the file has no polygon. In the same transaction, every loaded layer whose coverage is the authority boundary
 * (coverage 'authority', the default) is re-covered: its coverage becomes the new boundary less the surroundings
 * of the features its load skipped as invalid; layers covered by their data's extent are unchanged.
 */
export async function setBoundary(db: Knex, actor: Actor, code: string, f: BoundaryFile) {
  const before = await getAuthority(db, code);
  const geoms = await readBoundaryFile(f);
  return db.transaction(async (trx) => {
    const previous = await currentBoundary(trx, before.id);
    const b = await boundaryFromGeoJson(trx, geoms);
    if (!b.ewkb || !b.area_m2)
      throw new AppError(
        'LAYER_FILE_WRONG_GEOMETRY',
        `${f.label} has no polygon with an area (${b.parts} geometr${b.parts === 1 ? 'y' : 'ies'}, ${b.polygonal} polygonal): an authority boundary must be an area.`,
        { source: f.label, geometries: b.parts, polygonal: b.polygonal },
      );
    const version = await replaceBoundary(trx, before.id, {
      ewkb: b.ewkb,
      source: f.label,
      loadedBy: actor.username,
    });
    const recovered = await recoverAuthorityLayers(trx);
    const after = {
      version,
      source: f.label,
      areaM2: Math.round(b.area_m2 * 1000) / 1000,
      geometries: b.parts,
      ignoredNotPolygonal: b.parts - b.polygonal,
      repaired: !b.valid,
      layersRecovered: recovered,
    };
    await writeAudit(trx, {
      actor,
      action: 'authority.boundary.replace',
      entityType: 'authority',
      entityId: before.id,
      before: previous,
      after,
    });
    return { code, ...after, previous };
  });
}

export async function getBoundaryVersions(db: Knex, code: string) {
  const a = await getAuthority(db, code);
  return { code, versions: await boundaryVersions(db, a.id) };
}
