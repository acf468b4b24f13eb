/** Staff accounts and API tokens in the database (tables app_user and api_token): every statement of the users
 *  module. The rules (hashing, auditing, who may do what) are in ./service.ts. */
import type { Knex } from 'knex';
import { preparedStatement, runPrepared } from '../../db/queries.ts';
import type { Role } from '../../../shared/roles.ts';
import type { User } from './service.ts';

type Db = Knex | Knex.Transaction;

const USER_COLUMNS = ['id', 'username', 'display_name as displayName', 'role', 'disabled', 'email', 'phone'];

export async function usernameTaken(db: Db, username: string): Promise<boolean> {
  return (await db('app_user').where({ username }).first('id')) !== undefined;
}

export async function userExists(db: Db, id: number): Promise<boolean> {
  return (await db('app_user').where({ id }).first('id')) !== undefined;
}

/** Whether any staff account exists yet (the demo seed runs only on an empty database). */
export async function anyUserExists(db: Db): Promise<boolean> {
  return (await db('app_user').first('id')) !== undefined;
}

export async function insertUser(
  db: Db,
  row: { username: string; displayName: string; role: Role; passwordHash: string | null },
): Promise<User> {
  const [user] = (await db('app_user')
    .insert({
      username: row.username,
      display_name: row.displayName,
      role: row.role,
      password_hash: row.passwordHash,
    })
    .returning(USER_COLUMNS)) as User[];
  return user!;
}

/** The user, locked until the transaction ends. */
export async function lockUser(trx: Knex.Transaction, id: number): Promise<User | undefined> {
  return (await trx('app_user').where({ id }).forUpdate().first(USER_COLUMNS)) as User | undefined;
}

export async function updateUserRow(
  db: Db,
  id: number,
  row: {
    displayName: string;
    role: Role;
    disabled: boolean;
    passwordHash?: string;
    email: string | null;
    phone: string | null;
  },
): Promise<User> {
  const [user] = (await db('app_user')
    .where({ id })
    .update({
      display_name: row.displayName,
      role: row.role,
      disabled: row.disabled,
      email: row.email,
      phone: row.phone,
      ...(row.passwordHash ? { password_hash: row.passwordHash } : {}),
      updated_at: db.fn.now(),
    })
    .returning(USER_COLUMNS)) as User[];
  return user!;
}

/** The account's version (migration 0031; its ETag), undefined when there is none. */
export async function userVersion(db: Db, id: number): Promise<number | undefined> {
  const r = await db('app_user').where({ id }).first('version');
  return r ? Number(r.version) : undefined;
}

/** Every account with its version. */
export async function listUserVersions(db: Db): Promise<Map<number, number>> {
  const rows = await db('app_user').select('id', 'version');
  return new Map(rows.map((r) => [Number(r.id), Number(r.version)]));
}

export async function listUsers(db: Db): Promise<User[]> {
  return db('app_user').orderBy('username').select(USER_COLUMNS);
}

export async function findUserByUsername(
  db: Db,
  username: string,
): Promise<(User & { passwordHash: string | null }) | undefined> {
  return db('app_user')
    .where({ username })
    .first([...USER_COLUMNS, 'password_hash as passwordHash']);
}

export async function getUser(db: Db, id: number): Promise<User | undefined> {
  return db('app_user').where({ id }).first(USER_COLUMNS);
}

export async function insertToken(
  db: Db,
  row: { userId: number; name: string; tokenHash: string },
): Promise<{ id: number; name: string; createdAt: Date }> {
  const [token] = await db('api_token')
    .insert({ user_id: row.userId, name: row.name, token_hash: row.tokenHash })
    .returning(['id', 'name', 'created_at as createdAt']);
  return token;
}

/** Marks an active token revoked; false when there is no active token with that id. */
export async function revokeTokenRow(db: Db, id: number): Promise<boolean> {
  const n = await db('api_token').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  return n > 0;
}

const USER_FOR_TOKEN = preparedStatement(
  'redline_user_for_token',
  `UPDATE api_token t SET last_used_at = now()
   FROM app_user u
   WHERE u.id = t.user_id AND t.token_hash = :tokenHash AND t.revoked_at IS NULL AND u.disabled = false
   RETURNING u.id, u.username, u.display_name AS "displayName", u.role, u.disabled`,
);

/** The active user behind a bearer token, by the token's SHA-256 (hex), or null; marks the token used. One
 *  statement, run as a named prepared statement (it runs on every token-authenticated request). */
export async function userForTokenHash(db: Knex, tokenHash: string): Promise<User | null> {
  const rows = await runPrepared<User>(db, USER_FOR_TOKEN, { tokenHash });
  return rows[0] ?? null;
}
