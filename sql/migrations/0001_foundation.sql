-- Redline foundation schema. All geometry is EPSG:27700 (British National Grid), GiST-indexed.
CREATE EXTENSION IF NOT EXISTS postgis;

-- The planning authority; every case belongs to one.
CREATE TABLE authority (
  id                  serial PRIMARY KEY,
  code                text NOT NULL UNIQUE,          -- planning.data.gov.uk local-authority reference, e.g. SWK
  name                text NOT NULL,
  gss_code            text,                          -- ONS code, e.g. E09000028
  boundary            geometry(MultiPolygon, 27700) NOT NULL CHECK (ST_IsValid(boundary)),
  boundary_source     text NOT NULL,
  copyright_statement text NOT NULL DEFAULT '',
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX authority_boundary_gix ON authority USING gist (boundary);

CREATE TABLE app_user (
  id            serial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  display_name  text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'gis', 'support', 'officer', 'enforcement')),
  password_hash text,                                -- argon2id; NULL = token-only account
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- API tokens for scripts and GIS tools: only a SHA-256 of the token is kept (tokens are 256-bit random).
CREATE TABLE api_token (
  id           serial PRIMARY KEY,
  user_id      int NOT NULL REFERENCES app_user (id),
  name         text NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- express-session store (connect-pg-simple's layout).
CREATE TABLE session (
  sid    varchar NOT NULL PRIMARY KEY,
  sess   json NOT NULL,
  expire timestamp(6) NOT NULL
);
CREATE INDEX session_expire_idx ON session (expire);

-- Per-authority, per-year, per-kind counters for generated references (e.g. 26/AP/0001).
CREATE TABLE reference_counter (
  authority_id int NOT NULL REFERENCES authority (id),
  year         int NOT NULL,
  prefix       text NOT NULL,
  last_value   int NOT NULL,
  PRIMARY KEY (authority_id, year, prefix)
);

-- A planning application or an enforcement case.
CREATE TABLE case_record (
  id                 serial PRIMARY KEY,
  authority_id       int NOT NULL REFERENCES authority (id),
  kind               text NOT NULL CHECK (kind IN ('application', 'enforcement')),
  reference          text NOT NULL CHECK (length(reference) BETWEEN 1 AND 64),
  application_type   text,          -- planning.data.gov.uk planning-application-type reference
  breach_type        text,          -- enforcement: the alleged breach
  description        text NOT NULL,
  site_address       text,
  uprns              bigint[] NOT NULL DEFAULT '{}',
  status             text NOT NULL,
  received_date      date NOT NULL,
  valid_date         date,
  target_date        date,
  extensions_of_time jsonb NOT NULL DEFAULT '[]',  -- [{ agreedOn, newTargetDate, reason }]
  decision           text,
  decision_date      date,
  site_visits        jsonb NOT NULL DEFAULT '[]',  -- [{ visitedOn, officer, notes }]
  notices_served     jsonb NOT NULL DEFAULT '[]',  -- [{ type, servedOn, effectiveOn, complianceDate }]
  officer_id         int REFERENCES app_user (id),
  version            int NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (authority_id, reference),
  CHECK ((kind = 'application') = (application_type IS NOT NULL)),
  CHECK ((kind = 'enforcement') = (breach_type IS NOT NULL)),
  CHECK (valid_date IS NULL OR valid_date >= received_date),
  CHECK (decision_date IS NULL OR decision_date >= received_date)
);
CREATE INDEX case_record_filter_idx ON case_record (authority_id, kind, status);
CREATE INDEX case_record_received_idx ON case_record (authority_id, received_date DESC);
CREATE INDEX case_record_uprns_idx ON case_record USING gin (uprns);

-- Personal details, never in a public view and never logged.
CREATE TABLE case_party (
  id           serial PRIMARY KEY,
  case_id      int NOT NULL REFERENCES case_record (id) ON DELETE CASCADE,
  role         text NOT NULL CHECK (role IN ('applicant', 'agent', 'complainant')),
  name         text,
  organisation text,
  address      text,
  postcode     text,
  email        text,
  phone        text
);
CREATE INDEX case_party_case_idx ON case_party (case_id);

-- Every boundary a case's site has had. Rows are never changed except to mark them superseded.
CREATE TABLE case_site (
  id            serial PRIMARY KEY,
  case_id       int NOT NULL REFERENCES case_record (id),
  geom          geometry(MultiPolygon, 27700) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  area_m2       double precision NOT NULL,
  source        text NOT NULL CHECK (source IN ('drawn', 'imported', 'property', 'amended')),
  input_crs     text NOT NULL,
  repair        jsonb,                               -- what repair=true changed, when it was used
  note          text,
  set_by        int REFERENCES app_user (id),
  set_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  superseded_at timestamptz
);
CREATE UNIQUE INDEX case_site_current_idx ON case_site (case_id) WHERE superseded_at IS NULL;
CREATE INDEX case_site_geom_gix ON case_site USING gist (geom);
CREATE INDEX case_site_current_gix ON case_site USING gist (geom) WHERE superseded_at IS NULL;

CREATE FUNCTION case_site_keep_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
    RAISE EXCEPTION 'case_site rows are history and cannot be deleted' USING ERRCODE = 'raise_exception';
  END IF;
  -- only superseded_at may change, and only from NULL to a time
  IF OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL
     OR (to_jsonb(NEW) - 'superseded_at') IS DISTINCT FROM (to_jsonb(OLD) - 'superseded_at') THEN
    RAISE EXCEPTION 'case_site rows are history: only superseded_at may be set, once' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER case_site_keep_history BEFORE UPDATE OR DELETE ON case_site
  FOR EACH ROW EXECUTE FUNCTION case_site_keep_history();
CREATE TRIGGER case_site_no_truncate BEFORE TRUNCATE ON case_site
  FOR EACH STATEMENT EXECUTE FUNCTION case_site_keep_history();

-- Address points (UPRN) and property outlines, filled by the neighbour-notification loaders.
CREATE TABLE address (
  uprn           bigint PRIMARY KEY,
  parent_uprn    bigint,
  authority_id   int REFERENCES authority (id),
  address_lines  text[] NOT NULL,
  postcode       text,
  classification text,
  geom           geometry(Point, 27700) NOT NULL,
  data_version   int NOT NULL DEFAULT 1
);
CREATE INDEX address_geom_gix ON address USING gist (geom);
CREATE INDEX address_parent_idx ON address (parent_uprn);

CREATE TABLE property (
  id           serial PRIMARY KEY,
  source_ref   text,
  uprns        bigint[] NOT NULL DEFAULT '{}',
  geom         geometry(MultiPolygon, 27700) NOT NULL,
  data_version int NOT NULL DEFAULT 1
);
CREATE INDEX property_geom_gix ON property USING gist (geom);

-- Constraint layers: mirrors layers/*; features and their subdivided pieces (filled by the constraints issue).
CREATE TABLE layer (
  id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
  title           text NOT NULL,
  category        text NOT NULL,
  dataset         text,
  definition      jsonb NOT NULL,
  definition_hash text NOT NULL,
  data_version    int NOT NULL DEFAULT 0,
  source_hash     text,
  loaded_at       timestamptz,
  feature_count   int NOT NULL DEFAULT 0,
  coverage        geometry(MultiPolygon, 27700),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layer_coverage_gix ON layer USING gist (coverage);

CREATE TABLE constraint_feature (
  id           bigserial PRIMARY KEY,
  layer_id     text NOT NULL REFERENCES layer (id),
  data_version int NOT NULL,
  source_ref   text,
  name         text,
  properties   jsonb NOT NULL DEFAULT '{}',
  geom         geometry(Geometry, 27700) NOT NULL,
  valid_from   date,
  valid_to     date
);
CREATE INDEX constraint_feature_layer_idx ON constraint_feature (layer_id, data_version);
CREATE INDEX constraint_feature_geom_gix ON constraint_feature USING gist (geom);

CREATE TABLE constraint_piece (
  id           bigserial PRIMARY KEY,
  feature_id   bigint NOT NULL REFERENCES constraint_feature (id) ON DELETE CASCADE,
  layer_id     text NOT NULL,
  data_version int NOT NULL,
  geom         geometry(Geometry, 27700) NOT NULL
);
CREATE INDEX constraint_piece_geom_gix ON constraint_piece USING gist (geom);
CREATE INDEX constraint_piece_layer_idx ON constraint_piece (layer_id, data_version);

-- Append-only audit trail: who, when, what, before and after.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id    int,
  actor       text NOT NULL,
  action      text NOT NULL,
  entity_type text NOT NULL,
  entity_id   text,
  before      jsonb,
  after       jsonb,
  request_id  text
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, at);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- down
DROP TABLE IF EXISTS audit_log, constraint_piece, constraint_feature, layer, property, address, case_site,
  case_party, case_record, reference_counter, session, api_token, app_user, authority CASCADE;
DROP FUNCTION IF EXISTS audit_log_refuse_change(), case_site_keep_history();
