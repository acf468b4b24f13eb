import { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { AppError } from '../../../shared/errors.ts';
import { verifyPassword } from '../users/service.ts';
import { requireRole } from './middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { PgRateLimitStore } from './rate-limit-store.ts';
import { parseBody } from '../../http/validate.ts';

export const Login = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });

/**
 * Failed sign-ins, counted in PostgreSQL (every Redline process shares the counts; the JSON route and the sign-in
 * page share them too): per client address (LOGIN_RATE_LIMIT_PER_15_MIN, for guessing across many accounts) and per
 * username (LOGIN_FAILURES_PER_USERNAME, for guessing one account's password from many addresses). A successful
 * sign-in is not counted, so officers behind one council proxy or NAT do not lock each other out by signing in.
 * Over either limit: refused, even with the right password, until the 15-minute window ends; `refuse` answers
 * with the message saying which.
 */
export function loginLimiter(
  ctx: AppContext,
  refuse: (req: Request, res: Response, message: string) => void,
): RequestHandler[] {
  const windowMs = 15 * 60 * 1000;
  const common = {
    windowMs,
    standardHeaders: 'draft-7' as const,
    legacyHeaders: false,
    skipSuccessfulRequests: true,
  };
  const usernameOf = (req: Request) => {
    const u = (req.body as { username?: unknown } | undefined)?.username;
    return typeof u === 'string' ? u.trim().toLowerCase().slice(0, 64) : '';
  };
  return [
    rateLimit({
      ...common,
      limit: ctx.config.LOGIN_RATE_LIMIT_PER_15_MIN,
      store: new PgRateLimitStore(ctx.db, 'login'),
      handler: (req, res) => refuse(req, res, LOGIN_LIMITED),
    }),
    rateLimit({
      ...common,
      limit: ctx.config.LOGIN_FAILURES_PER_USERNAME,
      store: new PgRateLimitStore(ctx.db, 'login-user'),
      keyGenerator: usernameOf,
      skip: (req) => usernameOf(req) === '',
      handler: (req, res) => refuse(req, res, LOGIN_LOCKED),
    }),
  ];
}

export const LOGIN_LIMITED = 'Too many failed sign-ins from this address; wait 15 minutes and try again.';
export const LOGIN_LOCKED =
  'Too many failed sign-ins to this account: it is locked for 15 minutes. Wait and try again, or ask an administrator to set a new password.';

/**
 * A new session (no fixation) for the user who just proved who they are, stored before the answer goes out:
 * express-session would otherwise send the headers (the cookie and a redirect's Location) while the row is still being
 * written, and a browser following the redirect at once could arrive before it, find no session and be sent back to
 * sign in.
 */
export async function startSession(req: Request, userId: number) {
  await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
  req.session.userId = userId;
  await new Promise<void>((resolve, reject) => req.session.save((e) => (e ? reject(e) : resolve())));
}

export async function endSession(req: Request, res: Response) {
  await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
  res.clearCookie('redline.sid');
}

export function authRoutes(ctx: AppContext) {
  const r = Router();
  const limiter = loginLimiter(ctx, (_req, _res, message) => {
    throw new AppError('RATE_LIMITED', message);
  });
  r.post('/api/auth/login', ...limiter, async (req, res) => {
    const { username, password } = parseBody(Login, req.body);
    const user = await verifyPassword(ctx.db, username.toLowerCase(), password);
    if (!user)
      throw new AppError('INVALID_CREDENTIALS', 'The username or password is wrong, or the account is disabled.');
    await startSession(req, user.id);
    res.json({ user });
  });
  r.post('/api/auth/logout', async (req, res) => {
    await endSession(req, res);
    res.status(204).end();
  });
  r.get('/api/auth/me', requireRole(...PERMISSIONS.signedIn), (req, res) => {
    res.json({ user: req.user });
  });
  return r;
}
