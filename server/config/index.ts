/** Configuration from the environment, validated once at boot with a message a person can act on. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** the role that owns Redline's tables and runs the migrations, when DATABASE_URL is a serving role that owns
   *  nothing (the least-privilege setup: README "Database roles"); unset: DATABASE_URL does both */
  DATABASE_OWNER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** memory for each process's cache of public answers (searches, application JSON, tiles), valid for one public
   *  data version (server/http/version-cache.ts); 0 turns it off */
  PUBLIC_CACHE_MB: z.coerce.number().min(0).max(4096).default(64),
  /** how often new audit rows are sealed into the hash chain, in seconds (0: only by `audit:verify`) */
  AUDIT_SEAL_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  /** every so many seconds, log the process's memory (heap after a full collection when Node runs with
   *  --expose-gc, resident size); 0: never. For soak runs and for watching a server in production. */
  MEMORY_LOG_SECONDS: z.coerce.number().min(0).max(86400).default(0),
  /** a PostgreSQL streaming replica (hot standby) of DATABASE_URL that the public register's routes read from
   *  (pages, JSON API, tiles); staff routes and every write stay on the primary. Unset: everything reads the primary. */
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDLINE_DATA_DIR: z.string().min(1).default(path.join(repoRoot, 'data')),
  REDLINE_AUTHORITY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a planning.data.gov.uk local-authority code such as SWK')
    .default('SWK'),
  REDLINE_DEMO_DATA: bool.default(true),
  SITE_VERTEX_CAP: z.coerce.number().int().min(4).max(1_000_000).default(10_000),
  /** the largest map image, in pixels (A3 at 300 dpi is 17.4 million) */
  MAP_MAX_PIXELS: z.coerce.number().int().min(10_000).max(100_000_000).default(18_000_000),
  AUTHORITY_BOUNDARY_TOLERANCE_M: z.coerce.number().min(0).max(5_000).default(50),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_COOKIE_SECURE: bool.default(false),
  /**
   * Express's "trust proxy": who may say, in X-Forwarded-For / -Proto, what the client's address and scheme are.
   * false (default: no proxy), true (any), a number of proxies in front, or addresses and subnets
   * ("loopback", "10.0.0.0/8, 192.168.1.5"). Behind a council's TLS proxy this makes secure cookies and
   * per-address rate limits see the real client.
   */
  TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/,
      'must be true, false, a number of proxies or addresses/subnets',
    )
    .transform((v): boolean | number | string =>
      v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
    )
    .default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** failed sign-ins per client address in 15 minutes (successful ones are not counted) */
  LOGIN_RATE_LIMIT_PER_15_MIN: z.coerce.number().int().min(1).default(20),
  /** failed sign-ins per username in 15 minutes, from any address; over it the account is locked for the window */
  LOGIN_FAILURES_PER_USERNAME: z.coerce.number().int().min(1).default(10),
  /** how long a bearer token's user is kept in memory (server/modules/auth/token-cache.ts); 0: looked up every time */
  API_TOKEN_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /** Ordnance Survey Maps API key for the staff map's base map (GET /api/basemap/…); kept on the server, never
   *  sent to the browser or logged. Unset: no OS base map (Redline's own vector tiles still draw). */
  OS_MAPS_API_KEY: z.string().min(8, 'must be an OS Data Hub project API key').optional(),
  /** The OS Maps API raster ZXY endpoint the base map proxy asks ({style}/{z}/{x}/{y}.png is added) */
  OS_MAPS_API_URL: z.string().url('must be an http(s) URL').default('https://api.os.uk/maps/raster/v1/zxy'),
  /** whether this process runs queued jobs (layer loads); several processes can, each job runs once */
  JOB_WORKER: bool.default(true),
  /** how often an idle worker looks for queued jobs (a job queued by this process starts at once) */
  JOB_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** a running job whose worker sent no heartbeat for this long is taken over (its Redline stopped) */
  JOB_STALE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  /** GOV.UK Notify API key: set, emails go through Notify; unset, they are recorded in table notify_outbox (not sent).
   *  Kept on the server, never logged. */
  NOTIFY_API_KEY: z.string().min(74, 'must be a GOV.UK Notify API key (name-serviceid-keyid)').optional(),
  /** Notify's API base URL (default GOV.UK Notify's production API) */
  NOTIFY_API_URL: z.string().url('must be an http(s) URL').optional(),
  /** GOV.UK Notify template ids (server/modules/notify/index.ts NOTIFY_TEMPLATES) */
  NOTIFY_TEMPLATE_ALERT_CONFIRM: z.string().uuid('must be a Notify template id').optional(),
  NOTIFY_TEMPLATE_ALERT_NEW_APPLICATIONS: z.string().uuid('must be a Notify template id').optional(),
  NOTIFY_TEMPLATE_COMMENT_ACKNOWLEDGEMENT: z.string().uuid('must be a Notify template id').optional(),
  /** the public address of this Redline, for links in emails (confirm, unsubscribe, application pages) */
  PUBLIC_BASE_URL: z
    .string()
    .url('must be an http(s) URL')
    .transform((v) => v.replace(/\/+$/, ''))
    .default('http://localhost:3000'),
  /** how often the server matches new applications to alert subscriptions and sends alerts; 0: never (use the
   *  CLI's alerts:send from cron instead) */
  ALERTS_INTERVAL_MINUTES: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(15),
  /** alert subscriptions one client address may ask for in an hour */
  ALERT_SUBSCRIBE_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(10),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError listing every bad variable and what it must be. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  ${i.path.join('.')}=${JSON.stringify(cleaned[String(i.path[0])] ?? '')}: ${i.message}`,
    );
    throw new ConfigError(
      `Redline cannot start: invalid configuration\n${lines.join('\n')}\nSee README.md, "Configuration".`,
    );
  }
  return parsed.data;
}
