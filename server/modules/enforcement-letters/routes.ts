/** Enforcement letters: templates (read by staff, changed by admins, If-Match or body.version) and the letters
 *  produced for an enforcement case (enforcement officers and admins). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody } from '../../http/validate.ts';
import { intId } from '../../http/params.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { etagOf, versionFromIfMatch } from '../../../shared/domain/cases.ts';
import { ENFORCEMENT_LETTER_KINDS } from '../../../shared/domain/enforcement-letters.ts';
import { IsoDate } from '../cases/schema.ts';
import {
  createLetter,
  getLetter,
  getLetterPdf,
  getLetterTemplate,
  letterKindOf,
  listLetters,
  listLetterTemplates,
  saveLetterTemplate,
  type LetterService,
} from './service.ts';

const Line = z.string().trim().min(1).max(200);

export const CreateLetterBody = z
  .object({
    kind: z.enum(ENFORCEMENT_LETTER_KINDS, { message: `must be one of ${ENFORCEMENT_LETTER_KINDS.join(', ')}` }),
    recipient: z
      .union([
        z.number().int().positive().max(2_147_483_647),
        z
          .object({
            name: Line.optional(),
            addressLines: z.array(Line).min(1).max(6).optional(),
            postcode: z.string().trim().min(2).max(10).optional(),
          })
          .strict(),
      ])
      .optional(),
    date: IsoDate.optional(),
    reason: z.string().trim().min(1).max(4000).optional(),
    replyBy: IsoDate.optional(),
  })
  .strict();

export const LetterTemplateBody = z
  .object({
    title: z.string().trim().min(1).max(300),
    body: z.string().min(1).max(100_000),
    version: z.number().int().positive().optional(),
  })
  .strict();

export function enforcementLetterRoutes(ctx: AppContext) {
  const r = Router();
  const svc: LetterService = { db: ctx.db, authorityId: ctx.authorityId };
  const caseId = (raw: string | string[] | undefined) => intId(raw, 'CASE_NOT_FOUND', 'case');
  const letterId = (raw: string | string[] | undefined) => intId(raw, 'LETTER_NOT_FOUND', 'letter');

  r.get('/api/enforcement-letter-templates', requireRole(...PERMISSIONS.referenceRead), async (_req, res) => {
    res.json(await listLetterTemplates(ctx.db, ctx.authorityId));
  });
  r.get('/api/enforcement-letter-templates/:kind', requireRole(...PERMISSIONS.referenceRead), async (req, res) => {
    const t = await getLetterTemplate(ctx.db, ctx.authorityId, letterKindOf(req.params.kind));
    res.set('ETag', etagOf(t.current.version)).json(t);
  });
  r.put('/api/enforcement-letter-templates/:kind', requireRole(...PERMISSIONS.templateAdmin), async (req, res) => {
    const kind = letterKindOf(req.params.kind);
    const { version, ...input } = parseBody(LetterTemplateBody, req.body);
    const expected = version ?? versionFromIfMatch(req.get('if-match'));
    const t = await saveLetterTemplate(
      ctx.db,
      ctx.authorityId,
      kind,
      input,
      expected,
      actorOf(req.user!),
      req.requestId,
    );
    res.set('ETag', etagOf(t.current.version)).json(t);
  });

  r.get('/api/cases/:id/enforcement-letters', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    res.json(await listLetters(svc, caseId(req.params.id)));
  });
  r.post('/api/cases/:id/enforcement-letters', requireRole(...PERMISSIONS.enforcementLetterWrite), async (req, res) => {
    const id = caseId(req.params.id);
    const letter = await createLetter(svc, req.user!, id, parseBody(CreateLetterBody, req.body), req.requestId);
    res.status(201).location(`/api/cases/${id}/enforcement-letters/${letter.id}`).json(letter);
  });
  r.get('/api/cases/:id/enforcement-letters/:letterId.pdf', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    const id = letterId(req.params.letterId);
    const l = await getLetterPdf(svc, req.user!.role, caseId(req.params.id), id);
    res.set({
      'Content-Type': 'application/pdf',
      'Content-Disposition': `inline; filename="${`${l.reference}-${l.kind}-${id}`.replace(/[^A-Za-z0-9._-]+/g, '-')}.pdf"`,
      'Cache-Control': 'private, no-store',
      ETag: `"${l.sha256}"`,
    });
    res.send(l.pdf);
  });
  r.get('/api/cases/:id/enforcement-letters/:letterId', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    res.json(await getLetter(svc, caseId(req.params.id), letterId(req.params.letterId)));
  });
  return r;
}
