/** Staff accounts and API tokens. Passwords are argon2id hashes; tokens are 256-bit random strings of which
 *  only a SHA-256 is stored (they are shown once, when created). Every change is audited. */
import crypto from 'node:crypto';
import { checkVersion, type IfMatch } from '../../http/if-match.ts';
import argon2 from 'argon2';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { clearTokenCaches } from '../auth/token-cache.ts';
import type { Role } from '../../../shared/roles.ts';
import * as repo from './repo.ts';

// the queries some callers use directly (sign-in, the CLI, the demo seed): the statements are in ./repo.ts
export { anyUserExists, findUserByUsername, getUser, listUsers, userForTokenHash } from './repo.ts';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  email: string | null;
  phone: string | null;
}

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
    if (await repo.usernameTaken(trx, input.username))
      throw new AppError('USERNAME_TAKEN', `The username "${input.username}" is already taken.`, {
        username: input.username,
      });
    const user = await repo.insertUser(trx, {
      username: input.username,
      displayName: input.displayName ?? input.username,
      role: input.role,
      passwordHash,
    });
    await writeAudit(trx, {
      actor,
      action: 'user.create',
      entityType: 'user',
      entityId: user.id,
      after: { ...user, hasPassword: Boolean(passwordHash) },
      requestId,
    });
    return user;
  });
}

export async function updateUser(
  db: Knex,
  actor: Actor,
  id: number,
  patch: {
    displayName?: string;
    role?: Role;
    disabled?: boolean;
    password?: string;
    /** the officer's contact printed on letters (null clears it) */
    email?: string | null;
    phone?: string | null;
  },
  requestId?: string,
  ifMatch: IfMatch = '*',
): Promise<User & { version: number }> {
  const passwordHash = patch.password ? await argon2.hash(patch.password, { type: argon2.argon2id }) : undefined;
  return db
    .transaction(async (trx) => {
      const before = await repo.lockUser(trx, id);
      if (!before) throw new AppError('USER_NOT_FOUND', `There is no user with id ${id}.`, { id });
      // the API sends the version of the account it edited (If-Match); the CLI changes whatever is there
      checkVersion(`user ${before.username}`, (await repo.userVersion(trx, id))!, ifMatch);
      const after = await repo.updateUserRow(trx, id, {
        displayName: patch.displayName ?? before.displayName,
        role: patch.role ?? before.role,
        disabled: patch.disabled ?? before.disabled,
        passwordHash,
        email: patch.email === undefined ? before.email : patch.email,
        phone: patch.phone === undefined ? before.phone : patch.phone,
      });
      await writeAudit(trx, {
        actor,
        action: 'user.update',
        entityType: 'user',
        entityId: id,
        before,
        after: { ...after, passwordChanged: Boolean(passwordHash) },
        requestId,
      });
      return { ...after, version: (await repo.userVersion(trx, id))! };
    })
    .finally(clearTokenCaches); // cached bearer tokens (../auth/token-cache.ts): other processes are notified by the database
}

/** One account and its version (the ETag a PATCH sends back in If-Match). */
export async function getUserWithVersion(db: Knex, id: number): Promise<User & { version: number }> {
  const u = await repo.getUser(db, id);
  if (!u) throw new AppError('USER_NOT_FOUND', `There is no user with id ${id}.`, { id });
  return { ...u, version: (await repo.userVersion(db, id))! };
}

/** Every account with its version. */
export async function listUsersWithVersions(db: Knex): Promise<Array<User & { version: number }>> {
  const versions = await repo.listUserVersions(db);
  return (await repo.listUsers(db)).map((u) => ({ ...u, version: versions.get(u.id) ?? 1 }));
}

/** Checks a username and password; returns the user or null. Takes the same time for unknown users. */
export async function verifyPassword(db: Knex, username: string, password: string): Promise<User | null> {
  const row = await repo.findUserByUsername(db, username);
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
    if (!(await repo.userExists(trx, userId)))
      throw new AppError('USER_NOT_FOUND', `There is no user with id ${userId}.`, { id: userId });
    const row = await repo.insertToken(trx, { userId, name, tokenHash: hashToken(token) });
    await writeAudit(trx, {
      actor,
      action: 'token.create',
      entityType: 'api_token',
      entityId: row.id,
      after: { userId, name },
      requestId,
    });
    return { id: row.id, name, token };
  });
}

export async function revokeToken(db: Knex, actor: Actor, tokenId: number, requestId?: string) {
  return db
    .transaction(async (trx) => {
      if (!(await repo.revokeTokenRow(trx, tokenId)))
        throw new AppError('NOT_FOUND', `There is no active token with id ${tokenId}.`, { id: tokenId });
      await writeAudit(trx, { actor, action: 'token.revoke', entityType: 'api_token', entityId: tokenId, requestId });
    })
    .finally(clearTokenCaches); // as in updateUser
}

/** The active user behind a bearer token, or null; marks the token used (one statement: repo.userForTokenHash). */
export async function userForToken(db: Knex, token: string): Promise<User | null> {
  return repo.userForTokenHash(db, hashToken(token));
}
