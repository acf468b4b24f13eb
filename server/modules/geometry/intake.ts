/**
 * Geometry intake: the one module every endpoint that accepts a site geometry goes through.
 * Stage 1 (shape, CRS, ranges) is pure: shared/domain/geometry-shape.ts.
 * Stage 2 (transform, validity, repair, authority boundary, area) is PostGIS: sql/queries/site_intake.sql.
 * Nothing is ever fixed silently: an invalid site is refused unless the caller asked for repair, and a
 * repair always comes back with what it changed.
 */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import {
  parseSiteShape,
  toMultiPolygonWkbHex,
  type Crs,
  type SiteShape,
} from '../../../shared/domain/geometry-shape.ts';
import { formatArea, formatDistance, roundM, roundM2 } from '../../../shared/domain/constraints.ts';
import { preparedStatement, runPrepared, sqlQuery, type PreparedStatement } from '../../db/queries.ts';

export interface IntakeOptions {
  crs?: unknown;
  repair?: boolean;
  /** accept a site that extends beyond the authority boundary (a cross-boundary application) */
  crossBoundary?: boolean;
  authorityId: number;
  toleranceM: number;
  vertexCap: number;
  /** return the site as GeoJSON (default true); the constraint check and neighbour selection only need the EWKB */
  outputs?: boolean;
}

/** The options that are the same for every request (the authority and the configured limits): built once, on
 *  the AppContext (server/http/context.ts); each call adds its own crs, repair, crossBoundary and outputs. */
export type AuthorityIntake = Omit<IntakeOptions, 'crs' | 'repair' | 'crossBoundary' | 'outputs'>;

export interface RepairReport {
  reason: string;
  location: { input: [number, number] | null; epsg27700: [number, number] | null };
  changes: string[];
  polygonsBefore: number;
  polygonsAfter: number;
  verticesBefore: number;
  verticesAfter: number;
  areaAfterM2: number;
  droppedParts: number;
}

export interface SiteIntake {
  inputCrs: Crs;
  /** hex EWKB, MultiPolygon, SRID 27700: what gets stored */
  ewkb: string;
  geometry: unknown;
  geometry27700: unknown;
  areaM2: number;
  areaHa: number;
  vertexCount: number;
  polygonCount: number;
  repair: RepairReport | null;
  outsideAuthorityM2: number;
  /** present when something was left out of the site, e.g. heights (Z) dropped from 3D coordinates */
  warnings?: string[];
}

/** One row of sql/queries/site_intake.sql (also carried, as JSON, by sql/queries/constraint_check_site.sql). */
export interface IntakeRow {
  input_valid: boolean;
  input_reason: string;
  input_x: number | null;
  input_y: number | null;
  valid27700: boolean;
  reason27700: string;
  loc27700_x: number | null;
  loc27700_y: number | null;
  polygons_before: number;
  vertices_before: number;
  area_before_m2: number;
  repaired: boolean;
  made_valid_parts: number | null;
  made_valid_polygons: number | null;
  made_valid_type: string | null;
  ewkb: string | null;
  polygons_after: number | null;
  vertices_after: number | null;
  area_m2: number | null;
  geojson_crs84: string | null;
  geojson_27700: string | null;
  authority_found: boolean;
  inside: boolean | null;
  within_boundary?: boolean | null;
  outside_m2: number | null;
  outside_x: number | null;
  outside_y: number | null;
  distance_to_boundary_m: number | null;
  swapped_inside: boolean | null;
}

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;
/** m² in a message: to 0.001 m² as in the figures, never a false zero */
const m2Text = (v: number) => (v > 0 && v < 0.01 ? formatArea(v) : `${roundM2(v)} m²`);
const pt = (x: number | null, y: number | null, dp: number): [number, number] | null =>
  x === null || y === null ? null : [round(x, dp), round(y, dp)];

/** Stage 1 (pure: shape, CRS, ranges; throws its refusals) and the bindings of sql/queries/site_intake.sql. */
export function prepareIntake(input: unknown, opts: IntakeOptions) {
  const shape = parseSiteShape(input, { crs: opts.crs, vertexCap: opts.vertexCap });
  const bindings = {
    wkb: toMultiPolygonWkbHex(shape),
    srid: shape.crs === 'CRS84' ? 4326 : 27700,
    authorityId: opts.authorityId,
    toleranceM: opts.toleranceM,
    repair: Boolean(opts.repair),
    outputs: opts.outputs ?? true,
  };
  return { shape, bindings };
}

let intakeStatement: PreparedStatement | undefined;

export async function intakeSite(db: Knex, input: unknown, opts: IntakeOptions): Promise<SiteIntake> {
  const { shape, bindings } = prepareIntake(input, opts);
  intakeStatement ??= preparedStatement('redline_site_intake', sqlQuery('site_intake'));
  const rows = await runPrepared<IntakeRow>(db, intakeStatement, bindings);
  return judgeIntake(shape, rows[0]!, opts);
}

