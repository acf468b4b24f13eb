/**
 * L1's load generator, run by tests/bench/register.ts in a process of its own (so the load is not made on the app's
 * event loop): autocannon against the public register over 127.0.0.1 at a fixed overall rate, each request's path
 * taken in turn from a list (search, application pages, tiles, mixed). Prints one JSON line: autocannon's summary
 * and, from every response's own time, p50 / p95 / p99 per kind and overall.
 *
 *   tsx tests/bench/register-load.ts <paths.json> <port> <rate> <seconds> <connections>
 * paths.json: Array<{ kind: string; path: string; method?: string; body?: string; headers?: Record<string, string> }>
 * (GET without a body unless given: bench:soak sends staff writes through the same generator)
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

// autocannon ships no type declarations: the little of its API used here
interface AutocannonResult {
  requests: { total: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p90: number; p97_5: number; p99: number };
}
type Autocannon = (
  opts: Record<string, unknown>,
  done: (err: Error | null, result: AutocannonResult) => void,
) => { on(event: string, listener: (...args: never[]) => void): void };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const [file, portS, rateS, secondsS, connectionsS] = process.argv.slice(2);
const paths = JSON.parse(fs.readFileSync(file!, 'utf8')) as Array<{
  kind: string;
  path: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}>;
const kinds = new Map<string, number[]>();
const all: number[] = [];
const status = new Map<number, number>();
let next = 0;
const kindOf = new Map(paths.map((p) => [p.path, p.kind]));

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
};

const instance = autocannon(
  {
    url: `http://127.0.0.1:${portS}`,
    connections: Number(connectionsS),
    overallRate: Number(rateS),
    duration: Number(secondsS),
    timeout: 10,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const p = paths[next++ % paths.length]!;
          return {
            ...req,
            method: p.method ?? 'GET',
            path: p.path,
            ...(p.body !== undefined ? { body: p.body } : {}),
            ...(p.headers ? { headers: { ...(req.headers as Record<string, string>), ...p.headers } } : {}),
          };
        },
      },
    ],
  },
  (err, result) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    const summary = (xs: number[]) => ({
      n: xs.length,
      p50: pct(xs, 50),
      p95: pct(xs, 95),
      p99: pct(xs, 99),
      max: xs.length ? Math.max(...xs) : NaN,
    });
    const perKind: Record<string, unknown> = {};
    for (const [k, xs] of kinds) perKind[k] = summary(xs);
    console.log(
      JSON.stringify({
        requests: result.requests.total,
        requestsPerSecond: result.requests.average,
        durationS: result.duration,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        statusCounts: Object.fromEntries(status),
        latencyMs: summary(all),
        autocannonLatency: {
          p50: result.latency.p50,
          p90: result.latency.p90,
          p97_5: result.latency.p97_5,
          p99: result.latency.p99,
        },
        perKind,
      }),
    );
  },
);
// the request a response answers: with no pipelining a client's current request until its next is made (after the
// 'response' event), so the path is the first line of its request buffer
const pathOf = (client: unknown) => {
  const buf = (client as { requestIterator?: { currentRequest?: { requestBuffer?: Buffer } } }).requestIterator
    ?.currentRequest?.requestBuffer;
  return buf ? (buf.subarray(0, 400).toString('latin1').split(' ')[1] ?? '') : '';
};
instance.on('response', (client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
  const kind = kindOf.get(pathOf(client)) ?? 'unknown';
  let xs = kinds.get(kind);
  if (!xs) kinds.set(kind, (xs = []));
  xs.push(responseTime);
  all.push(responseTime);
  status.set(statusCode, (status.get(statusCode) ?? 0) + 1);
});
