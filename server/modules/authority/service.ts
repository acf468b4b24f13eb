/** Settings an authority keeps: its Statement of Community Involvement policy and its map copyright line. Audited. */
import type { Knex } from 'knex';
import { checkVersion, type IfMatch } from '../../http/if-match.ts';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { ensureGdal, heightsNote } from '../layers/loader.ts';
import { cleanGdalText } from '../layers/gdal-text.ts';
import {
  boundaryFromGeoJson,
  boundaryVersions,
  boundaryVersionOf,
  currentBoundary,
  findAuthorityByCode,
  findAuthorityDetails,
  lockAuthority,
  recoverAuthorityLayers,
  replaceBoundary,
  updateAuthorityDetails,
  updateCopyright,
  updateSciPolicy,
  type AuthorityDetailsRow,
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
    const gdal = cleanGdalText(stderr, f.label).split('\n').slice(0, 3).join(' ');
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
 * of the features its load skipped as invalid; layers covered by their data's extent are unchanged. `ifMatch`: the
 * boundary version (authority.boundary_version) the caller replaces: 428 when null, 412 when stale, "*" any.
 */
export async function setBoundary(db: Knex, actor: Actor, code: string, f: BoundaryFile, ifMatch: IfMatch = '*') {
  const before = await getAuthority(db, code);
  const geoms = await readBoundaryFile(f);
  return db.transaction(async (trx) => {
    // If-Match: the boundary version replaced (the API requires it, "*" for any; the CLI replaces whatever is there)
    checkVersion('authority boundary', await boundaryVersionOf(trx, before.id, true), ifMatch);
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
      heightsDropped: b.heights,
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
    const notes = b.heights ? [heightsNote(b.heights)] : [];
    return { code, ...after, notes, previous };
  });
}

export async function getBoundaryVersions(db: Knex, code: string) {
  const a = await getAuthority(db, code);
  return { code, version: await boundaryVersionOf(db, a.id), versions: await boundaryVersions(db, a.id) };
}

// ---------------------------------------------------------------------------------------------------------------
// Contact details printed on letters, notices and decision notices (issue 14; migration 0022; ./details.ts reads them)
// ---------------------------------------------------------------------------------------------------------------

/** A logo's largest size: it is embedded in every document. */
export const LOGO_MAX_BYTES = 512 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const urlTemplate = z
  .string()
  .trim()
  .max(500)
  .refine((v) => /^https?:\/\/[^\s{}]+/.test(v.replace(/\{(reference|slug)\}/g, 'x')), 'an http(s) URL')
  .refine((v) => /\{(reference|slug)\}/.test(v), 'must contain {reference} (or {slug}), filled with the case reference')
  .refine((v) => !/\{(?!reference\}|slug\})/.test(v), 'the only placeholders are {reference} and {slug}');
const optionalText = (max: number) => z.string().trim().min(1).max(max).nullable().optional();

/** The details as the API (PUT /api/authority/details) and the CLI take them; fields left out are kept. */
export const AuthorityDetailsSchema = z
  .object({
    name: z.string().trim().min(3).max(200).optional(),
    addressLines: z.array(z.string().trim().min(1).max(120)).max(6).optional(),
    postcode: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$/, 'a UK postcode, e.g. SE1P 5LX')
      .nullable()
      .optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 ()-]{5,30}$/, 'a phone number, e.g. 020 7525 5403')
      .nullable()
      .optional(),
    email: z.string().trim().email().max(200).nullable().optional(),
    website: z
      .string()
      .trim()
      .url()
      .max(300)
      .regex(/^https?:\/\//, 'an http(s) URL')
      .nullable()
      .optional(),
    commentUrlTemplate: urlTemplate.nullable().optional(),
    plansUrlTemplate: urlTemplate.nullable().optional(),
    /** PNG or SVG, base64 (null removes it) */
    logo: z
      .object({ mediaType: z.enum(['image/png', 'image/svg+xml']), data: z.string().min(1).max(1_000_000) })
      .strict()
      .nullable()
      .optional(),
    osLicenceNumber: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9 /-]{4,40}$/, 'an OS licence number, e.g. AC0000812345')
      .nullable()
      .optional(),
    copyrightOwner: optionalText(200),
  })
  .strict();
export type AuthorityDetailsInput = z.infer<typeof AuthorityDetailsSchema>;

function logoFail(message: string): never {
  throw new AppError('VALIDATION_FAILED', `body.logo: ${message}`, { issues: [{ path: 'body.logo', message }] });
}

/** Checks a logo is what it says it is (a PNG with its signature and header, or an SVG document) and not too big;
 *  its width and height in pixels (an SVG's from its viewBox or size, as sharp reads it). */
