/**
 * Issue 16 item 4: every write is version-checked. A resource's GET (and every write's answer) carries an ETag
 * "v<version>"; a PUT/PATCH/DELETE must send it back in If-Match: without one it is refused with 428
 * PRECONDITION_REQUIRED, with one that is no longer current with 412 VERSION_CONFLICT (someone else changed it since
 * it was read: reload and make the change again). The check is made inside the write's transaction, on the row it
 * locks, so of two writers holding the same ETag exactly one succeeds.
 *
 * `If-Match: *` ("whatever is current") is accepted only where a route says so: whole-data uploads (a layer's data,
 * the address and property datasets, the authority boundary), which replace the data rather than edit what was read.
 */
import type { Request } from 'express';
import { AppError } from '../../shared/errors.ts';

export const etagOf = (version: number) => `"v${version}"`;

/** What If-Match asked for: a version, "*" (any), or null when the header is missing. */
export type IfMatch = number | '*' | null;

/** Parses If-Match ("v3", "\"v3\"", W/"v3"; "*" when `allowAny`); 400 VALIDATION_FAILED for anything else. */
export function ifMatchOf(req: Request, what: string, opts: { allowAny?: boolean } = {}): IfMatch {
  const header = req.get('if-match');
  if (header === undefined || header.trim() === '') return null;
  const text = header.trim();
  if (text === '*') {
    if (opts.allowAny) return '*';
    throw new AppError(
      'VALIDATION_FAILED',
      `If-Match: * is not accepted here: send the ${what}'s ETag (such as "v3") from the GET you edited.`,
      { issues: [{ path: 'header.if-match', message: 'send the ETag, not *' }] },
    );
  }
  const m = /^(?:W\/)?"?v(\d{1,9})"?$/.exec(text);
  if (!m)
    throw new AppError('VALIDATION_FAILED', `If-Match must be the ${what}'s ETag, such as "v3"; got ${header}.`, {
      issues: [{ path: 'header.if-match', message: 'not an ETag of this API' }],
    });
  return Number(m[1]);
}

/** 428 without a version, 412 when `expected` is not `current` ("*" matches any). Call it on the locked row.
 *  `etag`: the resource's ETag as its GET sends it, for the message. */
export function checkVersion(
  what: string,
  current: number,
  expected: IfMatch | undefined,
  etag: string = etagOf(current),
): void {
  if (expected === null || expected === undefined) {
    throw new AppError(
      'PRECONDITION_REQUIRED',
      `Send the version you are changing: an If-Match header with the ${what}'s ETag (${etag}), from its GET.`,
      { currentVersion: current, etag },
    );
  }
  if (expected !== '*' && expected !== current) {
    throw new AppError(
      'VERSION_CONFLICT',
      `The ${what} was changed by someone else since you read it (you have version ${expected}, it is now version ${current}). Reload it and make your change again.`,
      { expectedVersion: expected, currentVersion: current, etag },
    );
  }
}
