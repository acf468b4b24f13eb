import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { AppError } from '../../../shared/errors.ts';
import { verifyPassword } from '../users/service.ts';
import { requireRole } from './middleware.ts';
import { STAFF_ROLES } from '../../../shared/domain/cases.ts';
import { parseBody } from '../../http/validate.ts';

const Login = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });

export function authRoutes(ctx: AppContext) {
  const r = Router();
  const limiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: ctx.config.LOGIN_RATE_LIMIT_PER_15_MIN,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: () => {
      throw new AppError('RATE_LIMITED', 'Too many sign-in attempts from this address; wait 15 minutes and try again.');
    },
  });
  r.post('/api/auth/login', limiter, async (req, res) => {
    const { username, password } = parseBody(Login, req.body);
    const user = await verifyPassword(ctx.db, username.toLowerCase(), password);
    if (!user)
      throw new AppError('INVALID_CREDENTIALS', 'The username or password is wrong, or the account is disabled.');
    await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
    req.session.userId = user.id;
    res.json({ user });
  });
  r.post('/api/auth/logout', async (req, res) => {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('redline.sid');
    res.status(204).end();
  });
  r.get('/api/auth/me', requireRole(...STAFF_ROLES), (req, res) => {
    res.json({ user: req.user });
  });
  return r;
}
