/** zod at the edges: request bodies and query strings become typed values or a 400 VALIDATION_FAILED
 *  naming each field that is wrong and why. */
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';

function fail(where: 'body' | 'query', error: z.ZodError): never {
  const issues = error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
  const first = issues[0]!;
  throw new AppError(
    'VALIDATION_FAILED',
    `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
    { issues },
  );
}

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) fail('body', r.error);
  return r.data;
}

export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const r = schema.safeParse(query ?? {});
  if (!r.success) fail('query', r.error);
  return r.data;
}

/** A query-string flag: `true` or `false`, nothing else. */
export const queryFlag = () => z.enum(['true', 'false']).transform((v) => v === 'true');

/** The name of an uploaded file (for its format), never a path. */
export const uploadFilename = () =>
  z
    .string()
    .max(200)
    .regex(/^[^/\\]+$/, 'a file name, without folders');
