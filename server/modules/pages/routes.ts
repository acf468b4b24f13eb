/**
 * Server-rendered pages for people: the front page and staff sign-in and sign-out, as HTML forms (they work
 * without JavaScript). The staff map and the public register build on these.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import { verifyPassword } from '../users/service.ts';
import { endSession, loginLimiter, startSession } from '../auth/routes.ts';

const LoginForm = z.object({
  username: z.string().trim().max(64).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2000).default(''),
});

/** Only a path on this site: never an absolute URL or a protocol-relative one (open redirect). */
const safeNext = (next: string) => (/^\/(?![/\\])/.test(next) ? next : '/');

export function pageRoutes(ctx: AppContext, views: Views) {
  const r = Router();
  r.get('/', (_req, res) => {
    views.render(res, 'home.njk', { title: 'Planning on a map' });
  });
  r.get('/login', (req, res) => {
    const next = typeof req.query.next === 'string' ? safeNext(req.query.next) : '/';
    const notice = req.query.expired === '1' ? 'Your session has ended. Sign in again to carry on.' : undefined;
    views.render(res, 'login.njk', { title: 'Sign in', next, notice, fieldErrors: {} });
  });
  const limited = loginLimiter(ctx, (req, res, message) => {
    res.status(429);
    views.render(res, 'login.njk', {
      title: 'Sign in',
      next: safeNext(String(req.body?.next ?? '')),
      errors: [{ text: message }],
      fieldErrors: {},
    });
  });
  r.post('/login', ...limited, async (req, res) => {
    const form = LoginForm.parse(req.body ?? {});
    const fieldErrors: Record<string, string> = {};
    if (!form.username) fieldErrors.username = 'Enter your username';
    if (!form.password) fieldErrors.password = 'Enter your password';
    const user =
      Object.keys(fieldErrors).length === 0
        ? await verifyPassword(ctx.db, form.username.toLowerCase(), form.password)
        : null;
    if (!user) {
      const errors = Object.keys(fieldErrors).length
        ? Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` }))
        : [{ text: 'The username or password is wrong, or the account is disabled.', href: '#username' }];
      res.status(Object.keys(fieldErrors).length ? 400 : 401);
      views.render(res, 'login.njk', {
        title: 'Sign in',
        username: form.username,
        next: form.next,
        errors,
        fieldErrors,
      });
      return;
    }
    await startSession(req, user.id);
    res.redirect(303, safeNext(form.next));
  });
  r.post('/logout', async (req, res) => {
    await endSession(req, res);
    res.redirect(303, '/login');
  });
  return r;
}
