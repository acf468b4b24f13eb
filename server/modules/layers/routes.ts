import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody, parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { STAFF_ROLES } from '../../../shared/domain/cases.ts';
import { getLayer, listLayers, parseDefinition, upsertDefinition } from './definitions.ts';
import { loadLayer } from './loader.ts';
import { AppError } from '../../../shared/errors.ts';

const LAYER_ADMINS = ['admin', 'gis'] as const;
const Field = z.string().min(1).max(200);
const LoadQuery = z
  .object({
    filename: z
      .string()
      .max(200)
      .regex(/^[^/\\]+$/, 'a file name, without folders')
      .optional(),
    sourceLayer: z.string().max(200).optional(),
    sourceCrs: z.string().max(100).optional(),
    reference: Field.optional(),
    name: Field.optional(),
    /** JSON object: target property -> source field or "{A} {B}" template */
    properties: z.string().max(5000).optional(),
    repair: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    coverage: z.enum(['authority', 'extent']).optional(),
  })
  .strict();

const view = (l: Awaited<ReturnType<typeof getLayer>>) => ({
  id: l.id,
  title: l.title,
  category: l.category,
  dataset: l.dataset,
  origin: l.origin,
  definition: l.definition,
  definitionHash: l.definitionHash,
  dataVersion: l.dataVersion,
  sourceHash: l.sourceHash,
  loadedAt: l.loadedAt,
  featureCount: l.featureCount,
  lastLoad: l.lastLoad,
});

export function layerRoutes(ctx: AppContext) {
  const r = Router();
  r.get('/api/layers', requireRole(...STAFF_ROLES), async (_req, res) => {
    res.json({ items: (await listLayers(ctx.db)).map(view) });
  });
  r.get('/api/layers/:id', requireRole(...STAFF_ROLES), async (req, res) => {
    res.json(view(await getLayer(ctx.db, String(req.params.id))));
  });
  /** A local layer (same schema as layers/definitions), without a code change. */
  r.post('/api/layers', requireRole(...LAYER_ADMINS), async (req, res) => {
    const def = parseDefinition(parseBody(z.object({ definition: z.unknown() }).strict(), req.body).definition);
    await ctx.db.transaction((trx) => upsertDefinition(trx, actorOf(req.user!), def, 'local', req.requestId));
    res.status(201).json(view(await getLayer(ctx.db, def.id)));
  });
  /** Load or refresh a layer's data: the file is the request body (GeoPackage, zipped Shapefile, GeoJSON or CSV). */
  r.put(
    '/api/layers/:id/data',
    requireRole(...LAYER_ADMINS),
    express.raw({ type: () => true, limit: '200mb' }),
    async (req, res) => {
      const q = parseQuery(LoadQuery, req.query);
      let properties: Record<string, string> | undefined;
      if (q.properties) {
        let raw: unknown;
        try {
          raw = JSON.parse(q.properties);
        } catch {
          raw = null;
        }
        const parsed = z.record(z.string(), Field).safeParse(raw);
        if (!parsed.success)
          throw new AppError(
            'VALIDATION_FAILED',
            'query.properties: must be a JSON object of target property → source field',
            { issues: [{ path: 'query.properties', message: 'not an object of strings' }] },
          );
        properties = parsed.data;
      }
      const layer = await getLayer(ctx.db, String(req.params.id));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-upload-'));
      const file = path.join(
        dir,
        q.filename ?? `upload-${crypto.randomBytes(4).toString('hex')}${guessExtension(req.get('content-type'))}`,
      );
      try {
        fs.writeFileSync(file, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        const report = await loadLayer(ctx.db, {
          layerId: layer.id,
          sources: [
            { file, label: q.filename ?? path.basename(file), sourceLayer: q.sourceLayer, sourceCrs: q.sourceCrs },
          ],
          fieldMap:
            q.reference || q.name || properties
              ? { reference: q.reference, name: q.name, properties: properties ?? {} }
              : undefined,
          repair: q.repair,
          coverage: q.coverage,
          toleranceM: ctx.config.AUTHORITY_BOUNDARY_TOLERANCE_M,
          actor: actorOf(req.user!),
          requestId: req.requestId,
        });
        res.json(report);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
  return r;
}

function guessExtension(contentType: string | undefined): string {
  const t = (contentType ?? '').toLowerCase();
  if (t.includes('geopackage') || t.includes('sqlite')) return '.gpkg';
  if (t.includes('zip')) return '.zip';
  if (t.includes('csv')) return '.csv';
  if (t.includes('json')) return '.geojson';
  return '.dat';
}
