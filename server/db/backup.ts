/**
 * Backup and restore of Redline's database: `pg_dump -Fc` of the whole database, with a manifest beside it
 * (`<file>.manifest.json`: the migration level and every table's row count, taken in the same snapshot as the dump),
 * and `pg_restore` of such a file into an EMPTY database in one transaction, checked against the manifest.
 *
 * The dump is taken without owners or grants (`--no-owner --no-privileges`), so it restores on another server whose
 * roles differ; the restoring login owns what it creates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { findPostgresBinDir } from './embedded.ts';
import { MIGRATIONS_DIR } from './migrate.ts';

export const BACKUP_FORMAT = 'redline-backup/1';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  database: string;
  server: string;
  postgis: string | null;
  /** the migrations applied, oldest first; the last one is the level */
  migrations: string[];
  /** rows per table (schema-qualified), in the dump's snapshot */
  tables: Record<string, number>;
  /** the dump file's size in bytes */
  bytes: number;
}

export class BackupError extends Error {}

export const manifestPath = (file: string) => `${file}.manifest.json`;

function binary(name: 'pg_dump' | 'pg_restore'): string {
  const dir = findPostgresBinDir();
  if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return name; // from PATH (postgresql-client)
}

/** Runs a PostgreSQL client program with the connection in the environment (no password on the command line). */
function run(cmd: string, args: string[], url: string): Promise<void> {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PGHOST: decodeURIComponent(u.hostname) || 'localhost',
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.replace(/^\//, '')),
  };
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) =>
      reject(
        new BackupError(
          `Could not run ${path.basename(cmd)} (${e.message}). Install the PostgreSQL client programs (Debian: apt-get install postgresql-client).`,
        ),
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new BackupError(
              `${path.basename(cmd)} failed (exit ${code}): ${err.trim().split('\n').slice(-6).join(' | ')}`,
            ),
          ),
    );
  });
}

const TABLES_SQL = `
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'topology', 'tiger')
    AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  ORDER BY 1`;

async function countTables(client: pg.ClientBase): Promise<Record<string, number>> {
  const { rows } = await client.query<{ name: string }>(TABLES_SQL);
  const tables: Record<string, number> = {};
  for (const { name } of rows) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
    tables[name] = Number(r.rows[0]!.n);
  }
  return tables;
}

async function migrationsOf(client: pg.ClientBase): Promise<string[]> {
  const exists = await client.query(`SELECT to_regclass('public.knex_migrations') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return [];
  const { rows } = await client.query<{ name: string }>('SELECT name FROM knex_migrations ORDER BY id');
  return rows.map((r) => r.name);
}

/**
 * Dumps the database at `url` to `file` (custom format) and writes the manifest beside it. The row counts and the
 * dump come from one exported snapshot, so they agree even while Redline keeps serving.
 */
export async function backupDatabase(url: string, file: string): Promise<BackupManifest> {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  const client = new pg.Client({ connectionString: url, application_name: 'redline-backup' });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
    const info = (
      await client.query<{ db: string; server: string; postgis: string | null }>(
        `SELECT current_database() AS db, current_setting('server_version') AS server,
                (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis`,
      )
    ).rows[0]!;
    const migrations = await migrationsOf(client);
    const tables = await countTables(client);
    await run(
      binary('pg_dump'),
      ['-Fc', '-Z', '6', '--no-owner', '--no-privileges', `--snapshot=${snapshot}`, '-f', partial],
      url,
    );
    await client.query('COMMIT');
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      database: info.db,
      server: info.server,
      postgis: info.postgis,
      migrations,
      tables,
      bytes: fs.statSync(partial).size,
    };
    fs.renameSync(partial, target);
    fs.writeFileSync(manifestPath(target), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  } catch (e) {
    fs.rmSync(partial, { force: true });
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function readManifest(file: string): BackupManifest {
  const m = manifestPath(path.resolve(file));
  if (!fs.existsSync(path.resolve(file))) throw new BackupError(`There is no backup file at ${file}.`);
  if (!fs.existsSync(m))
    throw new BackupError(`The backup's manifest ${path.basename(m)} is not beside it: copy both files together.`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(m, 'utf8')) as BackupManifest;
  } catch (e) {
    throw new BackupError(`The manifest ${path.basename(m)} is not valid JSON (${(e as Error).message}).`);
  }
  if (manifest.format !== BACKUP_FORMAT || typeof manifest.tables !== 'object' || !Array.isArray(manifest.migrations))
    throw new BackupError(`${path.basename(m)} is not a Redline backup manifest (format ${BACKUP_FORMAT}).`);
  return manifest;
}

/** The tables of the database at `url` that hold anything of ours (PostGIS's own tables do not count). */
async function userTables(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(TABLES_SQL);
  return rows.map((r) => r.name);
}

export interface RestoreReport {
  manifest: BackupManifest;
  tables: Record<string, number>;
}

/**
 * Restores `file` into the empty database at `url` in one transaction, then checks every table's row count against
 * the manifest. Refuses a database that has any table, and a backup from a newer Redline (a migration this code
 * does not have).
 */
export async function restoreDatabase(url: string, file: string): Promise<RestoreReport> {
  const manifest = readManifest(file);
  const known = new Set(fs.readdirSync(MIGRATIONS_DIR));
  const unknown = manifest.migrations.filter((m) => !known.has(m));
  if (unknown.length)
    throw new BackupError(
      `This backup is from a newer Redline (migrations ${unknown.join(', ')} are not in this version): restore it with that version or later.`,
    );
  const client = new pg.Client({ connectionString: url, application_name: 'redline-restore' });
  await client.connect();
  try {
    const existing = await userTables(client);
    if (existing.length)
      throw new BackupError(
        `The database ${new URL(url).pathname.slice(1)} is not empty (${existing.length} tables, e.g. ${existing.slice(0, 3).join(', ')}): ` +
          'restore into a new, empty database (a new REDLINE_DATA_DIR, or an empty database in DATABASE_URL).',
      );
    await run(
      binary('pg_restore'),
      [
        '--no-owner',
        '--no-privileges',
        '--single-transaction',
        '--exit-on-error',
        '-d',
        new URL(url).pathname.slice(1),
        path.resolve(file),
      ],
      url,
    );
    const tables = await countTables(client);
    const differ = Object.keys({ ...manifest.tables, ...tables }).filter((t) => manifest.tables[t] !== tables[t]);
    if (differ.length)
      throw new BackupError(
        `The restored data does not match the manifest: ${differ
          .slice(0, 5)
          .map((t) => `${t} has ${tables[t] ?? 'no table'} rows, the backup ${manifest.tables[t] ?? 'none'}`)
          .join('; ')}.`,
      );
    return { manifest, tables };
  } finally {
    await client.end().catch(() => undefined);
  }
}
