/**
 * Text PostgreSQL cannot store, refused before any route sees it: a NUL character (U+0000) or a lone UTF-16
 * surrogate (half of a character, as a broken client or a fuzzer sends it) anywhere in the query string, a JSON body
 * or a form body answers 400 VALIDATION_FAILED naming the field (a JSON path such as `parties[0].addressLines[1]`),
 * instead of failing deep inside a statement with a 500.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors.ts';

// eslint-disable-next-line no-control-regex
const BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const MAX_DEPTH = 64;

/** The path of the first string (or key) with a character we cannot store, or null. */
export function badTextAt(value: unknown, path = '', depth = 0): { path: string; what: string } | null {
  if (typeof value === 'string') {
    const m = BAD.exec(value);
    if (!m) return null;
    return { path, what: m[0] === '\u0000' ? 'a NUL character (U+0000)' : 'half of a character (a lone surrogate)' };
  }
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH)
    throw new AppError('VALIDATION_FAILED', `The body is nested more than ${MAX_DEPTH} levels deep.`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = badTextAt(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (BAD.test(k)) return { path: here, what: 'a character that cannot be stored in a field name' };
    const hit = badTextAt(v, here, depth + 1);
    if (hit) return hit;
  }
  return null;
}

export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  // a NUL in the URL path (%00): path parameters reach the database too
  if (/%00/.test(req.path)) {
    const message = 'contains a NUL character (%00), which cannot be stored: remove it and send again';
    throw new AppError('VALIDATION_FAILED', `path: ${message}`, { issues: [{ path: 'path', message }] });
  }
  for (const [where, value] of [
    ['query', req.query],
    ['body', req.body],
  ] as const) {
    const hit = badTextAt(value);
    if (hit) {
      const path = hit.path ? `${where}.${hit.path}` : where;
      const message = `contains ${hit.what}, which cannot be stored: remove it and send again`;
      throw new AppError('VALIDATION_FAILED', `${path}: ${message}`, { issues: [{ path, message }] });
    }
  }
  next();
};
