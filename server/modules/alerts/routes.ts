/**
 * The public alert pages (GOV.UK Frontend forms, complete without JavaScript):
 *   GET  /register/alerts                       the form: email, postcode / address / grid reference and distance,
 *                                               or an area typed as corners
 *   POST /register/alerts                       subscribes (rate limited per client address) and sends the
 *                                               confirmation email; nothing else is sent until it is confirmed
 *   GET  /register/alerts/confirm/:token        a page with a button (so link checkers that fetch the link do not
 *                                               confirm); POST confirms
 *   GET  /register/alerts/unsubscribe/:token    a page with a button; POST unsubscribes, as does the RFC 8058
 *                                               one-click POST (body List-Unsubscribe=One-Click) mail clients send
 * The subscriber's email is never shown on these pages (but for re-showing the form they just sent) or logged.
 */
import { Router, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import type { Notifier } from '../notify/index.ts';
import { PgRateLimitStore } from '../auth/rate-limit-store.ts';
import {
  ALERT_RADII,
  areaDescription,
  confirm,
  confirmState,
  subscribe,
  unsubscribeByToken,
  unsubscribeState,
  type AddressChoice,
  type AlertLinks,
} from './service.ts';

const Form = z.object({
  email: z.string().max(1000).default(''),
  place: z.string().max(300).default(''),
  uprn: z
    .string()
    .regex(/^[0-9]{1,12}$/)
    .optional()
    .catch(undefined),
  radius: z.string().max(10).default('500'),
  area: z.string().max(50_000).default(''),
});
type FormValues = z.infer<typeof Form>;

const FIELD_ORDER = ['email', 'place', 'radius', 'area'];

const radiusText = (m: number) => (m >= 1000 ? `${m / 1000} km` : `${m} metres`);

export function alertRoutes(ctx: AppContext, views: Views, notifier: Notifier, links: AlertLinks) {
  const r = Router();
  const page = (res: Response, template: string, data: Record<string, unknown>) => {
    // token pages and form answers are for the one person: never cached, never indexed
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex');
    views.render(res, `register/${template}`, { section: 'alerts', ...data, user: null }, 'register');
  };
  const form = (
    res: Response,
    values: Partial<FormValues>,
    fieldErrors: Record<string, string> = {},
    choices?: AddressChoice[],
  ) =>
    page(res, 'alerts.njk', {
      title: 'Get emails about planning applications near you',
      values,
      fieldErrors,
      errors: FIELD_ORDER.filter((f) => fieldErrors[f]).map((f) => ({
        text: fieldErrors[f],
        href: f === 'radius' ? '#radius' : `#${f}`,
      })),
      radii: ALERT_RADII.map((m) => ({
        value: String(m),
        text: radiusText(m),
        checked: String(m) === (values.radius ?? '500'),
      })),
      choices: choices?.map((c) => ({ value: c.uprn, text: c.label })),
    });

  r.get('/register/alerts', (_req, res) => form(res, {}));

  const limiter = rateLimit({
    windowMs: 60 * 60 * 1000,
    limit: ctx.config.ALERT_SUBSCRIBE_RATE_LIMIT_PER_HOUR,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new PgRateLimitStore(ctx.db, 'alert-subscribe'),
    handler: (_req, res) => {
      res.status(429);
      form(res, {}, { email: 'Too many alert requests from this address: wait an hour and try again' });
    },
  });
  r.post('/register/alerts', limiter, async (req, res) => {
    const values = Form.parse(req.body ?? {});
    const result = await subscribe(ctx.db, notifier, links, ctx.authorityId, values, req.requestId);
    if (!result.ok) {
      res.status(400);
      form(res, values, result.fieldErrors, result.choices);
      return;
    }
    page(res, 'alert-check-email.njk', { title: 'Check your email' });
  });

  const invalid = (res: Response) => {
    res.status(404);
    page(res, 'alert-invalid.njk', { title: 'This link does not work' });
  };

  r.get('/register/alerts/confirm/:token', async (req, res) => {
    const { state, sub } = await confirmState(ctx.db, req.params.token);
    if (state === 'invalid' || !sub) return invalid(res);
    page(res, 'alert-confirm.njk', {
      title: state === 'confirmed' ? 'Your alert is set up' : 'Confirm your alert',
      state,
      area: areaDescription(sub.label, sub.radius_m),
      action: `/register/alerts/confirm/${req.params.token}`,
    });
  });
  r.post('/register/alerts/confirm/:token', async (req, res) => {
    const { sub } = await confirmState(ctx.db, req.params.token);
    const state = await confirm(ctx.db, req.params.token, req.requestId);
    if (state === 'invalid' || !sub) return invalid(res);
    page(res, 'alert-confirm.njk', {
      title: state === 'confirmed' ? 'Your alert is set up' : 'Confirm your alert',
      state,
      area: areaDescription(sub.label, sub.radius_m),
    });
  });

  r.get('/register/alerts/unsubscribe/:token', async (req, res) => {
    const { state, sub } = await unsubscribeState(ctx.db, req.params.token);
    if (state === 'invalid' || !sub) return invalid(res);
    page(res, 'alert-unsubscribe.njk', {
      title: state === 'unsubscribed' ? 'You have unsubscribed' : 'Unsubscribe from this alert',
      state,
      area: areaDescription(sub.label, sub.radius_m),
      action: `/register/alerts/unsubscribe/${req.params.token}`,
    });
  });
  // the page's button, and RFC 8058 one-click (List-Unsubscribe=One-Click): either way, unsubscribed at once
  r.post('/register/alerts/unsubscribe/:token', async (req, res) => {
    const { sub } = await unsubscribeState(ctx.db, req.params.token);
    const state = await unsubscribeByToken(ctx.db, req.params.token, req.requestId);
    if (state === 'invalid' || !sub) return invalid(res);
    page(res, 'alert-unsubscribe.njk', {
      title: 'You have unsubscribed',
      state,
      area: areaDescription(sub.label, sub.radius_m),
    });
  });
  return r;
}