export async function checkLogo(mediaType: string, data: Buffer): Promise<{ width: number; height: number }> {
  if (data.length === 0) logoFail('the file is empty');
  if (data.length > LOGO_MAX_BYTES)
    logoFail(`${data.length} bytes: a logo may be at most ${LOGO_MAX_BYTES} bytes (512 KB)`);
  if (mediaType === 'image/png') {
    if (data.length < 33 || !data.subarray(0, 8).equals(PNG_SIGNATURE) || data.toString('latin1', 12, 16) !== 'IHDR')
      logoFail('not a PNG file (no PNG signature and header)');
  } else if (mediaType === 'image/svg+xml') {
    const text = data.toString('utf8');
    if (!/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(text))
      logoFail('not an SVG document (it must start with <svg>)');
    if (/<script|\bon[a-z]+\s*=|<foreignObject|(?:xlink:)?href\s*=\s*["'](?!#|data:)/i.test(text))
      logoFail('an SVG logo may not have scripts, event handlers, foreign objects or links to other files');
  } else logoFail('must be image/png or image/svg+xml');
  const { default: sharp } = await import('sharp');
  try {
    const m = await sharp(data).metadata();
    const format = mediaType === 'image/png' ? 'png' : 'svg';
    if (m.format !== format || !m.width || !m.height) logoFail(`not a readable ${format.toUpperCase()} image`);
    if (m.width > 4000 || m.height > 4000) logoFail(`${m.width} × ${m.height} pixels: at most 4000 × 4000`);
    return { width: m.width, height: m.height };
  } catch (e) {
    if (e instanceof AppError) throw e;
    return logoFail(`the image could not be read (${(e as Error).message})`);
  }
}

/** The details as the API shows them: the logo as its type, size and a hash (GET ?logo=1 for the data itself). */
function detailsView(r: AuthorityDetailsRow, withLogoData: boolean) {
  return {
    version: r.detailsVersion,
    name: r.name,
    addressLines: r.addressLines,
    postcode: r.postcode,
    phone: r.phone,
    email: r.email,
    website: r.website,
    commentUrlTemplate: r.commentUrlTemplate,
    plansUrlTemplate: r.plansUrlTemplate,
    logo:
      r.logoData && r.logoMediaType
        ? {
            mediaType: r.logoMediaType,
            bytes: r.logoData.length,
            sha256: crypto.createHash('sha256').update(r.logoData).digest('hex'),
            ...(withLogoData ? { data: r.logoData.toString('base64') } : {}),
          }
        : null,
    osLicenceNumber: r.osLicenceNumber,
    copyrightOwner: r.copyrightOwner,
  };
}
export type AuthorityDetailsView = ReturnType<typeof detailsView>;

export async function getDetails(db: Knex, code: string, withLogoData = false): Promise<AuthorityDetailsView> {
  const a = await getAuthority(db, code);
  const r = await findAuthorityDetails(db, a.id);
  return detailsView(r!, withLogoData);
}

/**
 * Sets the authority's details: the fields given replace the stored ones (null clears an optional one), the rest are
 * kept. `expectedVersion` (If-Match "v3"), when given, must be the version stored: a stale edit is refused (412 VERSION_CONFLICT).
 * Audited (the logo as its type, size and hash).
 */
export async function setDetails(
  db: Knex,
  actor: Actor,
  code: string,
  input: AuthorityDetailsInput,
  expectedVersion: number | null,
  requestId?: string,
): Promise<AuthorityDetailsView> {
  const a = await getAuthority(db, code);
  let logo: { mediaType: string; data: Buffer } | null | undefined = undefined;
  if (input.logo) {
    if (!/^[A-Za-z0-9+/=\s]+$/.test(input.logo.data)) logoFail('data must be base64');
    const data = Buffer.from(input.logo.data, 'base64');
    await checkLogo(input.logo.mediaType, data);
    logo = { mediaType: input.logo.mediaType, data };
  } else if (input.logo === null) logo = null;
  await db.transaction(async (trx) => {
    await lockAuthority(trx, a.id);
    const before = (await findAuthorityDetails(trx, a.id))!;
    if (expectedVersion !== null && expectedVersion !== before.detailsVersion)
      throw new AppError(
        'VERSION_CONFLICT',
        `The authority's details have changed since you read them (now version ${before.detailsVersion}, you sent ${expectedVersion}): read them again and repeat the change.`,
        { currentVersion: before.detailsVersion },
      );
    const pick = <K extends keyof AuthorityDetailsInput & keyof AuthorityDetailsRow>(k: K) =>
      (input[k] === undefined ? before[k] : input[k]) as AuthorityDetailsRow[K];
    const next = {
      name: input.name ?? before.name,
      addressLines: input.addressLines ?? before.addressLines,
      postcode: pick('postcode'),
      phone: pick('phone'),
      email: pick('email'),
      website: pick('website'),
      commentUrlTemplate: pick('commentUrlTemplate'),
      plansUrlTemplate: pick('plansUrlTemplate'),
      logoMediaType: logo === undefined ? before.logoMediaType : (logo?.mediaType ?? null),
      logoData: logo === undefined ? before.logoData : (logo?.data ?? null),
      osLicenceNumber: pick('osLicenceNumber'),
      copyrightOwner: pick('copyrightOwner'),
    };
    const version = await updateAuthorityDetails(trx, a.id, next);
    const { logo: beforeLogo, ...beforeView } = detailsView(before, false);
    const { logo: afterLogo, ...afterView } = detailsView({ ...before, ...next, detailsVersion: version }, false);
    await writeAudit(trx, {
      actor,
      action: 'authority.details.update',
      entityType: 'authority',
      entityId: a.id,
      requestId,
      before: { ...beforeView, logo: beforeLogo },
      after: { ...afterView, logo: afterLogo },
    });
  });
  return getDetails(db, code);
}
