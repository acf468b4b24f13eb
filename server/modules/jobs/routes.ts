/** Reading jobs: GET /api/jobs/:id (progress, then report or error) and GET /api/jobs (recent ones). */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { getJob, jobView, listJobs, waitForJob, type JobRow } from './service.ts';

const ListQuery = z
  .object({
    kind: z.enum(['layer-load']).optional(),
    subject: z.string().max(200).optional(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** `Prefer: wait=N` (RFC 7240): how many seconds the client will wait for the job to end (at most 600). */
export function preferWaitMs(prefer: string | undefined): number {
  const m = /(?:^|[,;\s])wait\s*=\s*(\d{1,6})/i.exec(prefer ?? '');
  return m ? Math.min(600, Number(m[1])) * 1000 : 0;
}

/**
 * Answers a job: 202 (with Location) while it is queued or running; once it ended, 200 with the job when it
 * succeeded, or the job's own error status with { error, job } when it failed.
 */
export function sendJob(res: Response, job: JobRow) {
  const view = jobView(job);
  if (job.status === 'failed' && job.error) {
    const status = Number((job.error as { status?: number }).status) || 500;
    const { code, message, details } = job.error;
    res.status(status).json({ error: { code, message, details }, job: view });
    return;
  }
  if (job.status === 'succeeded') {
    res.status(200).json(view);
    return;
  }
  res.status(202).location(view.url).json(view);
}

export function jobRoutes(ctx: AppContext) {
  const r = Router();
  r.get('/api/jobs', requireRole(...PERMISSIONS.referenceRead), async (req, res) => {
    const q = parseQuery(ListQuery, req.query);
    res.json({ items: (await listJobs(ctx.db, q)).map(jobView) });
  });
  r.get('/api/jobs/:id', requireRole(...PERMISSIONS.referenceRead), async (req, res) => {
    const id = Number(req.params.id);
    const wait = preferWaitMs(req.get('prefer'));
    const job = wait ? await waitForJob(ctx.db, id, wait) : await getJob(ctx.db, id);
    res.json(jobView(job));
  });
  return r;
}
