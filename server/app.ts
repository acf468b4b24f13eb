/** The Express application. Everything it needs comes in through the AppContext, so tests build it on their
 *  own throwaway database. */
import crypto from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import pg from 'pg';
import type { AppContext } from './http/context.ts';
import { errorHandler, notFound } from './http/error-handler.ts';
import { requestLog } from './http/request-log.ts';
import { authenticate } from './modules/auth/middleware.ts';
import { TokenCache, startAuthListener } from './modules/auth/token-cache.ts';
import { authRoutes } from './modules/auth/routes.ts';
import { caseRoutes } from './modules/cases/routes.ts';
import { geometryRoutes } from './modules/geometry/routes.ts';
import { placeRoutes } from './modules/places/routes.ts';
import { authorityRoutes } from './modules/authority/routes.ts';
import { userRoutes } from './modules/users/routes.ts';
import { systemRoutes } from './modules/system/routes.ts';
import { layerRoutes } from './modules/layers/routes.ts';
import { layerLoadJob } from './modules/layers/load-job.ts';
import { jobRoutes } from './modules/jobs/routes.ts';
import { startJobWorker } from './modules/jobs/service.ts';
import { constraintRoutes } from './modules/constraints/routes.ts';
import { neighbourRoutes } from './modules/neighbours/routes.ts';
import { publicityRoutes } from './modules/publicity/routes.ts';
import { mapRoutes } from './modules/maps/routes.ts';
import { documentRoutes } from './modules/documents/routes.ts';
import { enforcementLetterRoutes } from './modules/enforcement-letters/routes.ts';
import { enforcementLetterPages } from './modules/enforcement-letters/pages.ts';
import { statisticsRoutes } from './modules/statistics/routes.ts';
import { tileRoutes } from './modules/tiles/routes.ts';
import { publicTileRoutes } from './modules/public-tiles/routes.ts';
import { basemapRoutes } from './modules/tiles/basemap.ts';
import { AppError } from '../shared/errors.ts';
import { pageRoutes } from './modules/pages/routes.ts';
import { publicDatesAfterCaseWrite } from './modules/register/public-dates.ts';
import { staffRoutes } from './modules/staff/routes.ts';
import { crossSiteDefences } from './http/cross-site.ts';
import { refuseUnstorableText } from './http/text-guard.ts';
import { idempotencyKeys } from './http/idempotency.ts';
import { createViews } from './http/views.ts';
import { registerApiRoutes } from './modules/register/api.ts';
import { registerPageRoutes } from './modules/register/pages.ts';
import { interchangeRoutes } from './modules/interchange/routes.ts';
import { commentRoutes } from './modules/comments/routes.ts';
import { createNotifier } from './modules/notify/index.ts';
import { alertRoutes } from './modules/alerts/routes.ts';
import { startAlertTimer } from './modules/alerts/service.ts';
import { contentSecurityPolicy, staticAssets } from './http/web.ts';
import { ogcApiRoutes } from './modules/ogcapi/routes.ts';

const JSON_TYPES = ['application/json', 'application/geo+json', 'application/*+json'];
const FORM_TYPE = 'application/x-www-form-urlencoded';
const isApi = (req: express.Request) => req.path.startsWith('/api/');

// CSP nonces: 16 bytes each from the CSPRNG, drawn 4 KB at a time (one crypto.randomBytes call per 256 responses,
// not one per response, as Node does for randomUUID); each slice is used once
let nonceBytes = Buffer.alloc(0);
let nonceAt = 0;
function nextNonce(): string {
  if (nonceAt + 16 > nonceBytes.length) {
    nonceBytes = crypto.randomBytes(4096);
    nonceAt = 0;
  }
  nonceAt += 16;
  return nonceBytes.toString('base64', nonceAt - 16, nonceAt);
}

export interface BuiltApp {
  app: express.Express;
  close(): Promise<void>;
}

