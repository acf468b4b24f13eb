import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { intId } from '../../http/params.ts';
import { IsoDate } from '../cases/schema.ts';
import { casePublicity, EVENT_KINDS, recordEvent } from './service.ts';

export const EventBody = z
  .object({
    kind: z.enum(EVENT_KINDS),
    date: IsoDate,
    eia: z.boolean().optional(),
    notes: z.string().max(1000).optional(),
  })
  .strict();

const caseId = (raw: string | string[] | undefined) => intId(raw, 'CASE_NOT_FOUND', 'case');

export function publicityRoutes(ctx: AppContext) {
  const r = Router();
  r.get('/api/cases/:id/publicity', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    res.json(await casePublicity(ctx.db, ctx.authorityId, caseId(req.params.id)));
  });
  r.post('/api/cases/:id/publicity-events', requireRole(...PERMISSIONS.publicityWrite), async (req, res) => {
    const body = parseBody(EventBody, req.body);
    const event = await recordEvent(
      ctx.db,
      ctx.authorityId,
      caseId(req.params.id),
      body,
      actorOf(req.user!),
      req.requestId,
    );
    res.status(201).json({ event, publicity: await casePublicity(ctx.db, ctx.authorityId, caseId(req.params.id)) });
  });
  return r;
}
