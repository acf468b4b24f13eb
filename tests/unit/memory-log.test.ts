import { describe, expect, it, vi } from 'vitest';
import { sampleMemory, startMemoryLog } from '../../server/memory-log.ts';

describe('MEMORY_LOG_SECONDS', () => {
  it('0 logs nothing; otherwise one "memory" line each period, with the heap after a full GC when gc is exposed', () => {
    vi.useFakeTimers();
    try {
      const lines: Array<[Record<string, unknown>, string]> = [];
      const log = { info: (o: Record<string, unknown>, m: string) => lines.push([o, m]) } as never;
      const off = startMemoryLog(0, log);
      vi.advanceTimersByTime(60_000);
      expect(lines).toHaveLength(0);
      off.stop();

      const gc = vi.fn();
      (globalThis as { gc?: () => void }).gc = gc;
      const on = startMemoryLog(10, log);
      vi.advanceTimersByTime(30_000);
      on.stop();
      vi.advanceTimersByTime(30_000);
      expect(lines).toHaveLength(3);
      expect(gc).toHaveBeenCalledTimes(3);
      for (const [o, m] of lines) {
        expect(m).toBe('memory');
        expect(o).toMatchObject({ afterGc: true });
        expect(o.heapUsedMb).toBeGreaterThan(1);
        expect(o.rssMb).toBeGreaterThan(o.heapUsedMb as number);
      }
    } finally {
      delete (globalThis as { gc?: () => void }).gc;
      vi.useRealTimers();
    }
  });

  it('without --expose-gc it says the heap figure was taken without a collection', () => {
    expect(sampleMemory().afterGc).toBe(false);
  });
});
