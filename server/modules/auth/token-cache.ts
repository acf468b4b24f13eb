/**
 * Bearer token → user, kept for a few seconds (API_TOKEN_CACHE_SECONDS, default 5; 0 turns it off) so a
 * token-authenticated request does not look its token up (and write last_used_at) every time.
 *
 * Revocation is not delayed by it:
 * - this process drops every cached token as soon as it revokes a token or changes a user
 *   (clearTokenCaches, called by server/modules/users/service.ts after the change commits);
 * - every other process hears of it within milliseconds: sql/migrations/0006_auth_notify.sql has PostgreSQL
 *   notify the channel `redline_auth` whenever a token is revoked or deleted or its user disabled, re-roled,
 *   renamed or deleted (by the API, the CLI or plain SQL), and each app LISTENs there (startAuthListener);
 * - while the listening connection is down (or not yet up) nothing is cached: every request looks its token up;
 * - the expiry is the backstop if a notification were ever lost with the connection still looking alive.
 * Unknown tokens are never cached. last_used_at is therefore set at most once per token per expiry window per
 * process (it is "last used", to within those few seconds).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { User } from '../users/service.ts';
import { listenForAuthChanges } from './repo.ts';

const MAX_ENTRIES = 10_000;

const live = new Set<TokenCache>();

export class TokenCache {
  private readonly entries = new Map<string, { user: User; until: number }>();
  /** false while the notification listener is not connected: then nothing is cached */
  listening = false;

  constructor(readonly ttlMs: number) {
    live.add(this);
  }

  get enabled() {
    return this.ttlMs > 0 && this.listening;
  }

  /** A copy of the cached user for this token hash, or undefined. */
  get(tokenHash: string): User | undefined {
    if (!this.enabled) return undefined;
    const e = this.entries.get(tokenHash);
    if (!e) return undefined;
    if (e.until <= performance.now()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return { ...e.user };
  }

  /** The time a lookup starts (monotonic), for set. */
  now(): number {
    return performance.now();
  }

  /** Caches a user found by a lookup that started at `lookedUpAt` (this.now()), unless a clear came since. */
  set(tokenHash: string, user: User, lookedUpAt: number): void {
    if (!this.enabled || lookedUpAt <= this.clearedAt) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(tokenHash, { user: { ...user }, until: lookedUpAt + this.ttlMs });
  }

  private clearedAt = -Infinity;
  clear(): void {
    this.entries.clear();
    // a lookup that was already running when the change committed may have read the old state: not cached
    this.clearedAt = performance.now();
  }

  close(): void {
    this.clear();
    this.listening = false;
    live.delete(this);
  }
}

/** Drops the cached tokens of every app in this process (a token was revoked or a user changed here). */
export function clearTokenCaches(): void {
  for (const c of live) c.clear();
}

/**
 * LISTENs on redline_auth on a connection of its own and clears `cache` on every notification. Reconnects after
 * a failure (every 2 s); the cache is off until the LISTEN is in place again. Returns a function that stops it.
 */
export function startAuthListener(
  connectionString: string,
  cache: TokenCache,
  log: Pick<Logger, 'warn'>,
): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let warned = false; // once an outage, not every retry
  const down = () => {
    cache.listening = false;
    cache.clear();
  };
  const connect = async () => {
    if (stopped || cache.ttlMs <= 0) return;
    const c = new pg.Client({ connectionString, application_name: 'redline-auth-listener' });
    client = c;
    const retry = (e?: unknown) => {
      if (client !== c) return;
      client = null;
      down();
      c.removeAllListeners('notification');
      c.end().catch(() => undefined);
      if (stopped) return;
      if (e && !warned)
        log.warn(
          { err: e },
          'the API token cache listener has no connection: tokens are looked up on every request until it is back',
        );
      if (e) warned = true;
      timer = setTimeout(() => void connect(), 2_000);
      timer.unref();
    };
    c.on('error', retry);
    c.on('end', () => retry());
    c.on('notification', () => cache.clear());
    try {
      await c.connect();
      await listenForAuthChanges(c);
      if (client === c && !stopped) {
        cache.clear();
        cache.listening = true;
        warned = false;
      }
    } catch (e) {
      retry(e);
    }
  };
  void connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    down();
    const c = client;
    client = null;
    if (c) await c.end().catch(() => undefined);
  };
}
