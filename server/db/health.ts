/** Probes of the database server itself, used at boot. */
import type { Knex } from 'knex';

/** Connects (throws when the server cannot be reached) and says whether PostGIS can be installed there. */
export async function postgisAvailable(db: Knex): Promise<boolean> {
  await db.raw('SELECT 1');
  const ext = await db.raw<{ rows: unknown[] }>("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'");
  return ext.rows.length > 0;
}
