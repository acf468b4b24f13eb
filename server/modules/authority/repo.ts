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
