import crypto from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody, parseQuery, queryFlag, uploadFilename } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { getLayer, listLayers, parseDefinition, upsertDefinition } from './definitions.ts';
import type { FieldMap } from './loader.ts';
import { enqueueJob, waitForJob } from '../jobs/service.ts';
import { preferWaitMs, sendJob } from '../jobs/routes.ts';
import { deleteLayer, retireLayer } from './lifecycle.ts';
import { AppError } from '../../../shared/errors.ts';

// express's raw-body parser, named so because the house lint rule takes any `.raw(…)` call for knex
const { raw: rawBody } = express;
/** What a layer-load job carries besides its file (./load-job.ts runs it). */
export interface LayerLoadParams {
  layerId: string;
  sourceLayer?: string;
  sourceCrs?: string;
  fieldMap?: FieldMap;
  repair?: boolean;
  coverage?: 'authority' | 'extent';
}

const Field = z.string().min(1).max(200);
export const DefineLayerBody = z.object({ definition: z.unknown() }).strict();
export const RetireLayerBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
const LoadQuery = z
  .object({
    filename: uploadFilename().optional(),
    sourceLayer: z.string().max(200).optional(),
    sourceCrs: z.string().max(100).optional(),
    reference: Field.optional(),
    name: Field.optional(),
    /** JSON object: target property -> source field or "{A} {B}" template */
    properties: z.string().max(5000).optional(),
    repair: queryFlag().optional(),
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
  retired: l.retiredAt !== null,
  retiredAt: l.retiredAt,
  retiredReason: l.retiredReason,
});

export function layerRoutes(ctx: AppContext, jobs: { kick(): void }) {
  const r = Router();
  r.get('/api/layers', requireRole(...PERMISSIONS.referenceRead), async (_req, res) => {
    res.json({ items: (await listLayers(ctx.db, undefined, { includeRetired: true })).map(view) });
  });
  r.get('/api/layers/:id', requireRole(...PERMISSIONS.referenceRead), async (req, res) => {
    res.json(view(await getLayer(ctx.db, String(req.params.id))));
  });
  /** A local layer (same schema as layers/definitions), without a code change. */
  r.post('/api/layers', requireRole(...PERMISSIONS.layerAdmin), async (req, res) => {
    const def = parseDefinition(parseBody(DefineLayerBody, req.body).definition);
    await ctx.db.transaction((trx) => upsertDefinition(trx, actorOf(req.user!), def, 'local', req.requestId));
    res.status(201).json(view(await getLayer(ctx.db, def.id)));
  });
  /** Retire: kept for the stored checks and maps that used it, answered by no new check, listed as retired. */
  r.post('/api/layers/:id/retire', requireRole(...PERMISSIONS.layerAdmin), async (req, res) => {
    const body = parseBody(RetireLayerBody, req.body ?? {});
    const layer = await retireLayer(
      ctx.db,
      String(req.params.id),
      actorOf(req.user!),
      body.reason ?? null,
      req.requestId,
    );
    res.json(view(layer));
  });
  /** Delete a local layer that no stored check uses (409 LAYER_IN_USE naming the checks when one does). */
  r.delete('/api/layers/:id', requireRole(...PERMISSIONS.layerAdmin), async (req, res) => {
    await deleteLayer(ctx.db, String(req.params.id), actorOf(req.user!), req.requestId);
    res.status(204).end();
  });
  /**
   * Load or refresh a layer's data: the file is the request body (GeoPackage, zipped Shapefile, GeoJSON or CSV). The
   * load runs as a job (server/modules/jobs): 202 with the job at once, or with `Prefer: wait=N` the job as it is
   * after up to N seconds (200 with its report when it succeeded, its error status when it failed).
   */
  r.put(
    '/api/layers/:id/data',
    requireRole(...PERMISSIONS.layerAdmin),
    rawBody({ type: () => true, limit: '200mb' }),
    async (req, res) => {
      const q = parseQuery(LoadQuery, req.query);
      const properties = q.properties ? parseProperties(q.properties) : undefined;
      const layer = await getLayer(ctx.db, String(req.params.id));
      if (layer.retiredAt)
        throw new AppError('LAYER_RETIRED', `Layer "${layer.id}" is retired and can no longer be loaded.`, {
          id: layer.id,
          retiredAt: layer.retiredAt,
        });
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (data.length === 0)
        throw new AppError(
          'LAYER_FILE_EMPTY',
          `${q.filename ?? 'The upload'} is empty (0 bytes): send the layer file as the request body.`,
          {
            source: q.filename ?? null,
          },
        );
      const name =
        q.filename ?? `upload-${crypto.randomBytes(4).toString('hex')}${guessExtension(req.get('content-type'))}`;
      const params: LayerLoadParams = {
        layerId: layer.id,
        sourceLayer: q.sourceLayer,
        sourceCrs: q.sourceCrs,
        fieldMap:
          q.reference || q.name || properties
            ? { reference: q.reference, name: q.name, properties: properties ?? {} }
            : undefined,
        repair: q.repair,
        coverage: q.coverage,
      };
      const job = await enqueueJob(ctx.db, {
        kind: 'layer-load',
        subject: layer.id,
        params: params as unknown as Record<string, unknown>,
        file: { name, data },
        actor: actorOf(req.user!),
        requestId: req.requestId,
      });
      jobs.kick();
      const wait = preferWaitMs(req.get('prefer'));
      sendJob(res, wait ? await waitForJob(ctx.db, job.id, wait) : job);
    },
  );
  return r;
}

/** The `properties` query parameter: a JSON object of target property → source field (or template). */
function parseProperties(text: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = null;
  }
  const parsed = z.record(z.string(), Field).safeParse(raw);
  if (!parsed.success)
    throw new AppError(
      'VALIDATION_FAILED',
      'query.properties: must be a JSON object of target property → source field',
      {
        issues: [{ path: 'query.properties', message: 'not an object of strings' }],
      },
    );
  return parsed.data;
}

function guessExtension(contentType: string | undefined): string {
  const t = (contentType ?? '').toLowerCase();
  if (t.includes('geopackage') || t.includes('sqlite')) return '.gpkg';
  if (t.includes('zip')) return '.zip';
  if (t.includes('csv')) return '.csv';
  if (t.includes('json')) return '.geojson';
  return '.dat';
}
