/**
 * Keeps the register's stored publicity dates (case_record.consultation_end_date, earliest_decision_date: computed
 * by the publicity rules in TypeScript, see ./service.ts refreshPublicDates) in step with every staff write under
 * /api/cases/:id (publicity events, constraint checks and hit decisions, documents recording events, sites): once
 * the write succeeded, the dates are refreshed before the answer is sent, so the register never shows stale dates.
 */
import type { RequestHandler } from 'express';
import type { AppContext } from '../../http/context.ts';
import { refreshPublicDates } from './service.ts';

export function publicDatesAfterCaseWrite(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    const id = Number(req.params.id);
    if (req.method === 'GET' || req.method === 'HEAD' || !Number.isSafeInteger(id) || id <= 0) return next();
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode >= 400) return json(body);
      refreshPublicDates(ctx.db, ctx.authorityId, id).then(
        () => json(body),
        (err: unknown) => {
          // the write itself succeeded; the dates follow on the case's next change
          ctx.log.warn({ err, caseId: id }, 'could not refresh the register dates');
          json(body);
        },
      );
      return res;
    };
    next();
  };
}
