import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { parseBody, parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { STAFF_ROLES } from '../../../shared/domain/cases.ts';
import { intakeSite } from './intake.ts';

const Query = z
  .object({
    crs: z.string().max(100).optional(),
    repair: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    crossBoundary: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .strict();
const Body = z.object({ geometry: z.unknown() }).strict();

export function geometryRoutes(ctx: AppContext) {
  const r = Router();
  /** Checks a site exactly as PUT /api/cases/:id/site would, without storing it: area, repair report, or the error. */
  r.post('/api/geometry/validate', requireRole(...STAFF_ROLES), async (req, res) => {
    const q = parseQuery(Query, req.query);
    const { geometry } = parseBody(Body, req.body);
    const site = await intakeSite(ctx.db, geometry, {
      crs: q.crs,
      repair: q.repair,
      crossBoundary: q.crossBoundary,
      authorityId: ctx.authorityId,
      toleranceM: ctx.config.AUTHORITY_BOUNDARY_TOLERANCE_M,
      vertexCap: ctx.config.SITE_VERTEX_CAP,
    });
    const { ewkb: _ewkb, ...view } = site;
    res.json(view);
  });
  return r;
}
