/** Staff accounts and API tokens. Passwords are argon2id hashes; tokens are 256-bit random strings of which
 *  only a SHA-256 is stored (they are shown once, when created). Every change is audited. */
import crypto from 'node:crypto';
import argon2 from 'argon2';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { clearTokenCaches } from '../auth/token-cache.ts';
import { preparedStatement, runPrepared } from '../../db/queries.ts';
import type { Role } from '../../../shared/domain/cases.ts';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
}

const USER_COLUMNS = ['id', 'username', 'display_name as displayName', 'role', 'disabled'];

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');
export const generatePassword = () => crypto.randomBytes(15).toString('base64url');

export async function createUser(
  db: Knex,
  actor: Actor,
  input: { username: string; displayName?: string; role: Role; password?: string | null },
  requestId?: string,
): Promise<User> {
  const passwordHash = input.password ? await argon2.hash(input.password, { type: argon2.argon2id }) : null;
  return db.transaction(async (trx) => {
    const exists = await trx('app_user').where({ username: input.username }).first('id');
    if (exists)
      throw new AppError('USERNAME_TAKEN', `The username "${input.username}" is already taken.`, {
        username: input.username,
      });
    const [user] = (await trx('app_user')
      .insert({
        username: input.username,
        display_name: input.displayName ?? input.username,
        role: input.role,
        password_hash: passwordHash,
      })
      .returning(USER_COLUMNS)) as User[];
    await writeAudit(trx, {
      actor,
      action: 'user.create',
      entityType: 'user',
      entityId: user!.id,
      after: { ...user, hasPassword: Boolean(passwordHash) },
      requestId,
    });
    return user!;
  });
}

export async function updateUser(
  db: Knex,
  actor: Actor,
  id: number,
  patch: { displayName?: string; role?: Role; disabled?: boolean; password?: string },
  requestId?: string,
): Promise<User> {
  const passwordHash = patch.password ? await argon2.hash(patch.password, { type: argon2.argon2id }) : undefined;
  return db
    .transaction(async (trx) => {
      const before = (await trx('app_user').where({ id }).forUpdate().first(USER_COLUMNS)) as User | undefined;
      if (!before) throw new AppError('USER_NOT_FOUND', `There is no user with id ${id}.`, { id });
      const [after] = (await trx('app_user')
        .where({ id })
        .update({
          display_name: patch.displayName ?? before.displayName,
          role: patch.role ?? before.role,
          disabled: patch.disabled ?? before.disabled,
          ...(passwordHash ? { password_hash: passwordHash } : {}),
          updated_at: trx.fn.now(),
        })
        .returning(USER_COLUMNS)) as User[];
      await writeAudit(trx, {
        actor,
        action: 'user.update',
        entityType: 'user',
        entityId: id,
        before,
        after: { ...after, passwordChanged: Boolean(passwordHash) },
        requestId,
      });
      return after!;
    })
    .finally(clearTokenCaches); // cached bearer tokens (../auth/token-cache.ts): other processes are notified by the database
}

export async function listUsers(db: Knex): Promise<User[]> {
  return db('app_user').orderBy('username').select(USER_COLUMNS);
}

export async function findUserByUsername(db: Knex, username: string) {
  return db('app_user')
    .where({ username })
    .first([...USER_COLUMNS, 'password_hash as passwordHash']) as Promise<
    (User & { passwordHash: string | null }) | undefined
  >;
}

export async function getUser(db: Knex, id: number): Promise<User | undefined> {
  return db('app_user').where({ id }).first(USER_COLUMNS);
}

/** Checks a username and password; returns the user or null. Takes the same time for unknown users. */
export async function verifyPassword(db: Knex, username: string, password: string): Promise<User | null> {
  const row = await findUserByUsername(db, username);
  const hash = row?.passwordHash ?? DUMMY_HASH;
  const ok = await argon2.verify(await hash, password).catch(() => false);
  if (!row || !row.passwordHash || !ok || row.disabled) return null;
  const { passwordHash: _omit, ...user } = row;
  return user;
}
// A real argon2id hash of a random password, so unknown usernames cost the same as wrong passwords.
const DUMMY_HASH: Promise<string> = argon2.hash(crypto.randomBytes(16).toString('hex'), { type: argon2.argon2id });

export async function createToken(db: Knex, actor: Actor, userId: number, name: string, requestId?: string) {
  const token = `rl_${crypto.randomBytes(32).toString('base64url')}`;
  return db.transaction(async (trx) => {
    const user = await trx('app_user').where({ id: userId }).first('id');
    if (!user) throw new AppError('USER_NOT_FOUND', `There is no user with id ${userId}.`, { id: userId });
    const [row] = await trx('api_token')
      .insert({ user_id: userId, name, token_hash: hashToken(token) })
      .returning(['id', 'name', 'created_at as createdAt']);
    await writeAudit(trx, {
      actor,
      action: 'token.create',
      entityType: 'api_token',
      entityId: row.id,
      after: { userId, name },
      requestId,
    });
    return { id: row.id as number, name, token };
  });
}

export async function revokeToken(db: Knex, actor: Actor, tokenId: number, requestId?: string) {
  return db
    .transaction(async (trx) => {
      const n = await trx('api_token')
        .where({ id: tokenId })
        .whereNull('revoked_at')
        .update({ revoked_at: trx.fn.now() });
      if (!n) throw new AppError('NOT_FOUND', `There is no active token with id ${tokenId}.`, { id: tokenId });
      await writeAudit(trx, { actor, action: 'token.revoke', entityType: 'api_token', entityId: tokenId, requestId });
    })
    .finally(clearTokenCaches); // as in updateUser
}

/** The active user behind a bearer token, or null; marks the token used. One statement (it runs on every
 *  token-authenticated request): finding the token and setting last_used_at were two round trips. */
export async function userForToken(db: Knex, token: string): Promise<User | null> {
  return userForTokenHash(db, hashToken(token));
}

const USER_FOR_TOKEN = preparedStatement(
  'redline_user_for_token',
  `UPDATE api_token t SET last_used_at = now()
   FROM app_user u
   WHERE u.id = t.user_id AND t.token_hash = :tokenHash AND t.revoked_at IS NULL AND u.disabled = false
   RETURNING u.id, u.username, u.display_name AS "displayName", u.role, u.disabled`,
);

/** userForToken by the token's SHA-256 (hex); a named prepared statement. */
export async function userForTokenHash(db: Knex, tokenHash: string): Promise<User | null> {
  const rows = await runPrepared<User>(db, USER_FOR_TOKEN, { tokenHash });
  return rows[0] ?? null;
}
