/** knex migrations from sql/migrations/NNNN_name.sql. Each file holds the "up" SQL, then a line
 *  `-- down` and the SQL that undoes it. Each migration runs in its own transaction. */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../config/index.ts';

export const MIGRATIONS_DIR = path.join(repoRoot, 'sql', 'migrations');

interface SqlMigration {
  name: string;
  up: string;
  down: string;
}

function readMigrations(): SqlMigration[] {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const text = fs.readFileSync(path.join(MIGRATIONS_DIR, name), 'utf8');
      const [up, down = ''] = text.split(/^-- down\s*$/m);
      return { name, up: up!, down };
    });
}

const source: Knex.MigrationSource<SqlMigration> = {
  getMigrations: async () => readMigrations(),
  getMigrationName: (m) => m.name,
  getMigration: async (m) => ({
    up: (knex: Knex) => knex.raw(m.up),
    down: (knex: Knex) => knex.raw(m.down),
  }),
};

const migrationConfig: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

export async function migrateRollback(db: Knex): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback(migrationConfig)) as [number, string[]];
  return undone;
}

/** The migrations `migrateRollback` would undo: the last batch, newest first. */
export async function lastMigrationBatch(db: Knex): Promise<string[]> {
  const rows = (await db('knex_migrations')
    .where('batch', db('knex_migrations').max('batch'))
    .orderBy('id', 'desc')
    .select('name')) as Array<{ name: string }>;
  return rows.map((r) => r.name);
}

export async function migrationStatus(db: Knex) {
  const [done, pending] = (await db.migrate.list(migrationConfig)) as [Array<{ name: string }>, SqlMigration[]];
  return { done: done.map((d) => d.name), pending: pending.map((p) => p.name) };
}
