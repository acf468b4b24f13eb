/**
 * `Idempotency-Key` on POST (creations): a client that sends one and retries after a dropped connection gets the
 * first request's answer again (`Idempotent-Replayed: true`) and nothing is created twice.
 *
 * - The key is claimed in its own committed statement before the route runs; the first successful (2xx) answer is
 *   stored before it is sent, so a retry that follows it always finds it.
 * - A non-2xx answer releases the key (the work was refused or rolled back: nothing was made), so the request may be
 *   sent again with the same key.
 * - The same key with a different request (method, path or body) is refused: 422 IDEMPOTENCY_KEY_REUSED.
 * - A retry while the first is still running, or after the process running it died, gets 409
 *   IDEMPOTENCY_KEY_IN_PROGRESS and never runs the work a second time: check what was made before using a new key.
 * Keys are per user and kept for a day. Requests without the header are unchanged.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findIdempotencyKey,
  releaseIdempotencyKey,
} from '../db/idempotency.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;

export function idempotencyKeys(db: Knex): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined || !req.user) return next();
    if (!KEY.test(key))
      throw new AppError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice).',
        { issues: [{ path: 'header.Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }] },
      );
    const userId = req.user.id;
    const body = req.body === undefined ? '' : JSON.stringify(req.body);
    const hash = crypto.createHash('sha256').update(`${req.method}\n${req.originalUrl}\n${body}`).digest('hex');
    const claimed = await claimIdempotencyKey(db, { userId, key, method: req.method, path: req.originalUrl, hash });
    if (!claimed) {
      const row = await findIdempotencyKey(db, userId, key);
      if (row && row.request_hash !== hash)
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used for a different request (another path or body): use a new key for a new request.',
        );
      if (!row || row.status === null)
        throw new AppError(
          'IDEMPOTENCY_KEY_IN_PROGRESS',
          'A request with this Idempotency-Key is still running, or was cut off before it finished. Check whether it was done before sending it again with a new key.',
        );
      res.set('Idempotent-Replayed', 'true');
      if (row.location) res.set('Location', row.location);
      res.status(row.status);
      if (row.response === null) return void res.end();
      return void res.json(row.response);
    }
    let settled = false;
    const settle = async (status: number, response: unknown) => {
      if (settled) return;
      settled = true;
      if (status >= 200 && status < 300) {
        const location = res.get('Location');
        await completeIdempotencyKey(db, userId, key, { status, response, location: location ?? null });
      } else await releaseIdempotencyKey(db, userId, key);
    };
    const json = res.json.bind(res);
    res.json = (payload: unknown) => {
      settle(res.statusCode, payload).then(
        () => json(payload),
        (e: unknown) => {
          res.status(500);
          json({ error: { code: 'INTERNAL', message: `The answer could not be recorded: ${(e as Error).message}` } });
        },
      );
      return res;
    };
    res.on('finish', () => void settle(res.statusCode, undefined).catch(() => undefined));
    res.on('close', () => void (!settled && settle(500, undefined).catch(() => undefined)));
    next();
  };
}
