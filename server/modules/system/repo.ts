/** The system module's statements: the versions /healthz reports. */
import type { Knex } from 'knex';

export interface DatabaseVersions {
  pg: string;
  pg_num: number;
  postgis: string;
  geos: string;
  proj: string;
}

/** PostgreSQL, PostGIS, GEOS and PROJ versions; throws when the database or PostGIS is not there. */
export async function databaseVersions(db: Knex): Promise<DatabaseVersions> {
  const { rows } = await db.raw<{ rows: DatabaseVersions[] }>(
    `SELECT version() AS pg, current_setting('server_version_num')::int AS pg_num,
            postgis_lib_version() AS postgis, postgis_geos_version() AS geos, postgis_proj_version() AS proj`,
  );
  return rows[0]!;
}
