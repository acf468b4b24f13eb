/** The read pool: the Knex public routes read through (AppContext.readDb). With DATABASE_READ_URL, a pool on the
 *  streaming replica whose sessions are read-only; without it, the primary's own pool. */
import type { Knex } from 'knex';
import knexFactory from 'knex';
import './knex.ts';

export function createReadDb(url: string, poolMax = 10): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: url,
      application_name: 'redline-read',
      // a hot standby refuses writes anyway; this says so on any server the URL names
      options: '-c default_transaction_read_only=on',
    },
    pool: { min: 0, max: poolMax },
  });
}

/** The read Knex for an AppContext: a replica pool when `readUrl` is set, else `primary` itself. */
export function readDbFor(primary: Knex, readUrl: string | undefined): { readDb: Knex; close(): Promise<void> } {
  if (!readUrl) return { readDb: primary, close: async () => undefined };
  const readDb = createReadDb(readUrl);
  return { readDb, close: () => readDb.destroy() };
}
