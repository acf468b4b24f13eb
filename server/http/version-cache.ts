/**
 * A small in-memory cache of public answers (register searches, application JSON, tiles), keyed by the request and
 * valid for one public data version only (public_data_state, bumped in the same transaction as any change a public
 * view shows). A request reads the current version first (one tiny statement), then looks its answer up under that
 * version: an entry can only be served while nothing public has changed since it was computed, so a cached answer
 * is never staler than an uncached one would be. It does in each Redline process what a CDN does in front of
 * several; least recently used entries go first once `maxBytes` is reached.
 */
export interface CachedAnswer {
  body: Buffer;
  etag: string;
  type: string;
}

export class VersionCache {
  private readonly entries = new Map<string, { version: number; value: CachedAnswer }>();
  /** answers being made: the second and later requests for the same answer wait for the first (no stampede) */
  private readonly making = new Map<string, Promise<unknown>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  /** `maxBytes` 0 turns the cache off; an answer over `maxEntryBytes` is never kept (default: half the cache, at most
   *  4 MB, so the low-zoom tiles of a busy register, the costliest to make, are kept too). */
  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes = Math.min(4 * 1024 * 1024, Math.floor(maxBytes / 2)),
  ) {}

  /**
   * Makes the answer for `key` at `version` once however many requests ask for it at the same time: while one
   * `make` runs, others for the same key and version wait for its result (or its error) instead of each asking
   * the database again. Nothing is kept here: the caller keeps what it wants with `set`.
   */
  shared<T>(key: string, version: number, make: () => Promise<T>): Promise<T> {
    const k = `${version}\u0000${key}`;
    const running = this.making.get(k) as Promise<T> | undefined;
    if (running) return running;
    const p = make().finally(() => this.making.delete(k));
    this.making.set(k, p);
    return p;
  }

  get enabled() {
    return this.maxBytes > 0;
  }

  get size() {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  get(key: string, version: number): CachedAnswer | undefined {
    const e = this.entries.get(key);
    if (!e || e.version !== version) {
      this.misses++;
      return undefined;
    }
    // most recently used last
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits++;
    return e.value;
  }

  set(key: string, version: number, value: CachedAnswer): void {
    if (!this.enabled || value.body.length > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.value.body.length;
      this.entries.delete(key);
    }
    this.entries.set(key, { version, value });
    this.bytes += value.body.length;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.value.body.length;
    }
  }
}
