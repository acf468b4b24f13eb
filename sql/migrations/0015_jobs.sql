-- Issue 11 item 9: loads of files run as jobs on PostgreSQL, not inside the HTTP request. The request stores the
-- file and its parameters here and answers 202; a worker in any Redline process claims the job
-- (FOR UPDATE SKIP LOCKED), runs the load and writes its progress and report. A job whose worker stopped (Redline
-- restarted, the machine died) stops sending heartbeats and is claimed again; the load itself is one transaction,
-- so a load cut off half-way left nothing behind and simply runs again.
CREATE TABLE job (
  id            bigserial PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('layer-load')),
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  -- what the job works on, e.g. the layer id, for listing a layer's loads
  subject       text,
  params        jsonb NOT NULL DEFAULT '{}',
  file_name     text,
  file_bytes    bigint,
  file_sha256   text,
  -- the uploaded file until the job ends (then cleared: the load report keeps its hash)
  file_data     bytea,
  progress      jsonb NOT NULL DEFAULT '[]',
  report        jsonb,
  error         jsonb,
  attempts      int NOT NULL DEFAULT 0,
  max_attempts  int NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  created_by    int REFERENCES app_user (id),
  created_by_name text NOT NULL,
  request_id    text,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at    timestamptz,
  finished_at   timestamptz,
  heartbeat_at  timestamptz,
  worker        text,
  CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX job_open_idx ON job (id) WHERE status IN ('queued', 'running');
CREATE INDEX job_subject_idx ON job (kind, subject, id);

-- down
DROP TABLE IF EXISTS job;
