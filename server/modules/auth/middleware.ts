/** Authentication (bearer API token or session cookie) and role checks. */
import type { NextFunction, Request, Response, RequestHandler } from 'express';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { getUser, hashToken, userForTokenHash, type User } from '../users/service.ts';
import type { TokenCache } from './token-cache.ts';
import type { Role } from '../../../shared/roles.ts';

/** `tokens`: the app's cache of bearer tokens (./token-cache.ts); without it every request looks its token up. */
export function authenticate(db: Knex, tokens?: TokenCache): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      let user: User | null | undefined = null;
      if (m) {
        const hash = hashToken(m[1]!);
        user = tokens?.get(hash);
        if (!user) {
          const startedAt = tokens?.now() ?? 0;
          user = await userForTokenHash(db, hash);
          if (user) tokens?.set(hash, user, startedAt);
        }
      }
      if (!user)
        throw new AppError(
          'INVALID_CREDENTIALS',
          'The API token is not valid (unknown, revoked, or its user is disabled).',
        );
      req.user = user;
      return next();
    }
    const userId = req.session?.userId;
    if (userId) {
      const user = await getUser(db, userId);
      if (user && !user.disabled) req.user = user;
    }
    next();
  };
}

/** Lets the request through only for a signed-in user with one of `roles`: 401 when anonymous, 403 otherwise. */
export function requireRole(...roles: Role[]): RequestHandler {
  const handler: RequestHandler = (req, _res, next) => {
    if (!req.user)
      throw new AppError(
        'AUTHENTICATION_REQUIRED',
        'Sign in (POST /api/auth/login) or send an API token (Authorization: Bearer …).',
      );
    if (!roles.includes(req.user.role)) {
      throw new AppError(
        'FORBIDDEN',
        `This needs one of the roles ${roles.join(', ')}; you are signed in as ${req.user.role}.`,
        { required: roles, role: req.user.role },
      );
    }
    next();
  };
  return Object.assign(handler, { roles });
}

/** The roles a route was declared with (for the role matrix in tests and docs). */
export const rolesOf = (h: unknown): Role[] | undefined => (h as { roles?: Role[] }).roles;
