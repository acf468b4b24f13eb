/**
 * Interchange (issue 15 items 2–3):
 * - GET /register/data/planning-application.csv and .geojson (no account): the whole published register as
 *   planning.data.gov.uk `planning-application` data, streamed a page at a time (keyset by id).
 * - POST /api/imports/odp (staff who may write applications): an application in the ODP submission shape.
 */
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../http/context.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { readDbOf } from '../register/api.ts';
import type { CaseService } from '../cases/service.ts';
import { csvLine, csvRow, geoJsonFeature, PLANNING_APPLICATION_FIELDS, type ExportContext } from './export.ts';
import { importSubmission } from './odp-import.ts';
import { ODP_SCHEMA_VERSION } from './odp-schema.ts';
import * as repo from './repo.ts';
import { refreshPublicDates } from '../register/service.ts';

const PAGE = 500;

export function interchangeRoutes(ctx: AppContext) {
  const r = Router();
  const svc: CaseService = { db: ctx.db, authorityId: ctx.authorityId, intake: ctx.intake };

  async function exportContext(req: Request): Promise<ExportContext> {
    return {
      organisation: await repo.authorityCode(readDbOf(ctx), ctx.authorityId),
      origin: `${req.protocol}://${req.get('host') ?? 'localhost'}`,
    };
  }

  /** Writes every published application, PAGE rows at a time, waiting for the client when its buffer is full. */
  async function stream(res: Response, each: (row: repo.ExportRow, first: boolean) => string) {
    const db = readDbOf(ctx);
    let after = 0;
    let first = true;
    for (;;) {
      const rows = await repo.exportPage(db, ctx.authorityId, after, PAGE);
      for (const row of rows) {
        if (res.destroyed) return; // the client went away: stop reading
        if (!res.write(each(row, first)))
          await new Promise<void>((ok) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              ok();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        first = false;
      }
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.id;
    }
  }

  r.get('/register/data/planning-application.csv', async (req, res) => {
    const ectx = await exportContext(req);
    res.status(200);
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="planning-application.csv"');
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.write(csvLine(PLANNING_APPLICATION_FIELDS));
    await stream(res, (row) => csvRow(row, ectx));
    if (!res.destroyed) res.end();
  });

  r.get('/register/data/planning-application.geojson', async (req, res) => {
    const ectx = await exportContext(req);
    res.status(200);
    res.type('application/geo+json; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="planning-application.geojson"');
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.write('{"type":"FeatureCollection","name":"planning-application","features":[');
    await stream(res, (row, first) => `${first ? '' : ','}\n${JSON.stringify(geoJsonFeature(row, ectx))}`);
    if (!res.destroyed) res.end('\n]}\n');
  });

  r.post('/api/imports/odp', requireRole(...PERMISSIONS.applicationWrite), async (req, res) => {
    const result = await importSubmission(
      { svc, authorityCode: await repo.authorityCode(ctx.db, ctx.authorityId) },
      req.user!,
      req.body,
      req.requestId,
    );
    if ('problems' in result) {
      const n = result.problems.length;
      const message = `The ODP submission does not fit (schema v${ODP_SCHEMA_VERSION} and Redline's rules): ${n} problem${n === 1 ? '' : 's'}, each with its JSON Pointer; nothing was created.`;
      res.status(422).json({
        error: {
          code: 'ODP_SUBMISSION_INVALID',
          message,
          problems: result.problems,
          details: { problems: result.problems },
        },
      });
      return;
    }
    const c = result.created;
    // the register's stored publicity dates, as after any case write (server/modules/register/public-dates.ts)
    await refreshPublicDates(ctx.db, ctx.authorityId, c.id).catch((err: unknown) =>
      ctx.log.warn({ err, caseId: c.id }, 'could not refresh the register dates'),
    );
    res
      .status(201)
      .location(`/api/cases/${c.id}`)
      .json({ id: c.id, reference: c.reference, siteId: c.siteId, version: c.version });
  });

  return r;
}
