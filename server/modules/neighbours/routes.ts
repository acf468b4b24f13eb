import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody, parseQuery, queryFlag, uploadFilename } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { AppError } from '../../../shared/errors.ts';
import { intId } from '../../http/params.ts';
import { intakeSite } from '../geometry/intake.ts';
import { loadAddresses, loadProperties } from '../addresses/loader.ts';
import { checkVersion, etagOf, ifMatchOf } from '../../http/if-match.ts';
import { datasetState } from './repo.ts';
import { createRun, getRun, listRuns, recipientsCsv, recipientsGeoJson, select, SelectionParams } from './service.ts';

const READERS = PERMISSIONS.caseRead;
const WRITERS = PERMISSIONS.caseWrite;
const DATA_ADMINS = PERMISSIONS.addressAdmin;
// a missing selection is an empty one, refused by SelectionParams saying which modes there are
export const PreviewBody = z
  .object({ site: z.unknown(), siteCrs: z.string().max(100).optional(), selection: z.unknown().optional() })
  .strict();
export const RunBody = z.object({ selection: z.unknown().optional() }).strict();
const UploadQuery = z
  .object({
    filename: uploadFilename().optional(),
    reference: z.string().max(100).optional(),
    name: z.string().max(100).optional(),
    uprns: z.string().max(100).optional(),
    repair: queryFlag().optional(),
  })
  .strict();

const idOf = intId;

function parseSelection(raw: unknown) {
  const r = SelectionParams.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({
      path: ['body', 'selection', ...i.path].join('.'),
      message: i.message,
    }));
    throw new AppError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  return r.data;
}

export function neighbourRoutes(ctx: AppContext) {
  const r = Router();
  const { intake } = ctx;
  const caseId = (raw: string | string[] | undefined) => idOf(raw, 'CASE_NOT_FOUND', 'case');
  const runId = (raw: string | string[] | undefined) => idOf(raw, 'RUN_NOT_FOUND', 'notification run');

  r.post('/api/neighbours/preview', requireRole(...PERMISSIONS.geometryCheck), async (req, res) => {
    const body = parseBody(PreviewBody, req.body);
    const selection = parseSelection(body.selection);
    const site = await intakeSite(ctx.db, body.site, { ...intake, crs: body.siteCrs });
    res.json(await select(ctx.db, site.ewkb, selection, intake));
  });
  r.get('/api/cases/:id/notification-runs', requireRole(...READERS), async (req, res) => {
    res.json({ items: await listRuns(ctx.db, ctx.authorityId, caseId(req.params.id)) });
  });
  r.post('/api/cases/:id/notification-runs', requireRole(...WRITERS), async (req, res) => {
    const selection = parseSelection(parseBody(RunBody, req.body).selection);
    res
      .status(201)
      .json(
        await createRun(
          ctx.db,
          ctx.authorityId,
          caseId(req.params.id),
          selection,
          intake,
          actorOf(req.user!),
          req.requestId,
        ),
      );
  });
  r.get('/api/cases/:id/notification-runs/:runId', requireRole(...READERS), async (req, res) => {
    res.json(await getRun(ctx.db, ctx.authorityId, caseId(req.params.id), runId(req.params.runId)));
  });
  r.get('/api/cases/:id/notification-runs/:runId/recipients.csv', requireRole(...READERS), async (req, res) => {
    const run = await getRun(ctx.db, ctx.authorityId, caseId(req.params.id), runId(req.params.runId));
    res
      .type('text/csv; charset=utf-8')
      .attachment(`neighbours-case-${run.caseId}-run-${run.id}.csv`)
      .send('\ufeff' + recipientsCsv(run.recipients));
  });
  r.get('/api/cases/:id/notification-runs/:runId/recipients.geojson', requireRole(...READERS), async (req, res) => {
    const run = await getRun(ctx.db, ctx.authorityId, caseId(req.params.id), runId(req.params.runId));
    res.type('application/geo+json').send(JSON.stringify(await recipientsGeoJson(ctx.db, run.recipients)));
  });

  // address points and property outlines: the request body is the file
  for (const dataset of ['addresses', 'properties'] as const) {
    const id = dataset === 'addresses' ? 'address' : 'property';
    /** The dataset's data version, source hash, load time and count; ETag "v<data version>" for the next load's
     *  If-Match. */
    r.get(`/api/${dataset}/data`, requireRole(...DATA_ADMINS), async (_req, res) => {
      const st = await datasetState(ctx.db, id);
      res.setHeader('ETag', etagOf(st.dataVersion)).json({ dataset: id, ...st });
    });
    r.put(
      `/api/${dataset}/data`,
      requireRole(...DATA_ADMINS),
      express.raw({ type: () => true, limit: '500mb' }),
      async (req, res) => {
        const q = parseQuery(UploadQuery, req.query);
        // If-Match: the data version replaced (GET /api/<dataset>/data), or "*" to load over whatever is loaded
        const ifMatch = ifMatchOf(req, id === 'address' ? 'address points' : 'property outlines', { allowAny: true });
        if (ifMatch === null) checkVersion(dataset, (await datasetState(ctx.db, id)).dataVersion, null);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-upload-'));
        const file = path.join(
          dir,
          q.filename ??
            `upload-${crypto.randomBytes(4).toString('hex')}${/csv/.test(req.get('content-type') ?? '') ? '.csv' : '.geojson'}`,
        );
        try {
          fs.writeFileSync(file, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
          const actor = actorOf(req.user!);
          const out =
            dataset === 'addresses'
              ? await loadAddresses(ctx.db, { file, actor, requestId: req.requestId, ifMatch })
              : await loadProperties(ctx.db, {
                  file,
                  reference: q.reference,
                  name: q.name,
                  uprns: q.uprns,
                  repair: q.repair,
                  actor,
                  requestId: req.requestId,
                  ifMatch,
                });
          res.setHeader('ETag', etagOf(out.dataVersion)).json(out);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }
  return r;
}
