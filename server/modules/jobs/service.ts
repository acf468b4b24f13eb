/**
 * Jobs on PostgreSQL (issue 11 item 9): work too long for an HTTP request (loading a layer file) is queued in the
 * `job` table with its file, and run by a worker in any Redline process. The request answers 202 with the job;
 * `GET /api/jobs/:id` shows its progress, then its report or error. Each worker runs one job at a time and sends a
 * heartbeat while it does; a job whose worker stopped (Redline restarted) is taken over once its heartbeat is
 * `JOB_STALE_SECONDS` old, and run again from the start (a load is one transaction: a cut-off load changed nothing).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors.ts';
import { toAppError } from '../../http/error-handler.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import * as repo from './repo.ts';
import type { JobKind, JobRow } from './repo.ts';

export type { JobRow } from './repo.ts';

/** What a job's handler is given: its parameters, its file on disk (if any) and a progress callback. */
export interface JobRun {
  job: JobRow;
  file: string | null;
  actor: Actor;
  progress(message: string): void;
  log: Logger;
}

export type JobHandler = (run: JobRun) => Promise<unknown>;

export interface JobView {
  id: number;
  kind: JobKind;
  subject: string | null;
  status: repo.JobStatus;
  url: string;
  file: { name: string; bytes: number | null; sha256: string | null } | null;
  params: Record<string, unknown>;
  progress: Array<{ at: string; message: string }>;
  report: unknown;
  error: JobRow['error'];
  attempts: number;
  createdAt: Date;
  createdBy: string;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export function jobView(j: JobRow): JobView {
  return {
    id: j.id,
    kind: j.kind,
    subject: j.subject,
    status: j.status,
    url: `/api/jobs/${j.id}`,
    file: j.fileName ? { name: j.fileName, bytes: j.fileBytes, sha256: j.fileSha256 } : null,
    params: j.params,
    progress: j.progress,
    report: j.report ?? null,
    error: j.error ?? null,
    attempts: j.attempts,
    createdAt: j.createdAt,
    createdBy: j.createdByName,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
  };
}

export async function getJob(db: Knex, id: number): Promise<JobRow> {
  const job = Number.isSafeInteger(id) ? await repo.findJob(db, id) : undefined;
  if (!job) throw new AppError('JOB_NOT_FOUND', `There is no job ${id}.`, { id });
  return job;
}

export const listJobs = repo.listJobs;

/** Queues a job (with its file, kept in the database until the job ends), audited. */
export async function enqueueJob(
  db: Knex,
  input: {
    kind: JobKind;
    subject: string | null;
    params: Record<string, unknown>;
    file?: { name: string; data: Buffer };
    actor: Actor;
    requestId?: string;
  },
): Promise<JobRow> {
  return db.transaction(async (trx) => {
    const job = await repo.insertJob(trx, {
      kind: input.kind,
      subject: input.subject,
      params: input.params,
      file: input.file && {
        ...input.file,
        sha256: crypto.createHash('sha256').update(input.file.data).digest('hex'),
      },
      createdBy: input.actor.id,
      createdByName: input.actor.username,
      requestId: input.requestId,
    });
    await writeAudit(trx, {
      actor: input.actor,
      action: `job.${input.kind}.queued`,
      entityType: 'job',
      entityId: job.id,
      after: { kind: job.kind, subject: job.subject, file: job.fileName, bytes: job.fileBytes, sha256: job.fileSha256 },
      requestId: input.requestId,
    });
    return job;
  });
}

/** Waits up to `ms` for a job to end (succeeded or failed); answers the job as it then is. */
export async function waitForJob(db: Knex, id: number, ms: number): Promise<JobRow> {
  const until = Date.now() + ms;
  for (;;) {
    const job = await getJob(db, id);
    if (job.status === 'succeeded' || job.status === 'failed' || Date.now() >= until) return job;
    await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, until - Date.now()))));
  }
}

export interface JobWorker {
  /** look for work now (after queueing a job in this process) */
  kick(): void;
  /** stop taking jobs; resolves when the job in hand (if any) has ended */
  stop(): Promise<void>;
  readonly id: string;
}

/**
 * A worker: takes one job at a time, runs its kind's handler with the file written to a private temporary folder,
 * sends a heartbeat (and the progress messages gathered since) every `heartbeatMs`, and records the outcome.
 */
export function startJobWorker(
  db: Knex,
  log: Logger,
  handlers: Partial<Record<JobKind, JobHandler>>,
  opts: { pollMs: number; staleSeconds: number; heartbeatMs?: number },
): JobWorker {
  const id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(200, Math.min(5000, (opts.staleSeconds * 1000) / 4));
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let again = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  };

  const tick = () => {
    timer = null;
    if (stopped) return;
    if (current) {
      again = true;
      return;
    }
    current = (async () => {
      let ran = false;
      try {
        const job = await repo.claimJob(db, id, opts.staleSeconds);
        if (job) {
          ran = true;
          await run(job);
        }
      } catch (e) {
        log.warn({ err: e }, 'job worker: could not claim or run a job');
      }
      current = null;
      // straight on to the next job after one ran (or a kick came meanwhile); otherwise wait for the next poll
      const soon = ran || again;
      again = false;
      schedule(soon ? 0 : opts.pollMs);
    })();
  };

  async function run(job: repo.JobRow & { fileData: Buffer | null }) {
    const handler = handlers[job.kind];
    const pending: Array<{ at: string; message: string }> = [];
    const progress = (message: string) => {
      pending.push({ at: new Date().toISOString(), message: message.slice(0, 500) });
      if (pending.length > 200) pending.splice(0, pending.length - 200);
    };
    const flush = async () => {
      const batch = pending.splice(0, pending.length);
      await repo.heartbeat(db, job.id, id, batch).catch((e: unknown) => {
        log.warn({ err: e, job: job.id }, 'job heartbeat failed');
      });
    };
    const beat = setInterval(() => void flush(), heartbeatMs);
    beat.unref();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-job-'));
    const started = Date.now();
    try {
      if (!handler) throw new AppError('VALIDATION_FAILED', `No worker can run a "${job.kind}" job.`);
      let file: string | null = null;
      if (job.fileData) {
        file = path.join(dir, path.basename(job.fileName ?? 'upload.dat'));
        fs.writeFileSync(file, job.fileData);
      }
      progress(job.attempts > 1 ? `Started again (attempt ${job.attempts}).` : 'Started.');
      const report = await handler({
        job,
        file,
        actor: { id: job.createdBy, username: job.createdByName },
        progress,
        log,
      });
      clearInterval(beat);
      progress(`Finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      await flush();
      if (!(await repo.finishJob(db, job.id, id, { status: 'succeeded', report })))
        log.warn({ job: job.id }, 'job finished after another worker took it over');
      log.info({ job: job.id, kind: job.kind, ms: Date.now() - started }, 'job succeeded');
    } catch (e) {
      clearInterval(beat);
      const err = toAppError(e);
      if (err.status >= 500) log.error({ err: e, job: job.id, kind: job.kind }, 'job failed');
      else log.info({ job: job.id, kind: job.kind, code: err.code }, 'job failed');
      progress('Failed: nothing was changed.');
      await flush();
      await repo.finishJob(db, job.id, id, {
        status: 'failed',
        error: { code: err.code, message: err.message, details: err.details, status: err.status },
      });
    } finally {
      clearInterval(beat);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  schedule(0);
  return {
    id,
    kick: () => schedule(0),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
