/** What the app knows per request (set by middleware) and per process (the AppContext). */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { User } from '../modules/users/service.ts';
import type { Actor } from '../modules/audit/audit.ts';
import type { AuthorityIntake } from '../modules/geometry/intake.ts';

export interface AppContext {
  db: Knex;
  /** where public routes read (DATABASE_READ_URL: a streaming replica); the primary `db` when unset. Staff routes
   *  and every write use `db`. */
  readDb?: Knex;
  config: Config;
  log: Logger;
  authorityId: number;
  sessionSecret: string;
  /** geometry intake options from config (authority, boundary tolerance, vertex cap), built once: intakeOptions */
  intake: AuthorityIntake;
}

/** The per-process geometry intake options for the authority, from config. */
export function intakeOptions(config: Config, authorityId: number): AuthorityIntake {
  return { authorityId, toleranceM: config.AUTHORITY_BOUNDARY_TOLERANCE_M, vertexCap: config.SITE_VERTEX_CAP };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: User;
      requestId: string;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    userId?: number;
  }
}

export const actorOf = (user: User): Actor => ({ id: user.id, username: user.username });
