/** Comments: the public comment form (GET/POST /register/applications/:slug/comment, works without JavaScript and
 *  without a cookie), the staff API (GET/PATCH /api/cases/:id/comments) and the staff case page's publish/reject
 *  form (POST /cases/:id/comments/:commentId). */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import { requireRole } from '../auth/middleware.ts';
import { PgRateLimitStore } from '../auth/rate-limit-store.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { isAppError } from '../../../shared/errors.ts';
import { parseBody } from '../../http/validate.ts';
import { intId } from '../../http/params.ts';
import { todayInUk } from '../../../shared/domain/documents.ts';
import type { Notifier } from '../notify/index.ts';
import {
  CommentDecision,
  DuplicateComment,
  MAX_COMMENT_LENGTH,
  STANCES,
  STANCE_LABELS,
  decideComment,
  findCommentableApplication,
  ipHash,
  isLate,
  listCaseComments,
  parseCommentForm,
  submitComment,
  type CommentService,
  type FieldErrors,
  type PublicApplicationRow,
} from './service.ts';

export { listPublishedComments } from './service.ts';

export interface CommentLimits {
  /** comment form posts per client address per hour */
  perIpPerHour: number;
  /** comment form posts per email address per hour */
  perEmailPerHour: number;
}
export const DEFAULT_COMMENT_LIMITS: CommentLimits = { perIpPerHour: 20, perEmailPerHour: 5 };

export interface CommentDeps {
  notifier: Notifier;
  limits?: Partial<CommentLimits>;
  /** the clock (tests) */
  now?: () => Date;
}

const FIELD_ORDER = ['name', 'address', 'postcode', 'email', 'stance', 'comment'] as const;

/** '2026-03-04' -> '4 March 2026' */
function longDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(`${iso.slice(0, 10)}T12:00:00Z`);
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}

/** Cross-site form posts are refused: the page has no cookie to carry a CSRF token, so the browser must say the post
 *  came from this site: Sec-Fetch-Site (every current browser sends it) is `same-origin` (or `none`: typed by the
 *  user), else the Origin (or, without it, Referer) names this host. `Origin: null` (sent under a no-referrer policy
 *  or from a sandboxed frame) proves nothing either way and falls to the next. A request with none of them comes from
 *  no browser page and is let through. */
export function sameOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  const origin = req.get('origin');
  const from = origin && origin !== 'null' ? origin : req.get('referer');
  if (!from) return true;
  try {
    return new URL(from).hostname.toLowerCase() === req.hostname.toLowerCase();
  } catch {
    return false;
  }
}

const StaffDecisionForm = z.object({
  status: z.enum(['published', 'rejected'], { error: 'Choose publish or reject' }),
  redactedText: z.string().optional(),
  reason: z.string().trim().min(1, 'Enter why').max(500, 'The reason must be 500 characters or fewer'),
});

