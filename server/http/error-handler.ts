/** The one error handler: every error becomes { "error": { "code", "message", "details" } }. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError, isAppError } from '../../shared/errors.ts';

const PG_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { type?: string; code?: string; status?: number; message?: string };
  if (err instanceof ZodError) {
    // a form or body read with schema.parse (not parseBody): the same 400 naming the fields
    const issues = err.issues.map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message }));
    return new AppError('VALIDATION_FAILED', `${issues[0]?.path ?? 'body'}: ${issues[0]?.message ?? 'is not valid'}`, {
      issues,
    });
  }
  if (e?.type === 'entity.parse.failed') {
    return new AppError('INVALID_JSON', `The request body is not valid JSON: ${e.message ?? ''}`.trim());
  }
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
    return new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the request body as JSON in UTF-8, uncompressed or gzip, deflate or br encoded (${e.message ?? 'unsupported'}).`,
    );
  }
  if (err instanceof URIError && e.status === 400) {
    // the router could not percent-decode a path parameter
    return new AppError('VALIDATION_FAILED', 'The URL path is not valid percent-encoding.', {
      issues: [{ path: 'path', message: 'is not valid percent-encoding' }],
    });
  }
  if (e?.type === 'entity.too.large') {
    return new AppError(
      'PAYLOAD_TOO_LARGE',
      'The request body is too large (limit 10 MB). Simplify the geometry or split the upload.',
    );
  }
  if (e?.code && PG_UNAVAILABLE.has(e.code)) {
    return new AppError('DATABASE_UNAVAILABLE', 'The database is not reachable right now; try again in a moment.');
  }
  return new AppError(
    'INTERNAL',
    'Something went wrong on our side. It has been logged; quote the request id if you report it.',
    undefined,
    500,
  );
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) {
      // never the body: it may hold personal data or a geometry
      log.error(
        {
          err: {
            message: (err as Error)?.message,
            code: (err as { code?: string })?.code,
            stack: (err as Error)?.stack,
          },
          requestId: req.requestId,
          method: req.method,
          path: req.path,
        },
        'request failed',
      );
    }
    const details = appErr.status >= 500 ? { requestId: req.requestId } : (appErr.details ?? null);
    res.status(appErr.status).json({ error: { code: appErr.code, message: appErr.message, details } });
  };
}

export const notFound: RequestHandler = (req) => {
  throw new AppError('NOT_FOUND', `There is no ${req.method} ${req.path} in this API. See GET /api/openapi.json.`);
};
