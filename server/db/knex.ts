/** The knex instance (pg driver) and knex-postgis helpers. */
import knexFactory, { type Knex } from 'knex';
import knexPostgis from 'knex-postgis';
import pg from 'pg';

// int8 (bigserial ids, UPRNs): UPRNs have at most 12 digits, ids stay far below 2^53, so numbers are exact.
pg.types.setTypeParser(20, (v: string) => Number(v));
// int8[] (UPRN lists) likewise
const parseInt8Array = pg.types.getTypeParser(1016 as never) as (v: string) => Array<string | null>;
pg.types.setTypeParser(1016 as never, (v: string) => parseInt8Array(v).map((x) => (x === null ? null : Number(x))));
// date: keep 'YYYY-MM-DD' as text; a JS Date would move it by the time zone.
pg.types.setTypeParser(1082, (v: string) => v);
// numeric (ST_Area results cast to numeric, etc.)
pg.types.setTypeParser(1700, (v: string) => Number(v));

export type Db = Knex;

export function createDb(url: string, poolMax = 10): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: 'redline' },
    pool: { min: 0, max: poolMax },
  });
}

export function postgis(db: Knex) {
  return knexPostgis(db);
}
