-- Neighbour notification: address and property datasets (versioned, loaded atomically), notification runs and
-- their recipients with every reason each was chosen for.
CREATE TABLE reference_dataset (
  id            text PRIMARY KEY CHECK (id IN ('address', 'property')),
  data_version  int NOT NULL DEFAULT 0,
  source_hash   text,
  loaded_at     timestamptz,
  feature_count int NOT NULL DEFAULT 0,
  last_load     jsonb
);
INSERT INTO reference_dataset (id) VALUES ('address'), ('property');

ALTER TABLE address ADD COLUMN source text;          -- e.g. 'OS AddressBase', 'OpenStreetMap', 'demo (generated)'
ALTER TABLE property ADD COLUMN source text;
ALTER TABLE property ADD COLUMN name text;
CREATE INDEX property_uprns_idx ON property USING gin (uprns);

CREATE TABLE notification_run (
  id               serial PRIMARY KEY,
  case_id          int NOT NULL REFERENCES case_record (id),
  site_id          int REFERENCES case_site (id),
  site_geom        geometry(MultiPolygon, 27700) NOT NULL,
  params           jsonb NOT NULL,        -- modes and their parameters, manual additions and removals with reasons
  address_version  int NOT NULL,
  property_version int NOT NULL,
  recipient_count  int NOT NULL,
  unaddressed      jsonb NOT NULL DEFAULT '[]',  -- adjoining outlines with no address point in them
  previous_id      int REFERENCES notification_run (id),
  created_by       int REFERENCES app_user (id),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notification_run_case_idx ON notification_run (case_id, id DESC);

CREATE TABLE recipient (
  id            serial PRIMARY KEY,
  run_id        int NOT NULL REFERENCES notification_run (id),
  number        int NOT NULL,            -- numbered on the map and in the list, nearest first
  uprn          bigint NOT NULL,
  parent_uprn   bigint,
  address_lines text[] NOT NULL,
  postcode      text,
  reasons       jsonb NOT NULL,          -- [{ mode, detail, distanceM }]
  distance_m    double precision NOT NULL,
  geom          geometry(Point, 27700) NOT NULL,
  UNIQUE (run_id, uprn)
);

-- down
DROP TABLE IF EXISTS recipient, notification_run, reference_dataset;
DROP INDEX IF EXISTS property_uprns_idx;
ALTER TABLE property DROP COLUMN IF EXISTS source, DROP COLUMN IF EXISTS name;
ALTER TABLE address DROP COLUMN IF EXISTS source;
