import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { intId } from '../../http/params.ts';
import { IsoDate } from '../cases/schema.ts';
import { casePublicity, correctEvent, EVENT_KINDS, recordEvent, voidPublicityEvent } from './service.ts';

/** What an event records besides its kind: each kind takes only its own fields (checked by the service). */
const eventFields = {
  date: IsoDate,
  eia: z.boolean().optional(),
  notes: z.string().max(1000).optional(),
  /** press advert */
  newspaper: z.string().trim().min(1).max(200).optional(),
  editionDate: IsoDate.optional(),
  /** site notice */
  noticeCount: z.number().int().min(1).max(500).optional(),
  places: z.array(z.string().trim().min(1).max(300)).min(1).max(100).optional(),
  /** neighbour letters */
  letterCount: z.number().int().min(1).max(100_000).optional(),
  runId: z.number().int().positive().max(2_147_483_647).optional(),
};

export const EventBody = z.object({ kind: z.enum(EVENT_KINDS), ...eventFields }).strict();

/** An event recorded with the document that gives notice of it (its kind follows the document's; a neighbour
 *  letter's run is the document's run). */
export const DocumentEventBody = z
  .object({
    date: eventFields.date,
    eia: eventFields.eia,
    notes: eventFields.notes,
    newspaper: eventFields.newspaper,
    editionDate: eventFields.editionDate,
    noticeCount: eventFields.noticeCount,
    places: eventFields.places,
    letterCount: eventFields.letterCount,
  })
  .strict();

const Reason = z
  .string({ message: 'give the reason: it is kept with the record' })
  .trim()
  .min(1, 'give the reason: it is kept with the record')
  .max(1000);

export const CorrectEventBody = z
  .object({
    reason: Reason,
    date: IsoDate.optional(),
    eia: z.boolean().nullable().optional(),
    notes: z.string().max(1000).nullable().optional(),
    newspaper: eventFields.newspaper,
    editionDate: eventFields.editionDate,
    noticeCount: eventFields.noticeCount,
    places: eventFields.places,
    letterCount: eventFields.letterCount,
    runId: eventFields.runId,
  })
  .strict();

export const VoidEventBody = z.object({ reason: Reason }).strict();

const caseId = (raw: string | string[] | undefined) => intId(raw, 'CASE_NOT_FOUND', 'case');
const eventId = (raw: string | string[] | undefined) => intId(raw, 'PUBLICITY_EVENT_NOT_FOUND', 'publicity event');

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
  r.patch('/api/cases/:id/publicity-events/:eventId', requireRole(...PERMISSIONS.publicityWrite), async (req, res) => {
    const id = caseId(req.params.id);
    const event = await correctEvent(
      ctx.db,
      ctx.authorityId,
      id,
      eventId(req.params.eventId),
      parseBody(CorrectEventBody, req.body),
      actorOf(req.user!),
      req.requestId,
    );
    res.json({ event, publicity: await casePublicity(ctx.db, ctx.authorityId, id) });
  });
  r.post(
    '/api/cases/:id/publicity-events/:eventId/void',
    requireRole(...PERMISSIONS.publicityWrite),
    async (req, res) => {
      const id = caseId(req.params.id);
      const { reason } = parseBody(VoidEventBody, req.body);
      const event = await voidPublicityEvent(
        ctx.db,
        ctx.authorityId,
        id,
        eventId(req.params.eventId),
        reason,
        actorOf(req.user!),
        req.requestId,
      );
      res.json({ event, publicity: await casePublicity(ctx.db, ctx.authorityId, id) });
    },
  );
  return r;
}
