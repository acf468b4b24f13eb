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
import { checkVersion, type IfMatch } from '../../http/if-match.ts';
import { findLayer } from './repo.ts';
import { listJobs } from '../jobs/repo.ts';

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

/** A layer's ETag: its definition version and its data version, "v<definition>.<data>". A definition's PUT or DELETE
 *  sends it back in If-Match (only the definition part is compared: a data load since does not make an edit of the
 *  definition stale; plain "v<definition>" is accepted too); a data load compares the data part, or takes "*". */
const layerEtag = (l: { definitionVersion: number; dataVersion: number }) =>
  `"v${l.definitionVersion}.${l.dataVersion}"`;

function layerIfMatch(req: express.Request, part: 'definition' | 'data'): IfMatch {
  const header = req.get('if-match')?.trim();
  if (!header) return null;
  if (header === '*' && part === 'data') return '*';
  const m = /^(?:W\/)?"?v(\d{1,9})(?:\.(\d{1,9}))?"?$/.exec(header);
  if (m && part === 'definition') return Number(m[1]);
  if (m && m[2] !== undefined) return Number(m[2]);
  throw new AppError(
    'VALIDATION_FAILED',
    `If-Match must be the layer's ETag from GET /api/layers/:id, such as "v2.5"${part === 'data' ? ' (or * to load over whatever is loaded)' : ''}; got ${header}.`,
    { issues: [{ path: 'header.if-match', message: 'not an ETag of this layer' }] },
  );
}

export function layerRoutes(ctx: AppContext, jobs: { kick(): void }) {
  const r = Router();
  r.get('/api/layers', requireRole(...PERMISSIONS.referenceRead), async (_req, res) => {
    res.json({ items: (await listLayers(ctx.db, undefined, { includeRetired: true })).map(view) });
  });
  r.get('/api/layers/:id', requireRole(...PERMISSIONS.referenceRead), async (req, res) => {
    const layer = await getLayer(ctx.db, String(req.params.id));
    res.setHeader('ETag', layerEtag(layer)).json(view(layer));
  });
  /** A local layer (same schema as layers/definitions), without a code change. */
  // (the same definition again changes nothing; a different one for an existing id is a change of it: If-Match as
  // for PUT /api/layers/:id)
  r.post('/api/layers', requireRole(...PERMISSIONS.layerAdmin), async (req, res) => {
    const def = parseDefinition(parseBody(DefineLayerBody, req.body).definition);
    const expected = layerIfMatch(req, 'definition');
    await ctx.db.transaction((trx) => upsertDefinition(trx, actorOf(req.user!), def, 'local', req.requestId, expected));
    const layer = await getLayer(ctx.db, def.id);
    res.status(201).setHeader('ETag', layerEtag(layer)).json(view(layer));
  });
  /** Change a local layer's definition: If-Match (the layer's ETag) required, 428 without, 412 when stale. */
  r.put('/api/layers/:id', requireRole(...PERMISSIONS.layerAdmin), async (req, res) => {
    const id = String(req.params.id);
    const def = parseDefinition(parseBody(DefineLayerBody, req.body).definition);
    if (def.id !== id)
      throw new AppError('VALIDATION_FAILED', `definition.id is "${def.id}" but the path names layer "${id}".`, {
        issues: [{ path: 'definition.id', message: 'must be the layer of the path' }],
      });
    const expected = layerIfMatch(req, 'definition');
    if (expected === null) checkVersion(`layer "${id}"`, (await getLayer(ctx.db, id)).definitionVersion, null);
    await ctx.db.transaction((trx) => upsertDefinition(trx, actorOf(req.user!), def, 'local', req.requestId, expected));
    const layer = await getLayer(ctx.db, id);
    res.setHeader('ETag', layerEtag(layer)).json(view(layer));
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
    await deleteLayer(
      ctx.db,
      String(req.params.id),
      actorOf(req.user!),
      req.requestId,
      layerIfMatch(req, 'definition'),
    );
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
      // If-Match: the data version replaced (the layer's ETag), or "*". The layer row is locked while the job is
      // queued, so of two loads sent with the same ETag one is queued and the other is told a load is on its way.
      const expected = layerIfMatch(req, 'data');
      const job = await ctx.db.transaction(async (trx) => {
        const locked = (await findLayer(trx, layer.id, true))!;
        checkVersion(`data of layer "${layer.id}"`, locked.dataVersion, expected, layerEtag(locked));
        if (expected !== '*') {
          const pending = [
            ...(await listJobs(trx, { kind: 'layer-load', subject: layer.id, status: 'queued', limit: 1 })),
            ...(await listJobs(trx, { kind: 'layer-load', subject: layer.id, status: 'running', limit: 1 })),
          ];
          if (pending.length)
            throw new AppError(
              'VERSION_CONFLICT',
              `A load of layer "${layer.id}" is already ${pending[0]!.status} (job ${pending[0]!.id}): the data version you sent will not be current. Wait for it (GET /api/jobs/${pending[0]!.id}) and read the layer again.`,
              { currentVersion: locked.dataVersion, jobId: pending[0]!.id },
            );
        }
        return enqueueJob(trx, {
          kind: 'layer-load',
          subject: layer.id,
          params: params as unknown as Record<string, unknown>,
          file: { name, data },
          actor: actorOf(req.user!),
          requestId: req.requestId,
        });
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
