-- Constraint checks: layer origin, stored checks with their site, layer versions and hit snapshots.
ALTER TABLE layer ADD COLUMN origin text NOT NULL DEFAULT 'builtin' CHECK (origin IN ('builtin', 'local'));
ALTER TABLE layer ADD COLUMN last_load jsonb;
ALTER TABLE constraint_feature ADD COLUMN source_file text;

CREATE TABLE constraint_check (
  id             serial PRIMARY KEY,
  case_id        int NOT NULL REFERENCES case_record (id),
  site_id        int REFERENCES case_site (id),
  site_geom      geometry(MultiPolygon, 27700) NOT NULL,
  site_area_m2   double precision NOT NULL,
  layers         jsonb NOT NULL,         -- [{ id, dataVersion, definitionHash, loadedAt, sourceHash }]
  result         jsonb NOT NULL,         -- the report as it was shown
  query_sql      text NOT NULL,          -- the statement that produced it
  previous_id    int REFERENCES constraint_check (id),
  created_by     int REFERENCES app_user (id),
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX constraint_check_case_idx ON constraint_check (case_id, id DESC);

CREATE TABLE constraint_hit (
  id              serial PRIMARY KEY,
  check_id        int NOT NULL REFERENCES constraint_check (id),
  layer_id        text NOT NULL,
  data_version    int NOT NULL,
  feature_id      bigint,                -- the feature at the time (it may since have been reloaded away)
  feature_key     text NOT NULL,         -- source reference, or name, for matching across reloads
  source_ref      text,
  name            text,
  properties      jsonb NOT NULL,        -- snapshot of the feature's properties
  feature_geom    geometry(Geometry, 27700), -- snapshot of the feature near the site (clipped to 500 m around it)
  relation        text NOT NULL CHECK (relation IN ('site-within-feature', 'feature-within-site', 'overlaps', 'touches', 'near')),
  overlap_m2      double precision NOT NULL,
  overlap_pct     double precision NOT NULL,
  distance_m      double precision NOT NULL,
  fired           boolean NOT NULL,
  reason          text NOT NULL,
  decision        text CHECK (decision IN ('confirmed', 'dismissed')),
  decision_reason text,
  decided_by      int REFERENCES app_user (id),
  decided_at      timestamptz
);
CREATE INDEX constraint_hit_check_idx ON constraint_hit (check_id);

-- down
DROP TABLE IF EXISTS constraint_hit, constraint_check;
ALTER TABLE constraint_feature DROP COLUMN IF EXISTS source_file;
ALTER TABLE layer DROP COLUMN IF EXISTS last_load, DROP COLUMN IF EXISTS origin;
