/** The auth module's statements: rate-limit counters (table rate_limit: one row per key and window, shared by
 *  every Redline process) and the LISTEN that keeps the token caches honest (./token-cache.ts). */
import type { Knex } from 'knex';
import type pg from 'pg';
import { sqlQuery } from '../../db/queries.ts';

export async function rateLimitHit(db: Knex, key: string, windowMs: number): Promise<{ hits: number; resetAt: Date }> {
  const { rows } = await db.raw<{ rows: Array<{ hits: number; reset_at: Date }> }>(sqlQuery('rate_limit_hit'), {
    key,
    window_ms: windowMs,
  });
  return { hits: rows[0]!.hits, resetAt: rows[0]!.reset_at };
}

export async function rateLimitUndo(db: Knex, key: string): Promise<void> {
  await db('rate_limit').where({ key }).andWhere('hits', '>', 0).decrement('hits', 1);
}

export async function rateLimitReset(db: Knex, key: string): Promise<void> {
  await db('rate_limit').where({ key }).delete();
}

/** Drops windows that ended more than a day ago (they would restart at 1 anyway). */
export async function rateLimitPrune(db: Knex): Promise<number> {
  return db('rate_limit').where('reset_at', '<', db.raw("now() - interval '1 day'")).delete();
}

/** The channel sql/migrations/0006_auth_notify.sql notifies when a token or its user changes. */
export const AUTH_CHANNEL = 'redline_auth';

/** Subscribes `client` (a connection of its own) to AUTH_CHANNEL. */
export async function listenForAuthChanges(client: pg.Client): Promise<void> {
  await client.query(`LISTEN ${AUTH_CHANNEL}`);
}
