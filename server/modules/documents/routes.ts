/** Letters and notices: templates (read by staff, changed by admins) and the documents produced for a case. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody } from '../../http/validate.ts';
import { intId } from '../../http/params.ts';
import { etagOf, ifMatchOf } from '../../http/if-match.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { DOCUMENT_KINDS } from '../../../shared/domain/documents.ts';
import { IsoDate } from '../cases/schema.ts';
import { DocumentEventBody } from '../publicity/routes.ts';
import { createDocument, getDocument, getDocumentPdf, listDocuments, type DocumentService } from './service.ts';
import { getTemplate, kindOf, listTemplates, saveTemplate } from './templates.ts';

const Line = z.string().trim().min(1).max(200);

const CONDITION_NEEDS_REASON =
  'a condition needs the reason for it: give { text, reason }, or end the condition with "Reason: …"';
/** "The dormer shall be clad in slate. Reason: To preserve …" → { text, reason } */
const Condition = z.union(
  [
    z.object({ text: z.string().trim().min(1).max(4000), reason: z.string().trim().min(1).max(4000) }).strict(),
    z
      .string()
      .trim()
      .max(8000)
      .transform((v, ctx) => {
        const m = /^([\s\S]*?\S)\s*\bReason:\s*(\S[\s\S]*)$/.exec(v);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: CONDITION_NEEDS_REASON });
          return z.NEVER;
        }
        return { text: m[1]!, reason: m[2]!.trim() };
      }),
  ],
  { error: CONDITION_NEEDS_REASON },
);

export const CreateDocumentBody = z
  .object({
    kind: z.enum(DOCUMENT_KINDS, { message: `must be one of ${DOCUMENT_KINDS.join(', ')}` }),
    runId: z.number().int().positive().max(2_147_483_647).optional(),
    date: IsoDate.optional(),
    publicityDate: IsoDate.optional(),
    consultee: z
      .object({
        name: Line.optional(),
        organisation: Line,
        addressLines: z.array(Line).min(1).max(5),
        postcode: z.string().trim().min(2).max(10).optional(),
      })
      .strict()
      .optional(),
    /** each condition with the reason for it (DMPO 2015 art. 35(1)(a)): { text, reason }, or (for the staff form and
     *  older callers) one string ending "Reason: …"; a condition without its reason is refused */
    conditions: z.array(Condition).max(200).optional(),
    reasons: z.array(z.string().trim().min(1).max(4000)).max(200).optional(),
    informatives: z.array(z.string().trim().min(1).max(4000)).max(100).optional(),
    approvedPlans: z.array(z.string().trim().min(1).max(300)).max(200).optional(),
    authorisedOfficer: z.object({ name: Line, position: Line.optional() }).strict().optional(),
    withinM: z.number().min(0).max(500).optional(),
    includeEnforcement: z.boolean().optional(),
    recordEvent: DocumentEventBody.optional(),
  })
  .strict();

export const TemplateBody = z
  .object({
    title: z.string().trim().min(1).max(300),
    body: z.string().min(1).max(100_000),
    version: z.number().int().positive().optional(),
  })
  .strict();

export function documentRoutes(ctx: AppContext) {
  const r = Router();
  const svc: DocumentService = {
    db: ctx.db,
    authorityId: ctx.authorityId,
    mapMaxPixels: ctx.config.MAP_MAX_PIXELS,
    log: ctx.log,
  };
  const caseId = (raw: string | string[] | undefined) => intId(raw, 'CASE_NOT_FOUND', 'case');
  const docId = (raw: string | string[] | undefined) => intId(raw, 'DOCUMENT_NOT_FOUND', 'document');

  r.get('/api/document-templates', requireRole(...PERMISSIONS.referenceRead), async (_req, res) => {
    res.json(await listTemplates(ctx.db, ctx.authorityId));
  });
  r.get('/api/document-templates/:kind', requireRole(...PERMISSIONS.referenceRead), async (req, res) => {
    const t = await getTemplate(ctx.db, ctx.authorityId, kindOf(req.params.kind));
    res.setHeader('ETag', etagOf(t.current.version)).json(t);
  });
  /** If-Match "v<version>" (or body.version) required: 428 without, 412 when someone saved a newer version. */
  r.put('/api/document-templates/:kind', requireRole(...PERMISSIONS.templateAdmin), async (req, res) => {
    const kind = kindOf(req.params.kind);
    const body = parseBody(TemplateBody, req.body);
    const t = await saveTemplate(
      ctx.db,
      ctx.authorityId,
      kind,
      body,
      actorOf(req.user!),
      req.requestId,
      ifMatchOf(req, `${kind} template`),
    );
    res.setHeader('ETag', etagOf(t.current.version)).json(t);
  });

  r.get('/api/cases/:id/documents', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    res.json(await listDocuments(svc, caseId(req.params.id)));
  });
  r.post('/api/cases/:id/documents', requireRole(...PERMISSIONS.caseWrite), async (req, res) => {
    const id = caseId(req.params.id);
    const doc = await createDocument(svc, req.user!, id, parseBody(CreateDocumentBody, req.body), req.requestId);
    res
      .status(201)
      .location(doc.pdf.replace(/\/pdf$/, ''))
      .json(doc);
  });
  r.get('/api/cases/:id/documents/:docId', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    res.json(await getDocument(svc, caseId(req.params.id), docId(req.params.docId)));
  });
  r.get('/api/cases/:id/documents/:docId/pdf', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    const d = await getDocumentPdf(svc, req.user!.role, caseId(req.params.id), docId(req.params.docId));
    res.set({
      'Content-Type': 'application/pdf',
      'Content-Disposition': `inline; filename="${`${d.reference}-${d.kind}-${req.params.docId}`.replace(/[^A-Za-z0-9._-]+/g, '-')}.pdf"`,
      'Cache-Control': 'private, no-store',
      ETag: `"${d.sha256}"`,
    });
    res.send(d.pdf);
  });
  return r;
}
