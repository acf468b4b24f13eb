/** Map images: a case's site location plan, neighbour map and constraints map, and ad hoc renders of a posted site. */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { parseBody, parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { AppError } from '../../../shared/errors.ts';
import { intId } from '../../http/params.ts';
import { intakeSite } from '../geometry/intake.ts';
import { SelectionParams } from '../neighbours/service.ts';
import { FIXED_SCALES, MAP_TEMPLATES, type ImageFormat, type MapTemplate } from '../../render/index.ts';
import { renderMap, type RenderedMap } from './service.ts';

const scaleList = FIXED_SCALES.join(', ');
const Scale = z
  .string()
  .refine((v) => v === 'fit' || FIXED_SCALES.some((s) => String(s) === v), {
    message: `must be fit or one of ${scaleList} (1:N)`,
  })
  .transform((v) => (v === 'fit' ? ('fit' as const) : Number(v)));
/** the year the copyright statement is dated (a document's year); default the current year */
const Year = z
  .string()
  .regex(/^(19|20)[0-9]{2}$/, 'a year, e.g. 2027')
  .transform(Number);
const Sheet = {
  paper: z.enum(['A4', 'A3']).default('A4'),
  orientation: z.enum(['portrait', 'landscape']).default('portrait'),
  dpi: z
    .enum(['150', '300'], { message: 'must be 150 or 300' })
    .default('150')
    .transform((v) => Number(v) as 150 | 300),
};
export const MapQuery = z
  .object({
    ...Sheet,
    scale: Scale.default('fit'),
    year: Year.optional(),
    runId: z
      .string()
      .regex(/^[1-9][0-9]{0,9}$/, 'a notification run id')
      .transform(Number)
      .optional(),
    checkId: z
      .string()
      .regex(/^[1-9][0-9]{0,9}$/, 'a constraint check id')
      .transform(Number)
      .optional(),
  })
  .strict();
export const AdhocBody = z
  .object({
    site: z.unknown(),
    crs: z.string().max(100).optional(),
    paper: Sheet.paper,
    orientation: Sheet.orientation,
    dpi: z.union([z.literal(150), z.literal(300)], { message: 'must be 150 or 300' }).default(150),
    year: z.number().int().min(1900).max(2099).optional(),
    scale: z
      .union(
        [
          z.literal('fit'),
          z.union(FIXED_SCALES.map((s) => z.literal(s)) as unknown as [z.ZodLiteral<500>, z.ZodLiteral<1250>]),
        ],
        { message: `must be "fit" or one of ${scaleList}` },
      )
      .default('fit'),
    title: z.string().trim().min(1).max(120).optional(),
    reference: z.string().trim().min(1).max(64).optional(),
    address: z.string().trim().min(1).max(300).optional(),
    selection: z.unknown().optional(),
    layers: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/))
      .min(1)
      .max(200)
      .optional(),
  })
  .strict();

/** "site-location.png" → template and format; anything else is MAP_TEMPLATE_NOT_FOUND naming what there is. */
export function parseMapFile(file: string | string[] | undefined): { template: MapTemplate; format: ImageFormat } {
  const m = typeof file === 'string' ? /^([a-z-]+)\.(png|jpg|jpeg)$/.exec(file) : null;
  const template = m?.[1] as MapTemplate | undefined;
  if (!m || !template || !MAP_TEMPLATES.includes(template)) {
    throw new AppError(
      'MAP_TEMPLATE_NOT_FOUND',
      `There is no map "${String(file)}": the maps are ${MAP_TEMPLATES.map((t) => `${t}.png`).join(', ')} (or .jpg).`,
      { templates: MAP_TEMPLATES, formats: ['png', 'jpg'] },
    );
  }
  return { template, format: m[2] === 'png' ? 'png' : 'jpeg' };
}

function send(res: Response, map: RenderedMap, name: string, ext: string) {
  res.set({
    'Content-Type': map.contentType,
    'Content-Disposition': `inline; filename="${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.${ext}"`,
    'Cache-Control': 'private, no-store',
    'X-Map-Scale': `1:${map.scale}`,
    'X-Map-Dpi': String(map.dpi),
    'X-Map-Extent': [map.extent.minX, map.extent.minY, map.extent.maxX, map.extent.maxY]
      .map((v) => v.toFixed(2))
      .join(','),
    'X-Map-Frame': [map.framePx.x, map.framePx.y, map.framePx.w, map.framePx.h].map((v) => v.toFixed(2)).join(','),
  });
  res.send(map.image);
}

export function mapRoutes(ctx: AppContext) {
  const r = Router();
  const { intake } = ctx;

  r.get('/api/cases/:id/maps/:file', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    const caseId = intId(req.params.id, 'CASE_NOT_FOUND', 'case');
    const { template, format } = parseMapFile(req.params.file);
    const q = parseQuery(MapQuery, req.query);
    const map = await renderMap(
      ctx.db,
      ctx.authorityId,
      template,
      { ...q, format },
      { kind: 'case', caseId, runId: q.runId, checkId: q.checkId },
      ctx.config.MAP_MAX_PIXELS,
      ctx.log,
    );
    send(res, map, `${map.reference ?? caseId}-${template}`, format === 'png' ? 'png' : 'jpg');
  });

  r.post('/api/maps/:file', requireRole(...PERMISSIONS.geometryCheck), async (req, res) => {
    const { template, format } = parseMapFile(req.params.file);
    const body = parseBody(AdhocBody, req.body);
    let selection: SelectionParams | undefined;
    if (body.selection !== undefined) {
      const s = SelectionParams.safeParse(body.selection);
      if (!s.success) {
        const issues = s.error.issues.map((i) => ({
          path: ['body', 'selection', ...i.path].join('.'),
          message: i.message,
        }));
        throw new AppError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
      }
      selection = s.data;
    }
    const site = await intakeSite(ctx.db, body.site, { ...intake, crs: body.crs, outputs: false });
    const map = await renderMap(
      ctx.db,
      ctx.authorityId,
      template,
      { paper: body.paper, orientation: body.orientation, dpi: body.dpi, scale: body.scale, year: body.year, format },
      {
        kind: 'adhoc',
        siteEwkb: site.ewkb,
        title: body.title,
        reference: body.reference,
        address: body.address,
        selection,
        layers: body.layers,
        intake,
      },
      ctx.config.MAP_MAX_PIXELS,
      ctx.log,
    );
    send(res, map, `${body.reference ?? 'site'}-${template}`, format === 'png' ? 'png' : 'jpg');
  });
  return r;
}
