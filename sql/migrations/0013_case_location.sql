-- Issue 11 item 7b: an enforcement case can be located at a point (a complaint is often about a spot, not a
-- boundary), with or without a site polygon (case_site). The point is EPSG:27700, set through
-- PUT /api/cases/{id}/location; applications need a red line, so only enforcement cases have one.
ALTER TABLE case_record
  ADD COLUMN location        geometry(Point, 27700) CHECK (location IS NULL OR NOT ST_IsEmpty(location)),
  ADD COLUMN location_set_at timestamptz,
  ADD COLUMN location_set_by int REFERENCES app_user (id),
  ADD CONSTRAINT case_record_location_enforcement CHECK (location IS NULL OR kind = 'enforcement');
CREATE INDEX case_record_location_idx ON case_record USING gist (location) WHERE location IS NOT NULL;

-- down
DROP INDEX IF EXISTS case_record_location_idx;
ALTER TABLE case_record
  DROP CONSTRAINT IF EXISTS case_record_location_enforcement,
  DROP COLUMN IF EXISTS location_set_by,
  DROP COLUMN IF EXISTS location_set_at,
  DROP COLUMN IF EXISTS location;
