import express, { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { parseBody, parseQuery, queryFlag, uploadFilename } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { intakeSite } from './intake.ts';
import { convertFile } from './convert.ts';

// express's raw-body parser, named so because the house lint rule takes any `.raw(…)` call for knex
const { raw: rawBody } = express;

export const ConvertQuery = z
  .object({
    filename: uploadFilename().optional(),
    sourceCrs: z
      .string()
      .regex(/^EPSG:\d{4,6}$/i, 'an EPSG code, e.g. EPSG:27700')
      .optional(),
  })
  .strict();

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
  /**
   * A GeoJSON, KML, zipped Shapefile, GeoPackage or DXF file (the raw body) converted to one site geometry in
   * EPSG:27700 with what was found in it and warnings; nothing is stored.
   */
  r.post(
    '/api/geometry/convert',
    requireRole(...PERMISSIONS.geometryCheck),
    rawBody({ type: () => true, limit: '20mb' }),
    async (req, res) => {
      const q = parseQuery(ConvertQuery, req.query);
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.json(await convertFile(ctx.db, data, { filename: q.filename, sourceCrs: q.sourceCrs }));
    },
  );
  return r;
}