export function commentRoutes(ctx: AppContext, views: Views, deps: CommentDeps) {
  const r = Router();
  const limits = { ...DEFAULT_COMMENT_LIMITS, ...deps.limits };
  const now = deps.now ?? (() => new Date());
  // public pages read through the read replica when there is one (ctx.readDb), writes go to the primary
  const readDb: Knex = (ctx as AppContext & { readDb?: Knex }).readDb ?? ctx.db;
  const svc: CommentService = {
    db: ctx.db,
    authorityId: ctx.authorityId,
    notifier: deps.notifier,
    ipSalt: `${ctx.sessionSecret}:comment-ip`,
    log: ctx.log,
  };
  const base = (slug: string) => `/register/applications/${encodeURIComponent(slug)}`;

  // public pages: no staff navigation, no cookie
  const renderPublic = (res: Response, template: string, data: Record<string, unknown>) =>
    views.render(res, template, { user: null, longDate, ...data }, 'register');

  const renderUnavailable = (res: Response, status: number, heading: string, text: string) => {
    res.status(status);
    renderPublic(res, 'register/comment-error.njk', { title: heading, heading, text });
  };

  const renderForm = (
    res: Response,
    app: PublicApplicationRow,
    values: Record<string, unknown>,
    fieldErrors: FieldErrors & { form?: string },
  ) => {
    const errors = [
      ...(fieldErrors.form ? [{ text: fieldErrors.form, href: '#comment-form' }] : []),
      ...FIELD_ORDER.filter((f) => fieldErrors[f]).map((f) => ({
        text: fieldErrors[f],
        href: f === 'stance' ? '#stance' : `#${f}`,
      })),
    ];
    renderPublic(res, 'register/comment.njk', {
      title: `Comment on ${app.reference}`,
      app,
      base: base(app.slug),
      closed: isLate(app.consultationEndDate, todayInUk(now())),
      values,
      fieldErrors,
      errors,
      maxLength: MAX_COMMENT_LENGTH,
      stances: STANCES.map((s) => ({ value: s, text: STANCE_LABELS[s], checked: values.stance === s })),
    });
  };

  const application = async (slug: string, db: Knex) => findCommentableApplication(db, ctx.authorityId, slug);
  const NOT_FOUND_TEXT =
    'There is no published planning application with this reference. Check the reference, or search the register.';

  r.get('/register/applications/:slug/comment', async (req, res) => {
    const app = await application(String(req.params.slug), readDb);
    if (!app) return renderUnavailable(res, 404, 'Page not found', NOT_FOUND_TEXT);
    renderForm(res, app, {}, {});
  });

  r.get('/register/applications/:slug/comment/sent', async (req, res) => {
    const app = await application(String(req.params.slug), readDb);
    if (!app) return renderUnavailable(res, 404, 'Page not found', NOT_FOUND_TEXT);
    renderPublic(res, 'register/comment-sent.njk', {
      title: 'Comment sent',
      app,
      base: base(app.slug),
      late: req.query.late === '1',
    });
  });

  // abuse limits, counted in PostgreSQL (shared by every Redline process): per client address and per email
  const limited = (what: string) =>
    (async (req, res) => {
      const app = await application(String(req.params.slug), ctx.db);
      if (!app) return renderUnavailable(res, 404, 'Page not found', NOT_FOUND_TEXT);
      res.status(429);
      renderForm(res, app, formValues(req.body), {
        form: `Too many comments have been sent ${what} in the last hour. Wait an hour and try again, or write to the planning department.`,
      });
    }) as RequestHandler;
  const ipLimiter = rateLimit({
    windowMs: 60 * 60 * 1000,
    limit: limits.perIpPerHour,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new PgRateLimitStore(ctx.db, 'comment-ip'),
    handler: limited('from your connection'),
  });
  const emailOf = (req: Request) => {
    const e = (req.body as Record<string, unknown> | undefined)?.email;
    return typeof e === 'string' ? e.trim().toLowerCase() : '';
  };
  const emailLimiter = rateLimit({
    windowMs: 60 * 60 * 1000,
    limit: limits.perEmailPerHour,
    standardHeaders: false,
    legacyHeaders: false,
    store: new PgRateLimitStore(ctx.db, 'comment-email'),
    // the key is a hash (the store's table must not hold email addresses)
    keyGenerator: (req) => ipHash(svc.ipSalt, `email:${emailOf(req)}`),
    skip: (req) => !emailOf(req).includes('@'),
    handler: limited('with this email address'),
  });

  const checkOrigin: RequestHandler = (req, res, next) => {
    if (sameOrigin(req)) return next();
    renderUnavailable(
      res,
      403,
      'There is a problem',
      'The comment was sent from another website, so it was not accepted. Open the comment form on this site and send it again.',
    );
  };

  r.post('/register/applications/:slug/comment', checkOrigin, ipLimiter, emailLimiter, async (req, res) => {
    const slug = String(req.params.slug);
    const app = await application(slug, ctx.db);
    if (!app) return renderUnavailable(res, 404, 'Page not found', NOT_FOUND_TEXT);
    const body = (req.body ?? {}) as Record<string, unknown>;
    // the honeypot: a field people never see; a robot that fills it is told "sent" and nothing is stored
    if (typeof body.website === 'string' && body.website.trim() !== '') {
      ctx.log.info({ requestId: req.requestId }, 'comment refused: honeypot filled');
      return res.redirect(303, `${base(app.slug)}/comment/sent`);
    }
    const parsed = parseCommentForm(body);
    if ('errors' in parsed) {
      res.status(400);
      return renderForm(res, app, formValues(body), parsed.errors);
    }
    try {
      const { late } = await submitComment(svc, app, parsed.input, {
        ip: req.ip ?? '',
        now: now(),
        requestId: req.requestId,
      });
      res.redirect(303, `${base(app.slug)}/comment/sent${late ? '?late=1' : ''}`);
    } catch (e) {
      if (!(e instanceof DuplicateComment)) throw e;
      res.status(409);
      renderForm(res, app, formValues(body), {
        comment: 'You have already sent this comment on this application. Change it if you want to add something.',
      });
    }
  });

  /* ---------- staff API ---------- */

  const caseId = (raw: string | string[] | undefined) => intId(raw, 'CASE_NOT_FOUND', 'case');
  r.get('/api/cases/:id/comments', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    res.json(await listCaseComments(ctx.db, ctx.authorityId, req.user!, caseId(req.params.id)));
  });
  r.patch('/api/cases/:id/comments/:commentId', requireRole(...PERMISSIONS.applicationWrite), async (req, res) => {
    const comment = await decideComment(
      ctx.db,
      ctx.authorityId,
      req.user!,
      caseId(req.params.id),
      intId(req.params.commentId, 'NOT_FOUND', 'comment'),
      parseBody(CommentDecision, req.body),
      req.requestId,
    );
    res.json({ comment });
  });

  /* ---------- the staff case page's form ---------- */

  r.post('/cases/:id/comments/:commentId', async (req, res) => {
    if (!req.user) return res.redirect(303, `/login?next=${encodeURIComponent(`/cases/${String(req.params.id)}`)}`);
    const staffError = (status: number, text: string) => {
      res.status(status);
      views.render(res, 'staff/error.njk', { title: 'There is a problem', heading: 'There is a problem', text });
    };
    if (!sameOrigin(req)) return staffError(403, 'The form was sent from another website, so it was not accepted.');
    try {
      const id = caseId(req.params.id);
      const form = StaffDecisionForm.safeParse(req.body ?? {});
      if (!form.success) return staffError(400, form.error.issues.map((i) => i.message).join('. ') + '.');
      const redacted = form.data.redactedText?.replace(/\r\n/g, '\n').trim();
      await decideComment(
        ctx.db,
        ctx.authorityId,
        req.user,
        id,
        intId(req.params.commentId, 'NOT_FOUND', 'comment'),
        {
          status: form.data.status,
          reason: form.data.reason,
          // the text box holds the comment as received until someone edits it (unchanged: no redaction)
          ...(redacted !== undefined ? { redactedText: redacted === '' ? null : redacted } : {}),
        },
        req.requestId,
      );
      res.redirect(303, `/cases/${id}#comments`);
    } catch (e) {
      if (isAppError(e) && e.status < 500) return staffError(e.status, e.message);
      throw e;
    }
  });

  return r;
}

function formValues(body: unknown): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    name: str(b.name),
    address: str(b.address),
    postcode: str(b.postcode),
    email: str(b.email),
    stance: str(b.stance),
    comment: str(b.comment),
  };
}
