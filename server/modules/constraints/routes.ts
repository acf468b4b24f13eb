import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody, parseQuery, queryFlag } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { intId } from '../../http/params.ts';
import {
  addSettingTrigger,
  checkPostedSite,
  createStoredCheck,
  decideHit,
  getStoredCheck,
  listStoredChecks,
  rerunStoredCheck,
} from './service.ts';

const READERS = PERMISSIONS.caseRead;
const WRITERS = PERMISSIONS.caseWrite;
const DECIDERS = PERMISSIONS.hitDecide;
const LayerIds = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/))
  .min(1)
  .max(200)
  .optional();
export const CheckBody = z
  .object({ site: z.unknown(), crs: z.string().max(100).optional(), layers: LayerIds })
  .strict();
const CheckQuery = z
  .object({
    repair: queryFlag().optional(),
    crossBoundary: queryFlag().optional(),
  })
  .strict();
export const StoredBody = z.object({ layers: LayerIds }).strict();
export const Decision = z
  .object({
    decision: z.enum(['confirmed', 'dismissed']),
    reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(2000),
  })
  .strict();

export const SettingTriggerBody = z
  .object({
    trigger: z.enum(['listed-building-setting', 'conservation-area']),
    description: z
      .string()
      .trim()
      .min(3, 'say which listed building or conservation area (at least 3 characters)')
      .max(500),
    reason: z.string().trim().min(3, 'say why its setting is affected (at least 3 characters)').max(2000),
    layerId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .optional(),
    reference: z.string().trim().min(1).max(200).optional(),
    grade: z.enum(['I', 'II*', 'II']).optional(),
  })
  .strict();

const idParam = intId;

export function constraintRoutes(ctx: AppContext) {
  const r = Router();
  const caseId = (raw: string | string[] | undefined) => idParam(raw, 'CASE_NOT_FOUND', 'case');
  const checkId = (raw: string | string[] | undefined) => idParam(raw, 'CHECK_NOT_FOUND', 'check');

  r.post('/api/constraints/check', requireRole(...PERMISSIONS.geometryCheck), async (req, res) => {
    const q = parseQuery(CheckQuery, req.query);
    const body = parseBody(CheckBody, req.body);
    const { site, report } = await checkPostedSite(
      ctx.db,
      body.site,
      {
        crs: body.crs,
        repair: q.repair,
        crossBoundary: q.crossBoundary,
        ...ctx.intake,
        outputs: false,
      },
      body.layers,
    );
    res.json({ site: { areaM2: site.areaM2, areaHa: site.areaHa, repair: site.repair }, ...report });
  });

  r.get('/api/cases/:id/constraint-checks', requireRole(...READERS), async (req, res) => {
    res.json({ items: await listStoredChecks(ctx.db, ctx.authorityId, caseId(req.params.id)) });
  });
  r.post('/api/cases/:id/constraint-checks', requireRole(...WRITERS), async (req, res) => {
    const { layers } = parseBody(StoredBody, req.body);
    res
      .status(201)
      .json(
        await createStoredCheck(
          ctx.db,
          ctx.authorityId,
          caseId(req.params.id),
          actorOf(req.user!),
          layers,
          req.requestId,
        ),
      );
  });
  r.get('/api/cases/:id/constraint-checks/:checkId', requireRole(...READERS), async (req, res) => {
    res.json(await getStoredCheck(ctx.db, ctx.authorityId, caseId(req.params.id), checkId(req.params.checkId)));
  });
  r.post('/api/cases/:id/constraint-checks/:checkId/rerun', requireRole(...WRITERS), async (req, res) => {
    res
      .status(201)
      .json(
        await rerunStoredCheck(
          ctx.db,
          ctx.authorityId,
          caseId(req.params.id),
          checkId(req.params.checkId),
          actorOf(req.user!),
          req.requestId,
        ),
      );
  });
  r.patch('/api/cases/:id/constraint-checks/:checkId/hits/:hitId', requireRole(...DECIDERS), async (req, res) => {
    const { decision, reason } = parseBody(Decision, req.body);
    res.json(
      await decideHit(
        ctx.db,
        ctx.authorityId,
        caseId(req.params.id),
        checkId(req.params.checkId),
        idParam(req.params.hitId, 'HIT_NOT_FOUND', 'hit'),
        decision,
        reason,
        actorOf(req.user!),
        req.requestId,
      ),
    );
  });
  r.post('/api/cases/:id/constraint-checks/:checkId/setting-triggers', requireRole(...DECIDERS), async (req, res) => {
    const body = parseBody(SettingTriggerBody, req.body);
    res
      .status(201)
      .json(
        await addSettingTrigger(
          ctx.db,
          ctx.authorityId,
          caseId(req.params.id),
          checkId(req.params.checkId),
          body,
          actorOf(req.user!),
          req.requestId,
        ),
      );
  });
  return r;
}
