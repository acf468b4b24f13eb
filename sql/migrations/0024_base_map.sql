-- Issue 14 item 4: base map layers drawn beneath everything on location plans, neighbour and constraints maps (roads
-- with their names, railways, water, buildings with their numbers or names), loaded from open data (OS OpenMap Local,
-- OS Open Zoomstack, OpenStreetMap extracts) by server/modules/maps/base-layers.ts. Not constraint layers: nothing
-- is checked against them. A reload of a layer replaces its features.
CREATE TABLE base_feature (
  id        bigserial PRIMARY KEY,
  layer_id  text NOT NULL,        -- layers/base/<id>.json
  kind      text NOT NULL CHECK (kind IN ('road', 'railway', 'water', 'building')),
  class     text,                 -- e.g. highway=primary, building=house
  name      text,                 -- road or building name
  label     text,                 -- what the map writes on it: a road's name, a building's number or name
  source    text NOT NULL,        -- file it came from
  geom      geometry(Geometry, 27700) NOT NULL
);
CREATE INDEX base_feature_layer_idx ON base_feature (layer_id);
CREATE INDEX base_feature_geom_gix ON base_feature USING gist (geom);

CREATE TABLE base_layer (
  id           text PRIMARY KEY,
  kind         text NOT NULL,
  title        text NOT NULL,
  attribution  text NOT NULL,
  loaded_at    timestamptz NOT NULL DEFAULT now(),
  features     int NOT NULL DEFAULT 0
);

-- down
DROP TABLE IF EXISTS base_feature, base_layer;
