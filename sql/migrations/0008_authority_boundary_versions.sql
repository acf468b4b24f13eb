-- Authority boundary versions (issue 11, item 1): every boundary an authority has had, loaded by CLI or API,
-- kept when it is replaced (authority.boundary is always the current one, authority.boundary_version its number).
ALTER TABLE authority ADD COLUMN boundary_version int NOT NULL DEFAULT 1;
CREATE TABLE authority_boundary_version (
  authority_id int NOT NULL REFERENCES authority (id),
  version      int NOT NULL,
  boundary     geometry(MultiPolygon, 27700) NOT NULL CHECK (ST_IsValid(boundary)),
  source       text NOT NULL,
  area_m2      float8 NOT NULL,
  loaded_by    text,
  loaded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (authority_id, version)
);
-- the boundary each authority has now is its version 1
INSERT INTO authority_boundary_version (authority_id, version, boundary, source, area_m2, loaded_at)
SELECT id, 1, boundary, boundary_source, ST_Area(boundary), created_at FROM authority;

-- down
DROP TABLE IF EXISTS authority_boundary_version;
ALTER TABLE authority DROP COLUMN IF EXISTS boundary_version;
