/**
 * An express-rate-limit store that keeps its counts in PostgreSQL (table rate_limit), so that several Redline
 * processes behind a load balancer share one limit per key. One statement per request (an upsert).
 */
import type { Knex } from 'knex';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import { rateLimitHit, rateLimitReset, rateLimitUndo } from './repo.ts';

export class PgRateLimitStore implements Store {
  windowMs = 15 * 60 * 1000;
  /** counts live in the database, not in this process */
  localKeys = false;

  constructor(
    private readonly db: Knex,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private key(key: string) {
    return `${this.prefix}:${key}`;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const { hits, resetAt } = await rateLimitHit(this.db, this.key(key), this.windowMs);
    return { totalHits: hits, resetTime: resetAt };
  }

  async decrement(key: string): Promise<void> {
    await rateLimitUndo(this.db, this.key(key));
  }

  async resetKey(key: string): Promise<void> {
    await rateLimitReset(this.db, this.key(key));
  }
}
