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
  LOGIN_RATE_LIMIT_PER_15_MIN: z.coerce.number().int().min(1).default(20),
  /** how long a bearer token's user is kept in memory (server/modules/auth/token-cache.ts); 0: looked up every time */
  API_TOKEN_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
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
