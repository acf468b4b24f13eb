/**
 * MEMORY_LOG_SECONDS: logs the process's memory every so many seconds, one pino line "memory" with the heap in use
 * (after a full garbage collection when Node was started with --expose-gc, so the figure is what is really kept,
 * not what is waiting to be collected), the heap's size, external and array buffers, and the resident size.
 * bench:soak reads these lines to judge whether memory is flat; an operator can turn it on to watch a server.
 */
import type { Logger } from 'pino';

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

export interface MemorySample {
  afterGc: boolean;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  rssMb: number;
}

export function sampleMemory(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  const m = process.memoryUsage();
  return {
    afterGc: Boolean(gc),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    rssMb: mb(m.rss),
  };
}

export function startMemoryLog(seconds: number, log: Logger): { stop(): void } {
  if (!seconds) return { stop() {} };
  const timer = setInterval(() => log.info(sampleMemory(), 'memory'), seconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
