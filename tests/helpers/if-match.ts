/** ETags for the If-Match every write sends (issue 16 item 4), read straight from the test's database. */
import type { Knex } from 'knex';

/** A case's ETag ("v<version>"): what PATCH /api/cases/:id, PUT …/site and PUT …/location send in If-Match. */
export async function caseEtag(t: { db: Knex }, id: number): Promise<string> {
  const row = (await t.db('case_record').where({ id }).first('version')) as { version: number } | undefined;
  return row ? `"v${row.version}"` : '"v0"';
}

/** A layer's ETag ("v<definition version>.<data version>"), or "*" when the layer is unknown. */
export async function layerEtag(t: { db: Knex }, id: string): Promise<string> {
  const row = (await t.db('layer').where({ id }).first('definition_version', 'data_version')) as
    { definition_version: number; data_version: number } | undefined;
  return row ? `"v${row.definition_version}.${row.data_version}"` : '*';
}

/** A user's ETag ("v<version>"). */
export async function userEtag(t: { db: Knex }, id: number): Promise<string> {
  const row = (await t.db('app_user').where({ id }).first('version')) as { version: number } | undefined;
  return row ? `"v${row.version}"` : '"v0"';
}
