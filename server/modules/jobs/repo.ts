/** The job table (sql/migrations/0015_jobs.sql): queue, claim, heartbeat, progress and outcome. */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type JobKind = 'layer-load';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRow {
  id: number;
  kind: JobKind;
  status: JobStatus;
  subject: string | null;
  params: Record<string, unknown>;
  fileName: string | null;
  fileBytes: number | null;
  fileSha256: string | null;
  progress: Array<{ at: string; message: string }>;
  report: unknown;
  error: { code: string; message: string; details?: unknown } | null;
  attempts: number;
  maxAttempts: number;
  createdBy: number | null;
  createdByName: string;
  requestId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
  worker: string | null;
}

const COLUMNS = [
  'id',
  'kind',
  'status',
  'subject',
  'params',
  'file_name as fileName',
  'file_bytes as fileBytes',
  'file_sha256 as fileSha256',
  'progress',
  'report',
  'error',
  'attempts',
  'max_attempts as maxAttempts',
  'created_by as createdBy',
  'created_by_name as createdByName',
  'request_id as requestId',
  'created_at as createdAt',
  'started_at as startedAt',
  'finished_at as finishedAt',
  'heartbeat_at as heartbeatAt',
  'worker',
];

const toRow = (r: Record<string, unknown>): JobRow => ({
  ...(r as unknown as JobRow),
  id: Number(r.id),
  fileBytes: r.fileBytes === null ? null : Number(r.fileBytes),
});

export interface NewJob {
  kind: JobKind;
  subject: string | null;
  params: Record<string, unknown>;
  file?: { name: string; data: Buffer; sha256: string };
  createdBy: number | null;
  createdByName: string;
  requestId?: string;
  maxAttempts?: number;
}

export async function insertJob(db: Db, j: NewJob): Promise<JobRow> {
  const [row] = await db('job')
    .insert({
      kind: j.kind,
      subject: j.subject,
      params: JSON.stringify(j.params),
      file_name: j.file?.name ?? null,
      file_bytes: j.file ? j.file.data.length : null,
      file_sha256: j.file?.sha256 ?? null,
      file_data: j.file?.data ?? null,
      created_by: j.createdBy,
      created_by_name: j.createdByName,
      request_id: j.requestId ?? null,
      max_attempts: j.maxAttempts ?? 3,
    })
    .returning(COLUMNS);
  return toRow(row as Record<string, unknown>);
}

export async function findJob(db: Db, id: number): Promise<JobRow | undefined> {
  const row = await db('job').where({ id }).first(COLUMNS);
  return row ? toRow(row as Record<string, unknown>) : undefined;
}

export async function listJobs(
  db: Db,
  filter: { kind?: JobKind; subject?: string; status?: JobStatus; limit: number },
): Promise<JobRow[]> {
  const q = db('job').select(COLUMNS).orderBy('id', 'desc').limit(filter.limit);
  if (filter.kind) void q.where('kind', filter.kind);
  if (filter.subject) void q.where('subject', filter.subject);
  if (filter.status) void q.where('status', filter.status);
  return (await q).map((r) => toRow(r as Record<string, unknown>));
}

/**
 * Claims the oldest job that is queued, or running with no heartbeat for `staleSeconds` (its worker stopped).
 * Jobs cut off `max_attempts` times are failed instead of run again. One statement each, so two workers never
 * take the same job (SKIP LOCKED).
 */
export async function claimJob(
  db: Knex,
  worker: string,
  staleSeconds: number,
): Promise<(JobRow & { fileData: Buffer | null }) | undefined> {
  await db('job')
    .whereIn(
      'id',
      db('job')
        .select('id')
        .where('status', 'running')
        .whereRaw('heartbeat_at < clock_timestamp() - make_interval(secs => ?)', [staleSeconds])
        .whereRaw('attempts >= max_attempts'),
    )
    .update({
      status: 'failed',
      finished_at: db.raw('clock_timestamp()'),
      file_data: null,
      error: JSON.stringify({
        code: 'JOB_INTERRUPTED',
        message:
          'The load was cut off every time it ran (Redline stopped while it was running). Nothing was changed; try again with a smaller file or ask your administrator to check the server.',
      }),
    });
  const claimed = await db('job')
    .whereIn(
      'id',
      db('job')
        .select('id')
        .where((w) =>
          w
            .where('status', 'queued')
            .orWhere((r) =>
              r
                .where('status', 'running')
                .whereRaw('heartbeat_at < clock_timestamp() - make_interval(secs => ?)', [staleSeconds]),
            ),
        )
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .update({
      status: 'running',
      attempts: db.raw('attempts + 1'),
      started_at: db.raw('clock_timestamp()'),
      heartbeat_at: db.raw('clock_timestamp()'),
      worker,
    })
    .returning([...COLUMNS, 'file_data as fileData']);
  const row = claimed[0] as Record<string, unknown> | undefined;
  return row ? { ...toRow(row), fileData: (row.fileData as Buffer | null) ?? null } : undefined;
}

/** Keeps a running job's claim alive, and appends progress messages (at most the last 200 are kept). */
export async function heartbeat(
  db: Knex,
  id: number,
  worker: string,
  messages: Array<{ at: string; message: string }>,
): Promise<boolean> {
  const n = await db('job')
    .where({ id, worker, status: 'running' })
    .update({
      heartbeat_at: db.raw('clock_timestamp()'),
      progress: messages.length
        ? db.raw(
            `(SELECT coalesce(jsonb_agg(e ORDER BY i), '[]'::jsonb) FROM (
               SELECT e, i FROM jsonb_array_elements(progress || ?::jsonb) WITH ORDINALITY AS a(e, i)
               ORDER BY i DESC LIMIT 200) last)`,
            [JSON.stringify(messages)],
          )
        : db.raw('progress'),
    });
  return n > 0;
}

/** Ends a job this worker holds: succeeded with its report, or failed with its error. */
export async function finishJob(
  db: Knex,
  id: number,
  worker: string,
  outcome: { status: 'succeeded'; report: unknown } | { status: 'failed'; error: unknown },
): Promise<boolean> {
  const n = await db('job')
    .where({ id, worker, status: 'running' })
    .update({
      status: outcome.status,
      report: outcome.status === 'succeeded' ? JSON.stringify(outcome.report) : null,
      error: outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
      finished_at: db.raw('clock_timestamp()'),
      heartbeat_at: db.raw('clock_timestamp()'),
      file_data: null,
    });
  return n > 0;
}
