-- layer_load_skip_outside: skips the kept incoming features that are farther than the tolerance from every
-- authority's boundary.
-- Parameters:
--   :toleranceM  float8  how far beyond an authority's boundary a feature may lie, in metres (EPSG:27700, planar)
-- Output: none (sets incoming.skip = 'outside-authority')
UPDATE incoming i SET skip = 'outside-authority' WHERE skip IS NULL
  AND NOT EXISTS (SELECT 1 FROM authority a WHERE ST_DWithin(a.boundary, i.geom, :toleranceM))
