-- Layer coverage that follows the authority boundary (issue 11, item 1): which layers are covered by the
-- authority boundary ('authority', the default) and which by their data's extent ('extent'), and the part each load
-- took out of the coverage (the surroundings of the features it skipped as invalid), so that replacing the
-- boundary re-covers the 'authority' layers in the same transaction (server/modules/authority/repo.ts).
ALTER TABLE layer ADD COLUMN coverage_kind text NOT NULL DEFAULT 'authority'
  CHECK (coverage_kind IN ('authority', 'extent'));
ALTER TABLE layer ADD COLUMN coverage_excluded geometry(MultiPolygon, 27700);
-- layers loaded before: a coverage that is not within the authorities' boundaries (to 1 cm) was the data's extent;
-- one within them is taken as the boundary less what the load took out
UPDATE layer SET coverage_kind = 'extent'
WHERE coverage IS NOT NULL
  AND NOT ST_Covers(ST_Buffer((SELECT ST_Union(boundary) FROM authority), 0.01), coverage);
UPDATE layer SET coverage_excluded = ST_Multi(ST_CollectionExtract(ST_Difference((SELECT ST_Union(boundary) FROM authority), coverage), 3))
WHERE coverage IS NOT NULL AND coverage_kind = 'authority';

-- down
ALTER TABLE layer DROP COLUMN IF EXISTS coverage_excluded;
ALTER TABLE layer DROP COLUMN IF EXISTS coverage_kind;
