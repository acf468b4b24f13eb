/** The public answers' cache (server/http/version-cache.ts): one data version per entry, least recently used out. */
import { describe, expect, it } from 'vitest';
import { VersionCache } from '../../server/http/version-cache.ts';

const answer = (bytes: number, tag = 'x') => ({
  body: Buffer.alloc(bytes, tag),
  etag: `"${tag}"`,
  type: 'application/json',
});

describe('VersionCache', () => {
  it('answers only for the version the entry was made at', () => {
    const c = new VersionCache(1000);
    c.set('/a', 7, answer(10));
    expect(c.get('/a', 7)?.etag).toBe('"x"');
    expect(c.get('/a', 8)).toBeUndefined();
    expect(c.get('/a', 6)).toBeUndefined();
    expect(c.get('/b', 7)).toBeUndefined();
    expect([c.hits, c.misses]).toEqual([1, 3]);
  });

  it('replaces an entry made at an older version, counting its bytes once', () => {
    const c = new VersionCache(1000);
    c.set('/a', 1, answer(100, 'a'));
    c.set('/a', 2, answer(300, 'b'));
    expect(c.size).toEqual({ entries: 1, bytes: 300 });
    expect(c.get('/a', 2)?.etag).toBe('"b"');
  });

  it('keeps at most maxBytes: exactly at the limit all stay, one byte over the least recently used goes', () => {
    const c = new VersionCache(300);
    c.set('/1', 1, answer(100));
    c.set('/2', 1, answer(100));
    c.set('/3', 1, answer(100));
    expect(c.size).toEqual({ entries: 3, bytes: 300 });
    c.get('/1', 1); // /1 used: /2 is now the least recently used
    c.set('/4', 1, answer(1));
    expect(c.size).toEqual({ entries: 3, bytes: 201 });
    expect(c.get('/2', 1)).toBeUndefined();
    expect(c.get('/1', 1)).toBeDefined();
    expect(c.get('/4', 1)).toBeDefined();
  });

  it('never keeps an answer over maxEntryBytes, and keeps nothing when turned off (0)', () => {
    const c = new VersionCache(10_000, 500);
    c.set('/big', 1, answer(501));
    c.set('/edge', 1, answer(500));
    expect(c.get('/big', 1)).toBeUndefined();
    expect(c.get('/edge', 1)).toBeDefined();
    const off = new VersionCache(0);
    off.set('/a', 1, answer(1));
    expect(off.enabled).toBe(false);
    expect(off.get('/a', 1)).toBeUndefined();
  });

  it('keeps an empty answer (an empty tile)', () => {
    const c = new VersionCache(100);
    c.set('/t', 3, answer(0));
    expect(c.get('/t', 3)?.body.length).toBe(0);
  });

  it('makes an answer once for requests that ask at the same time; an error reaches each of them and is not kept', async () => {
    const c = new VersionCache(1000);
    let made = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const make = async () => {
      const n = ++made;
      await gate;
      return answer(10, `m${n}`);
    };
    const asks = [c.shared('/a', 1, make), c.shared('/a', 1, make), c.shared('/a', 1, make)];
    // another version, or another answer, is made on its own
    const other = [c.shared('/a', 2, make), c.shared('/b', 1, make)];
    release();
    const got = await Promise.all([...asks, ...other]);
    expect(made).toBe(3);
    expect(new Set(got.slice(0, 3).map((g) => g.etag)).size).toBe(1);
    expect(got[3]!.etag).not.toBe(got[0]!.etag);
    // once finished, the next request makes it again (keeping is the caller's business: set)
    await c.shared('/a', 1, make);
    expect(made).toBe(4);

    let failures = 0;
    const failing = async () => {
      failures++;
      await Promise.resolve();
      throw new Error('database gone');
    };
    const results = await Promise.allSettled([c.shared('/x', 1, failing), c.shared('/x', 1, failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failures).toBe(1);
    await expect(c.shared('/x', 1, failing)).rejects.toThrow('database gone');
    expect(failures).toBe(2);
  });

  it('keeps by default answers up to half the cache (at most 4 MB): a big low-zoom tile is kept', () => {
    const c = new VersionCache(64 * 1024 * 1024);
    expect(c.maxEntryBytes).toBe(4 * 1024 * 1024);
    c.set('/tile', 1, answer(700 * 1024));
    expect(c.get('/tile', 1)).toBeDefined();
    expect(new VersionCache(1000).maxEntryBytes).toBe(500);
  });
});
