-- Issue 14 item 3: enforcement letters. Templates an admin edits (every saved version kept, never changed) and the
-- letters produced from them for an enforcement case (the PDF as sent, with the template version it used; never
-- changed either). A letter to the complainant names them: personal_data, for the roles that see personal details.
CREATE TABLE enforcement_letter_template (
  id           serial PRIMARY KEY,
  authority_id int NOT NULL REFERENCES authority (id),
  kind         text NOT NULL CHECK (kind IN ('complaint-acknowledgement', 'owner-occupier', 'pcn-cover', 'case-closed')),
  version      int NOT NULL CHECK (version >= 1),
  title        text NOT NULL,
  body         text NOT NULL,
  created_by   int REFERENCES app_user (id),        -- null: the default shipped with Redline
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (authority_id, kind, version)
);

CREATE TABLE enforcement_letter (
  id               serial PRIMARY KEY,
  case_id          int NOT NULL REFERENCES case_record (id),
  kind             text NOT NULL CHECK (kind IN ('complaint-acknowledgement', 'owner-occupier', 'pcn-cover', 'case-closed')),
  template_id      int NOT NULL REFERENCES enforcement_letter_template (id),
  template_version int NOT NULL,
  recipient_kind   text NOT NULL CHECK (recipient_kind IN ('complainant', 'owner-occupier')),
  party_id         int,                               -- the complainant written to (case_party id; no FK: parties change)
  title            text NOT NULL,
  pdf              bytea NOT NULL,
  sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes            int NOT NULL,
  pages            int NOT NULL,
  personal_data    boolean NOT NULL,                  -- names a complainant (or an owner or occupier by name)
  details          jsonb NOT NULL DEFAULT '{}',       -- what it was made from: date, reply-by date, closing reason code
  created_by       int REFERENCES app_user (id),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX enforcement_letter_case_idx ON enforcement_letter (case_id, id DESC);

-- Both tables keep every row as written (the documents' trigger function refuses UPDATE, DELETE and TRUNCATE).
CREATE TRIGGER enforcement_letter_template_keep BEFORE UPDATE OR DELETE ON enforcement_letter_template
  FOR EACH ROW EXECUTE FUNCTION document_refuse_change();
CREATE TRIGGER enforcement_letter_template_no_truncate BEFORE TRUNCATE ON enforcement_letter_template
  FOR EACH STATEMENT EXECUTE FUNCTION document_refuse_change();
CREATE TRIGGER enforcement_letter_keep BEFORE UPDATE OR DELETE ON enforcement_letter
  FOR EACH ROW EXECUTE FUNCTION document_refuse_change();
CREATE TRIGGER enforcement_letter_no_truncate BEFORE TRUNCATE ON enforcement_letter
  FOR EACH STATEMENT EXECUTE FUNCTION document_refuse_change();

-- down
DROP TABLE IF EXISTS enforcement_letter, enforcement_letter_template;
