/**
 * Defences against cross-site request forgery, beside the session cookie's SameSite=Strict:
 *
 * 1. Every state-changing request (POST, PUT, PATCH, DELETE) that is not authenticated by a bearer token (tokens are
 *    not sent by browsers on their own) must come from this site: `Sec-Fetch-Site` same-origin or none when the
 *    browser sends it, else the `Origin` (or, without one, the `Referer`) must name this host or PUBLIC_BASE_URL's.
 *    A request with none of the three is not from a browser page (curl, a script with a cookie) and passes.
 *    Refused: 403 CROSS_SITE_REQUEST. The one exception is RFC 8058 one-click unsubscribe, which mail providers
 *    POST from their own servers.
 * 2. HTML forms of a signed-in session carry a token (`_csrf`, an HMAC of the session id under the session secret)
 *    that views.render adds to every `<form method="post">`; a form post by a session without it, or with another
 *    session's, is refused (403 CSRF_TOKEN_INVALID). Anonymous forms (sign-in, the register's comment and alert
 *    forms) have no session to bind a token to and rely on (1).
 */
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../shared/errors.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BEARER = /^Bearer\s/i;
const ONE_CLICK_UNSUBSCRIBE = /^\/register\/alerts\/unsubscribe\//;
export const CSRF_FIELD = '_csrf';

/** Whether the request says it came from a page of this site (or says nothing, as non-browser clients do). */
export function fromThisSite(req: Request, alsoAllowed: string[] = []): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  const origin = req.get('origin');
  const from = origin ?? req.get('referer');
  if (from === undefined || from === '') return true;
  if (from === 'null') return false; // an opaque origin: a sandboxed frame or a data: page elsewhere
  let host: string;
  try {
    host = new URL(from).host.toLowerCase();
  } catch {
    return false;
  }
  const own = (req.get('host') ?? '').toLowerCase();
  return host === own || alsoAllowed.includes(host);
}

/** The form token of a session: it changes when the session does (a new one at every sign-in). */
export function csrfToken(secret: string, sessionId: string): string {
  return crypto.createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

const sameToken = (a: string, b: string) =>
  a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

const isFormPost = (req: Request) =>
  req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';

/**
 * Both defences, after the session and authentication middleware. `refusePage` renders the refusal for a person
 * (HTML routes); API routes get the JSON error.
 */
export function crossSiteDefences(opts: {
  secret: string;
  publicBaseUrl?: string | null;
  refusePage: (res: Response, message: string) => void;
}): RequestHandler {
  const allowed: string[] = [];
  if (opts.publicBaseUrl) {
    try {
      allowed.push(new URL(opts.publicBaseUrl).host.toLowerCase());
    } catch {
      /* config validates it */
    }
  }
  return (req, res, next) => {
    const sessionId = req.session?.userId ? req.sessionID : undefined;
    if (sessionId) res.locals.csrfToken = csrfToken(opts.secret, sessionId);
    if (!UNSAFE.has(req.method) || BEARER.test(req.headers.authorization ?? '')) return next();
    const api = req.path.startsWith('/api/');
    const refuse = (code: 'CROSS_SITE_REQUEST' | 'CSRF_TOKEN_INVALID', message: string) => {
      if (api) throw new AppError(code, message);
      res.status(403);
      opts.refusePage(res, message);
    };
    if (!ONE_CLICK_UNSUBSCRIBE.test(req.path) && !fromThisSite(req, allowed))
      return refuse(
        'CROSS_SITE_REQUEST',
        api
          ? 'This request came from another website (its Origin, Referer or Sec-Fetch-Site says so) and was refused. Send it from Redline itself, or use an API token.'
          : 'This form was sent from another website, so it was not accepted. Open the page on this site and send the form again.',
      );
    if (sessionId && !api && isFormPost(req)) {
      const body = req.body as Record<string, unknown> | undefined;
      const given = typeof body?.[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : '';
      if (!sameToken(given, res.locals.csrfToken as string))
        return refuse(
          'CSRF_TOKEN_INVALID',
          'The form had expired (it was opened before you last signed in) or did not come from this site. Go back, reload the page and send it again.',
        );
      delete body![CSRF_FIELD];
    }
    next();
  };
}

const POST_FORM = /<form\b(?=[^>]*\bmethod\s*=\s*["']?post\b)[^>]*>/gi;

/** Adds the session's form token to every POST form of a page. */
export function addFormTokens(html: string, token: string | undefined): string {
  if (!token) return html;
  return html.replace(POST_FORM, (tag) => `${tag}<input type="hidden" name="${CSRF_FIELD}" value="${token}">`);
}
