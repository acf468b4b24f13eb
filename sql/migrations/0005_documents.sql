-- Letters and notices: templates an admin edits (every saved version kept, never changed) and the documents
-- produced from them (the PDF as sent, with the template version it used; never changed either).
CREATE TABLE document_template (
  id           serial PRIMARY KEY,
  authority_id int NOT NULL REFERENCES authority (id),
  kind         text NOT NULL CHECK (kind IN ('neighbour-letter', 'consultee-letter', 'site-notice', 'press-advert', 'decision-notice', 'site-history')),
  version      int NOT NULL CHECK (version >= 1),
  title        text NOT NULL,
  body         text NOT NULL,
  created_by   int REFERENCES app_user (id),        -- null: the default shipped with Redline
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (authority_id, kind, version)
);

CREATE TABLE document (
  id               serial PRIMARY KEY,
  case_id          int NOT NULL REFERENCES case_record (id),
  kind             text NOT NULL CHECK (kind IN ('neighbour-letter', 'consultee-letter', 'site-notice', 'press-advert', 'decision-notice', 'site-history')),
  template_id      int NOT NULL REFERENCES document_template (id),
  template_version int NOT NULL,
  run_id           int REFERENCES notification_run (id),
  title            text NOT NULL,
  pdf              bytea NOT NULL,
  sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes            int NOT NULL,
  pages            int NOT NULL,
  recipients       int,                               -- letters in the PDF (neighbour letters: one per recipient)
  personal_data    boolean NOT NULL,                  -- names of people (applicant, consultee): not for every role
  text             text,                              -- the plain text (press adverts: for the newspaper)
  details          jsonb NOT NULL DEFAULT '{}',       -- what it was made from: dates, map scale, search distance
  created_by       int REFERENCES app_user (id),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX document_case_idx ON document (case_id, id DESC);

-- Both tables keep every row as written: a trigger refuses UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION document_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are never changed: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER document_template_keep BEFORE UPDATE OR DELETE ON document_template
  FOR EACH ROW EXECUTE FUNCTION document_refuse_change();
CREATE TRIGGER document_template_no_truncate BEFORE TRUNCATE ON document_template
  FOR EACH STATEMENT EXECUTE FUNCTION document_refuse_change();
CREATE TRIGGER document_keep BEFORE UPDATE OR DELETE ON document
  FOR EACH ROW EXECUTE FUNCTION document_refuse_change();
CREATE TRIGGER document_no_truncate BEFORE TRUNCATE ON document
  FOR EACH STATEMENT EXECUTE FUNCTION document_refuse_change();

-- down
DROP TABLE IF EXISTS document, document_template;
DROP FUNCTION IF EXISTS document_refuse_change();
