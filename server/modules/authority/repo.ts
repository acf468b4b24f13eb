/** The authority table: one row per council Redline serves (code, name, boundary, publicity policy, map copyright). */
import type { Knex } from 'knex';

export interface AuthorityRow {
  id: number;
  code: string;
  name: string;
  sciPolicy: Record<string, unknown> | null;
  copyrightStatement: string | null;
}

export async function findAuthorityByCode(db: Knex | Knex.Transaction, code: string): Promise<AuthorityRow | null> {
  const row = await db('authority').where({ code }).first('id', 'code', 'name', 'sci_policy', 'copyright_statement');
  return row
    ? {
        id: row.id,
        code: row.code,
        name: row.name,
        sciPolicy: row.sci_policy,
        copyrightStatement: row.copyright_statement,
      }
    : null;
}

export interface NewAuthority {
  code: string;
  name: string;
  gssCode: string;
  /** GeoJSON geometries in CRS84, unioned and stored as one EPSG:27700 MultiPolygon */
  boundaryGeoJson: string[];
  boundarySource: string;
  copyright: string;
  sciPolicy: Record<string, unknown>;
}

export async function insertAuthority(trx: Knex.Transaction, a: NewAuthority): Promise<AuthorityRow> {
  const geoms = a.boundaryGeoJson.map((g) => trx.raw('ST_GeomFromGeoJSON(?)', [g]));
  const [row] = await trx('authority')
    .insert({
      code: a.code,
      name: a.name,
      gss_code: a.gssCode,
      boundary: trx.raw(
        `ST_Multi(ST_Transform(ST_SetSRID(ST_Union(ARRAY[${geoms.map(() => '?').join(',')}]), 4326), 27700))`,
        geoms,
      ),
      boundary_source: a.boundarySource,
      copyright_statement: a.copyright,
      sci_policy: JSON.stringify(a.sciPolicy),
    })
    .returning(['id', 'code', 'name', 'sci_policy', 'copyright_statement']);
  // its version 1 (migration 0008 keeps every boundary an authority has had)
  await trx('authority_boundary_version').insert({
    authority_id: row.id,
    version: 1,
    boundary: trx('authority').where({ id: row.id }).select('boundary'),
    source: a.boundarySource,
    area_m2: trx('authority').where({ id: row.id }).select(trx.raw('ST_Area(boundary)')),
    loaded_by: null,
  });
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    sciPolicy: row.sci_policy,
    copyrightStatement: row.copyright_statement,
  };
}

export async function updateSciPolicy(trx: Knex.Transaction, id: number, policy: Record<string, unknown>) {
  await trx('authority')
    .where({ id })
    .update({ sci_policy: JSON.stringify(policy) });
}

export async function updateCopyright(trx: Knex.Transaction, id: number, text: string) {
  await trx('authority').where({ id }).update({ copyright_statement: text });
}

export interface BoundaryVersion {
  version: number;
  source: string;
  areaM2: number;
  loadedBy: string | null;
  loadedAt: string;
}

/** The boundary the authority has now, with its version and area (m², EPSG:27700). */
export async function currentBoundary(db: Knex | Knex.Transaction, id: number) {
  const row = await db('authority')
    .where({ id })
    .first('boundary_version', 'boundary_source', db.raw('ST_Area(boundary) AS area_m2'));
  return row
    ? { version: Number(row.boundary_version), source: String(row.boundary_source), areaM2: Number(row.area_m2) }
    : null;
}

/** Every boundary the authority has had, newest first. */
export async function boundaryVersions(db: Knex | Knex.Transaction, id: number): Promise<BoundaryVersion[]> {
  const rows = await db('authority_boundary_version')
    .where({ authority_id: id })
    .orderBy('version', 'desc')
    .select('version', 'source', 'area_m2', 'loaded_by', 'loaded_at');
  return rows.map((r) => ({
    version: Number(r.version),
    source: r.source,
    areaM2: Number(r.area_m2),
    loadedBy: r.loaded_by,
    loadedAt: new Date(r.loaded_at).toISOString(),
  }));
}

