-- Issue 16 item 4: POST creations accept an Idempotency-Key header. The first request with a key claims it here (in
-- its own committed statement, before any work); when it ends, its answer (status and JSON body) is stored and a
-- retry with the same key and the same request gets that answer again, without doing the work twice. A retry while
-- the first is still running, or after it was cut off (the process died), is told so and never re-runs it.
CREATE TABLE idempotency_key (
  -- who sent it: a key is a client's own name for one request, unique per user
  user_id       int NOT NULL REFERENCES app_user (id),
  key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  method        text NOT NULL,
  path          text NOT NULL,
  -- sha256 of the method, path and body: the same key with a different request is refused
  request_hash  text NOT NULL,
  status        int,
  response      jsonb,
  location      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  PRIMARY KEY (user_id, key)
);
-- kept for a day (npm start prunes older ones)
CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at);

-- down
DROP TABLE IF EXISTS idempotency_key;