export function buildApp(ctx: AppContext, connectionString: string): BuiltApp {
  const app = express();
  app.disable('x-powered-by');
  // no automatic ETag hashing of every JSON body (a 40 KB constraint report costs ~0.7 ms); cases carry their own
  // version ETags for optimistic concurrency
  app.set('etag', false);
  app.set('query parser', 'simple');
  // behind a council's TLS proxy: who may tell us the client's address and scheme (secure cookies, rate limits)
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.use((req, res, next) => {
    req.requestId = (req.get('x-request-id') ?? '').slice(0, 64) || crypto.randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    // a fresh nonce for each response: the only inline scripts that run are the ones our pages put it on
    res.locals.cspNonce = nextNonce();
    next();
  });
  // same-origin referrers: our own form posts can be told from cross-site ones (comments, alerts); nothing leaks out
  app.use(
    helmet({
      contentSecurityPolicy: { directives: contentSecurityPolicy },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.use(requestLog(ctx.log));
  app.use(staticAssets());
  // layer data uploads carry the file itself (GeoPackage, zip, GeoJSON, CSV) and are read by their own route
  const isUpload = (req: express.Request) =>
    (req.method === 'PUT' &&
      /^\/api\/((layers\/[^/]+|addresses|properties)\/data|authority\/boundary)$/.test(req.path)) ||
    (req.method === 'POST' && req.path === '/api/geometry/convert');
  // /api speaks JSON only; the HTML pages take GOV.UK form posts (application/x-www-form-urlencoded)
  app.use((req, _res, next) => {
    if (isUpload(req)) return next();
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
    if (isApi(req) && !req.is(JSON_TYPES)) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the request body as JSON (Content-Type: application/json or application/geo+json).',
      );
    }
    // RFC 8058 one-click unsubscribe may come as multipart/form-data: its body is not read, any POST unsubscribes
    const oneClick = req.method === 'POST' && req.path.startsWith('/register/alerts/unsubscribe/');
    if (!isApi(req) && !oneClick && !req.is([...JSON_TYPES, FORM_TYPE])) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as application/x-www-form-urlencoded.');
    }
    next();
  });
  const json = express.json({ limit: '10mb', type: JSON_TYPES });
  const form = express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 1000 });
  app.use((req, res, next) => (isUpload(req) ? next() : json(req, res, next)));
  app.use((req, res, next) => (isApi(req) ? next() : form(req, res, next)));
  // NUL characters and lone surrogates: a 400 naming the field, not a 500 from PostgreSQL
  app.use(refuseUnstorableText);

  // the public register's tiles (no account, no session, no body): before the session and page middleware, like
  // the staff tiles matched first, as they are the most frequent public requests by far
  app.use(publicTileRoutes(ctx));
  // the public register's JSON/GeoJSON API (GET only, no account, no session): before the session too
  app.use(registerApiRoutes(ctx));

  const sessionPool = new pg.Pool({ connectionString, max: 4, application_name: 'redline-sessions' });
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool: sessionPool,
    tableName: 'session',
    createTableIfMissing: false,
    pruneSessionInterval: 15 * 60,
  });
  const sessions = session({
    name: 'redline.sid',
    secret: ctx.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      // Secure whenever the request came over HTTPS (directly, or through a trusted proxy's X-Forwarded-Proto);
      // SESSION_COOKIE_SECURE=true insists on it (no cookie at all over plain HTTP)
      secure: ctx.config.SESSION_COOKIE_SECURE ? true : 'auto',
      maxAge: 8 * 60 * 60 * 1000,
    },
  });
  // sessions are for browser sign-in: a request with a bearer token is authenticated by the token alone (see
  // authenticate), so it skips the session machinery (sign-in and sign-out themselves always have it)
  const bearer = /^Bearer\s/i;
  app.use((req, res, next) =>
    bearer.test(req.headers.authorization ?? '') && !req.path.startsWith('/api/auth/')
      ? next()
      : sessions(req, res, next),
  );
  // bearer tokens are kept a few seconds; revocations and user changes clear them (./modules/auth/token-cache.ts)
  const tokens = new TokenCache(ctx.config.API_TOKEN_CACHE_SECONDS * 1000);
  const stopListening = startAuthListener(connectionString, tokens, ctx.log);
  app.use(authenticate(ctx.db, tokens));
  // cross-site request forgery: Origin / Sec-Fetch-Site on every cookie-authenticated write, a token in HTML forms
  const refusalViews = createViews({ serviceName: 'Redline' });
  app.use(
    crossSiteDefences({
      secret: ctx.sessionSecret,
      publicBaseUrl: ctx.config.PUBLIC_BASE_URL,
      refusePage: (res, text) =>
        refusalViews.render(res, 'staff/error.njk', {
          title: 'There is a problem',
          heading: 'There is a problem',
          text,
        }),
    }),
  );

  // Idempotency-Key on POST: a retried creation answers the first result (./http/idempotency.ts)
  app.use(idempotencyKeys(ctx.db));

  // the staff map's tiles first: the most frequent requests by far (dozens per map view), matched before the
  // seventy-odd routes of the other modules (none of which shares their paths)
  app.use(tileRoutes(ctx));
  const views = createViews({ serviceName: 'Redline' });
  app.use(pageRoutes(ctx, views));
  app.use(staffRoutes(ctx, views));
  app.use(enforcementLetterPages(ctx, views));
  app.use(statisticsRoutes(ctx, views));
  // email to residents: GOV.UK Notify when NOTIFY_API_KEY is set, else recorded in notify_outbox
  const notifier = createNotifier(ctx.config, ctx.db, ctx.log);
  // alerts: the public subscribe / confirm / unsubscribe pages, and the timer that matches and sends
  const alertLinks = { baseUrl: ctx.config.PUBLIC_BASE_URL, secret: ctx.sessionSecret };
  app.use(alertRoutes(ctx, createViews({ serviceName: 'Planning register' }), notifier, alertLinks));
  const alertTimer = startAlertTimer(ctx.db, notifier, alertLinks, ctx.config.ALERTS_INTERVAL_MINUTES, ctx.log);
  // the public planning register (no account): its pages (its JSON/GeoJSON API is mounted above, before sessions)
  app.use(registerPageRoutes(ctx, createViews({ serviceName: 'Planning register' })));
  app.use(interchangeRoutes(ctx)); // planning.data.gov.uk exports, ODP import (issue 15 items 2–3)
  // OGC API – Features (GDAL, QGIS): public collections for anyone, the staff one with a session or token
  app.use(ogcApiRoutes(ctx));
  // comments on applications: the public form, the staff API and the case page's publish/reject form
  app.use(
    commentRoutes(ctx, createViews({ serviceName: 'Planning register' }), {
      notifier,
    }),
  );
  app.use(systemRoutes(ctx));
  app.use(authRoutes(ctx));
  app.use('/api/cases/:id', publicDatesAfterCaseWrite(ctx));
  app.use(caseRoutes(ctx));
  app.use(geometryRoutes(ctx));
  app.use(placeRoutes(ctx));
  app.use(authorityRoutes(ctx));
  app.use(userRoutes(ctx));
  // queued work (layer loads) runs here, beside the requests, unless JOB_WORKER=false
  const worker = ctx.config.JOB_WORKER
    ? startJobWorker(
        ctx.db,
        ctx.log,
        { 'layer-load': layerLoadJob(ctx.db, ctx.intake.toleranceM) },
        { pollMs: ctx.config.JOB_POLL_MS, staleSeconds: ctx.config.JOB_STALE_SECONDS },
      )
    : null;
  app.use(layerRoutes(ctx, { kick: () => worker?.kick() }));
  app.use(jobRoutes(ctx));
  app.use(constraintRoutes(ctx));
  app.use(neighbourRoutes(ctx));
  app.use(publicityRoutes(ctx));
  app.use(mapRoutes(ctx));
  app.use(documentRoutes(ctx));
  app.use(enforcementLetterRoutes(ctx));
  app.use(basemapRoutes(ctx));
  app.use(notFound);
  app.use(errorHandler(ctx.log));

  return {
    app,
    async close() {
      await worker?.stop();
      await alertTimer.stop();
      tokens.close();
      await stopListening();
      store.close();
      await sessionPool.end();
    },
  };
}