/**
 * The union of `geojson` (geometries in EPSG:27700, as ogr2ogr wrote them), its polygons only, made valid:
 * what a new boundary would be, with how much of the input was not polygonal (lines, points) and its area.
 */
export async function boundaryFromGeoJson(trx: Knex.Transaction, geojson: string[]) {
  const { rows } = await trx.raw<{
    rows: Array<{
      ewkb: string | null;
      area_m2: number | null;
      parts: number;
      polygonal: number;
      valid: boolean;
      heights: number;
    }>;
  }>(
    // heights (Z other than 0) are dropped and counted: a boundary is an area in plan
    `WITH g3 AS MATERIALIZED (
       SELECT ST_SetSRID(ST_GeomFromGeoJSON(j), 27700) AS g FROM unnest(?::text[]) j
     ), g AS MATERIALIZED (
       SELECT ST_Force2D(g) AS g, coalesce(ST_NDims(g) > 2 AND (ST_ZMin(g) <> 0 OR ST_ZMax(g) <> 0), false) AS z FROM g3
     ), u AS MATERIALIZED (
       SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(ST_CollectionExtract(ST_MakeValid(g), 3))), 3)) AS b,
              count(*)::int AS parts,
              count(*) FILTER (WHERE ST_Dimension(g) = 2)::int AS polygonal,
              bool_and(ST_IsValid(g)) AS valid,
              count(*) FILTER (WHERE z)::int AS heights
       FROM g
     )
     SELECT CASE WHEN b IS NULL OR ST_IsEmpty(b) THEN NULL ELSE encode(ST_AsEWKB(b), 'hex') END AS ewkb,
            ST_Area(b) AS area_m2, parts, polygonal, coalesce(valid, true) AS valid, heights
     FROM u`,
    [geojson],
  );
  return rows[0]!;
}

/** Makes `ewkb` (MultiPolygon, EPSG:27700) the authority's boundary, keeping the old one as a version. */
export async function replaceBoundary(
  trx: Knex.Transaction,
  id: number,
  b: { ewkb: string; source: string; loadedBy: string | null },
): Promise<number> {
  const [row] = await trx('authority')
    .where({ id })
    .update({
      boundary: trx.raw(`ST_GeomFromEWKB(decode(?, 'hex'))`, [b.ewkb]),
      boundary_source: b.source,
      boundary_version: trx.raw('boundary_version + 1'),
    })
    .returning(['boundary_version']);
  const version = Number(row.boundary_version);
  await trx('authority_boundary_version').insert({
    authority_id: id,
    version,
    boundary: trx.raw(`ST_GeomFromEWKB(decode(?, 'hex'))`, [b.ewkb]),
    source: b.source,
    area_m2: trx.raw(`ST_Area(ST_GeomFromEWKB(decode(?, 'hex')))`, [b.ewkb]),
    loaded_by: b.loadedBy,
  });
  return version;
}

export interface RecoveredLayer {
  id: string;
  /** m² (EPSG:27700) of the layer's coverage before and after */
  coverageBeforeM2: number | null;
  coverageAfterM2: number;
}

/**
 * Re-covers every loaded layer whose coverage follows the authority boundary (layer.coverage_kind 'authority',
 * migration 0016): its coverage becomes the authorities' boundaries now, less the surroundings of the features its
 * last load skipped as invalid (layer.coverage_excluded). Layers covered by their data's extent are unchanged.
 */
