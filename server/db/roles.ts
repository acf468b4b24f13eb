/**
 * Least privilege in the database. The migrations run as an owner (the embedded cluster's `redline`, or the role in
 * DATABASE_OWNER_URL); Redline serves requests as a role that owns nothing and has only these grants:
 *  - read and write on Redline's tables, except the audit trail: audit_log is SELECT and INSERT only (no UPDATE,
 *    DELETE, TRUNCATE, TRIGGER or REFERENCES), and the migrations' bookkeeping is read-only;
 *  - its sequences (nextval), the layer loads' staging schema (CREATE there, nothing in public), temporary tables;
 *  - EXECUTE on audit_seal(), which seals new audit rows into the hash chain as the owner.
 * Not being the owner, it cannot ALTER, DISABLE TRIGGER or DROP anything of the owner's; not being a superuser, it
 * cannot set session_replication_role. grantServing is idempotent and runs after every migration, so tables that
 * later migrations add are granted too.
 */
import type { Knex } from 'knex';

const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';
const literal = (s: string) => "'" + s.replace(/'/g, "''") + "'";

/** The name the embedded cluster (and docker-compose.yml) give the serving role. */
export const SERVING_ROLE = 'redline_app';

/** Creates the login role `name` with `password`, or sets its password; never a superuser or owner of anything. */
export async function ensureLoginRole(admin: Knex, name: string, password: string): Promise<void> {
  const exists = await admin('pg_roles').where({ rolname: name }).first('rolname');
  const attrs = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT';
  await admin.raw(`${exists ? 'ALTER' : 'CREATE'} ROLE ${ident(name)} WITH ${attrs} PASSWORD ${literal(password)}`);
}

/** Grants the serving role what Redline needs in the current database (run as the owner, after migrating). */
export async function grantServing(owner: Knex, role: string): Promise<void> {
  const r = ident(role);
  await owner.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: Array<{ db: string; me: string }> }>(
      'SELECT current_database() AS db, current_user AS me',
    );
    if (rows[0]!.me === role) return; // one URL for both: nothing to grant (boot warns about it)
    await trx.raw(`GRANT CONNECT, TEMPORARY ON DATABASE ${ident(rows[0]!.db)} TO ${r}`);
    await trx.raw(`GRANT USAGE ON SCHEMA public TO ${r}`);
    await trx.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`);
    await trx.raw(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`);
    await trx.raw(`REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_log FROM ${r}, PUBLIC`);
    await trx.raw(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON knex_migrations, knex_migrations_lock FROM ${r}`);
    await trx.raw(`GRANT USAGE, CREATE ON SCHEMA layer_staging TO ${r}`);
    await trx.raw(`GRANT EXECUTE ON FUNCTION audit_seal(int) TO ${r}`);
  });
}

export interface RoleReport {
  role: string;
  superuser: boolean;
  /** Redline's tables this role owns (it should own none) */
  ownsTables: number;
  /** it may change or remove audit rows (UPDATE, DELETE or TRUNCATE on audit_log) */
  canRewriteAudit: boolean;
}

/** What the connection's role may do, for the boot check and the tests. */
export async function roleReport(db: Knex): Promise<RoleReport> {
  const { rows } = await db.raw<{ rows: RoleReport[] }>(
    `SELECT current_user AS role,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user) AS "ownsTables",
            (has_table_privilege('audit_log', 'UPDATE') OR has_table_privilege('audit_log', 'DELETE')
              OR has_table_privilege('audit_log', 'TRUNCATE')) AS "canRewriteAudit"`,
  );
  return rows[0]!;
}
