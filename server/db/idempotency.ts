/** The statements of Idempotency-Key handling (server/http/idempotency.ts); table idempotency_key (0027). */
import type { Knex } from 'knex';

export interface IdempotencyRow {
  request_hash: string;
  status: number | null;
  response: unknown;
  location: string | null;
}

/** Claims (user, key) for a new request; false when it is already taken. Prunes keys older than a day. */
export async function claimIdempotencyKey(
  db: Knex,
  k: { userId: number; key: string; method: string; path: string; hash: string },
): Promise<boolean> {
  await db('idempotency_key').where('created_at', '<', db.raw("now() - interval '1 day'")).delete();
  const rows = await db('idempotency_key')
    .insert({ user_id: k.userId, key: k.key, method: k.method, path: k.path, request_hash: k.hash })
    .onConflict(['user_id', 'key'])
    .ignore()
    .returning('key');
  return rows.length === 1;
}

export async function findIdempotencyKey(db: Knex, userId: number, key: string): Promise<IdempotencyRow | undefined> {
  return db('idempotency_key')
    .where({ user_id: userId, key })
    .first<IdempotencyRow | undefined>('request_hash', 'status', 'response', 'location');
}

export async function completeIdempotencyKey(
  db: Knex,
  userId: number,
  key: string,
  r: { status: number; response: unknown; location: string | null },
): Promise<void> {
  await db('idempotency_key')
    .where({ user_id: userId, key })
    .update({
      status: r.status,
      response: r.response === undefined ? null : JSON.stringify(r.response),
      location: r.location,
      completed_at: db.fn.now(),
    });
}

export async function releaseIdempotencyKey(db: Knex, userId: number, key: string): Promise<void> {
  await db('idempotency_key').where({ user_id: userId, key }).whereNull('status').delete();
}
