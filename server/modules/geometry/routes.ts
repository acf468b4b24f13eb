import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { parseBody, parseQuery, queryFlag } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { intakeSite } from './intake.ts';

export const ValidateQuery = z
  .object({
    crs: z.string().max(100).optional(),
    repair: queryFlag().optional(),
    crossBoundary: queryFlag().optional(),
  })
  .strict();
export const ValidateBody = z.object({ geometry: z.unknown() }).strict();

export function geometryRoutes(ctx: AppContext) {
  const r = Router();
  /** Checks a site exactly as PUT /api/cases/:id/site would, without storing it: area, repair report, or the error. */
  r.post('/api/geometry/validate', requireRole(...PERMISSIONS.geometryCheck), async (req, res) => {
    const q = parseQuery(ValidateQuery, req.query);
    const { geometry } = parseBody(ValidateBody, req.body);
    const site = await intakeSite(ctx.db, geometry, {
      ...ctx.intake,
      crs: q.crs,
      repair: q.repair,
      crossBoundary: q.crossBoundary,
    });
    const { ewkb: _ewkb, ...view } = site;
    res.json(view);
  });
  return r;
}