/** Stage 2's verdict on the intake row: the site, or the refusal (an AppError) every endpoint gives. */
export function judgeIntake(shape: SiteShape, r: IntakeRow, opts: IntakeOptions): SiteIntake {
  const srid = shape.crs === 'CRS84' ? 4326 : 27700;
  const inputDp = srid === 4326 ? 9 : 3;
  const valid = r.input_valid && r.valid27700;
  const reason = !r.input_valid ? r.input_reason : r.reason27700;
  const location = {
    input: r.input_valid ? null : pt(r.input_x, r.input_y, inputDp),
    epsg27700: pt(r.loc27700_x, r.loc27700_y, 3),
  };

  if (!valid && !opts.repair) {
    throw new AppError(
      'INVALID_GEOMETRY',
      `The site boundary is not a valid polygon: ${reason}${location.input ? ` at ${JSON.stringify(location.input)}` : ''}. ` +
        'Fix the boundary there, or send repair=true to see the repaired shape (it is never repaired silently).',
      { reason, location, crs: shape.crs, transformedOnly: r.input_valid && !r.valid27700 },
    );
  }

  let repair: RepairReport | null = null;
  if (r.repaired) {
    if (!r.ewkb) {
      throw new AppError(
        'REPAIR_FAILED',
        `The site could not be repaired: ${reason}; nothing of it is an area. Redraw the boundary.`,
        { reason, location },
      );
    }
    const dropped = (r.made_valid_parts ?? 0) - (r.made_valid_polygons ?? 0);
    const changes = [`Made valid: ${reason}.`];
    if (r.polygons_after !== r.polygons_before) changes.push(`Polygons: ${r.polygons_before} → ${r.polygons_after}.`);
    if (r.vertices_after !== r.vertices_before) changes.push(`Vertices: ${r.vertices_before} → ${r.vertices_after}.`);
    if (dropped > 0)
      changes.push(`Dropped ${dropped} part${dropped === 1 ? '' : 's'} that had no area (lines or points).`);
    changes.push(`Area after repair: ${m2Text(r.area_m2 ?? 0)} (the invalid shape's area cannot be trusted).`);
    repair = {
      reason,
      location,
      changes,
      polygonsBefore: r.polygons_before,
      polygonsAfter: r.polygons_after ?? 0,
      verticesBefore: r.vertices_before,
      verticesAfter: r.vertices_after ?? 0,
      areaAfterM2: roundM2(r.area_m2 ?? 0),
      droppedParts: dropped,
    };
  }

  if (!r.authority_found) {
    throw new AppError(
      'INTERNAL',
      'The authority whose boundary the site is checked against is not loaded.',
      { authorityId: opts.authorityId },
      500,
    );
  }
  if (r.inside === false) {
    if (r.distance_to_boundary_m !== null) {
      const swapped = r.swapped_inside && shape.crs === 'EPSG:27700';
      throw new AppError(
        swapped ? 'EASTING_NORTHING_SWAPPED' : 'SITE_OUTSIDE_AUTHORITY',
        swapped
          ? 'The site is outside the authority, but would be inside it with each position swapped: EPSG:27700 positions are [easting, northing]. Swap each pair and send it again.'
          : `The site lies entirely outside the authority's boundary, ${formatDistance(r.distance_to_boundary_m)} from it. Check the coordinates and the crs (CRS84 longitude, latitude by default; EPSG:27700 eastings, northings).`,
        { distanceM: roundM(r.distance_to_boundary_m), location: { epsg27700: pt(r.outside_x, r.outside_y, 3) } },
      );
    }
    if (!opts.crossBoundary) {
      throw new AppError(
        'SITE_CROSSES_AUTHORITY_BOUNDARY',
        `${m2Text(r.outside_m2 ?? 0)} of the site lies beyond the authority's boundary (more than ${opts.toleranceM} m outside it). ` +
          'Check the boundary there, or send crossBoundary=true for a cross-boundary application.',
        {
          outsideM2: roundM2(r.outside_m2 ?? 0),
          toleranceM: opts.toleranceM,
          location: { epsg27700: pt(r.outside_x, r.outside_y, 3) },
        },
      );
    }
  }

  const areaM2 = r.area_m2 ?? 0;
  return {
    inputCrs: shape.crs,
    ewkb: r.ewkb!,
    geometry: r.geojson_crs84 ? JSON.parse(r.geojson_crs84) : null,
    geometry27700: r.geojson_27700 ? JSON.parse(r.geojson_27700) : null,
    areaM2: roundM2(areaM2),
    areaHa: round(areaM2 / 10_000, 4),
    vertexCount: r.vertices_after ?? shape.vertexCount,
    polygonCount: r.polygons_after ?? shape.coordinates.length,
    repair,
    // measured against the boundary itself, also for a site accepted within the tolerance (never a false 0)
    outsideAuthorityM2: roundM2(r.outside_m2 ?? 0),
    // a site is drawn flat: 3D coordinates (CAD exports) are accepted, their heights dropped and the drop stated
    ...(shape.heightsDropped > 0
      ? {
          warnings: [
            `Heights (Z) dropped from ${shape.heightsDropped} coordinate${shape.heightsDropped === 1 ? '' : 's'}: a site is drawn flat.`,
          ],
        }
      : {}),
  };
}