export async function recoverAuthorityLayers(trx: Knex.Transaction): Promise<RecoveredLayer[]> {
  const { rows } = await trx.raw<{
    rows: Array<{ id: string; before_m2: number | null; after_m2: number }>;
  }>(
    `UPDATE layer l SET
       coverage = ST_Multi(ST_CollectionExtract(ST_Difference(
         (SELECT ST_Union(boundary) FROM authority),
         coalesce(l.coverage_excluded, 'SRID=27700;POLYGON EMPTY'::geometry)), 3)),
       updated_at = CURRENT_TIMESTAMP
     FROM (SELECT id, ST_Area(coverage) AS before_m2 FROM layer
           WHERE coverage_kind = 'authority' AND data_version > 0) o
     WHERE l.id = o.id
     RETURNING l.id, o.before_m2, ST_Area(l.coverage) AS after_m2`,
  );
  return rows
    .map((r) => ({
      id: String(r.id),
      coverageBeforeM2: r.before_m2 === null ? null : Number(r.before_m2),
      coverageAfterM2: Number(r.after_m2),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The authority's contact details columns (migration 0022), as stored. */
export interface AuthorityDetailsRow {
  id: number;
  name: string;
  addressLines: string[];
  postcode: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  commentUrlTemplate: string | null;
  plansUrlTemplate: string | null;
  logoMediaType: string | null;
  logoData: Buffer | null;
  osLicenceNumber: string | null;
  copyrightOwner: string | null;
  detailsVersion: number;
}

export async function findAuthorityDetails(
  db: Knex | Knex.Transaction,
  id: number,
): Promise<AuthorityDetailsRow | null> {
  const r = await db('authority')
    .where({ id })
    .first(
      'id',
      'name',
      'address_lines',
      'postcode',
      'phone',
      'email',
      'website',
      'comment_url_template',
      'plans_url_template',
      'logo_media_type',
      'logo_data',
      'os_licence_number',
      'copyright_owner',
      'details_version',
    );
  if (!r) return null;
  return {
    id: r.id,
    name: r.name,
    addressLines: r.address_lines ?? [],
    postcode: r.postcode,
    phone: r.phone,
    email: r.email,
    website: r.website,
    commentUrlTemplate: r.comment_url_template,
    plansUrlTemplate: r.plans_url_template,
    logoMediaType: r.logo_media_type,
    logoData: r.logo_data,
    osLicenceNumber: r.os_licence_number,
    copyrightOwner: r.copyright_owner,
    detailsVersion: Number(r.details_version),
  };
}

export interface AuthorityDetailsUpdate {
  name: string;
  addressLines: string[];
  postcode: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  commentUrlTemplate: string | null;
  plansUrlTemplate: string | null;
  logoMediaType: string | null;
  logoData: Buffer | null;
  osLicenceNumber: string | null;
  copyrightOwner: string | null;
}

/** Writes every details column and bumps details_version; the new version. */
export async function updateAuthorityDetails(
  trx: Knex.Transaction,
  id: number,
  d: AuthorityDetailsUpdate,
): Promise<number> {
  const [row] = await trx('authority')
    .where({ id })
    .update({
      name: d.name,
      address_lines: d.addressLines,
      postcode: d.postcode,
      phone: d.phone,
      email: d.email,
      website: d.website,
      comment_url_template: d.commentUrlTemplate,
      plans_url_template: d.plansUrlTemplate,
      logo_media_type: d.logoMediaType,
      logo_data: d.logoData,
      os_licence_number: d.osLicenceNumber,
      copyright_owner: d.copyrightOwner,
      details_version: trx.raw('details_version + 1'),
    })
    .returning(['details_version']);
  return Number(row.details_version);
}

/** An officer's name and contact (app_user.email, app_user.phone: migration 0022). */
export async function findUserContact(db: Knex | Knex.Transaction, userId: number) {
  const r = await db('app_user').where({ id: userId }).first('display_name', 'email', 'phone');
  return r ? { name: String(r.display_name), email: r.email as string | null, phone: r.phone as string | null } : null;
}

/** Locks the authority's row until the transaction ends (a details change checks its version under the lock). */
/** The boundary's version (its ETag), the authority row locked with `lock`. */
export async function boundaryVersionOf(db: Knex | Knex.Transaction, id: number, lock = false): Promise<number> {
  const q = db('authority').where({ id });
  if (lock) void q.forUpdate();
  const row = await q.first('boundary_version');
  return Number(row!.boundary_version);
}

export async function lockAuthority(trx: Knex.Transaction, id: number): Promise<void> {
  await trx('authority').where({ id }).forUpdate().first('id');
}

export async function findAuthorityCode(db: Knex | Knex.Transaction, id: number): Promise<string | null> {
  const r = await db('authority').where({ id }).first('code');
  return (r?.code as string | undefined) ?? null;
}
