-- layer_load_record: makes a loaded data version the layer's current one and records the load. The layer's coverage
-- (where its data is complete, so that a check elsewhere answers "unknown" instead of a wrong "clear") is the
-- authorities' boundaries, or the data's extent grown by the tolerance, less the surroundings of every feature
-- skipped as invalid (incoming, layer_load_incoming_create.sql).
-- Parameters:
--   :layerId       text    the layer
--   :version       int     the new data version (its features and pieces are inserted)
--   :sourceHash    text    sha256 of the source files' sha256s, hex
--   :featureCount  int     features loaded
--   :lastLoad      text    the load report as JSON
--   :coverage      text    'extent': the convex hull of the new features; anything else: the authorities
--   :toleranceM    float8  metres the coverage reaches beyond the hull (coverage 'extent'; EPSG:27700, planar)
--   :expandM       float8  metres around each invalid feature's bounding box taken out of the coverage (the
--                          rule's search distance + 1)
-- Also records which kind of coverage the layer has (coverage_kind) and what was taken out of it
-- (coverage_excluded), so that a new authority boundary re-covers it (migration 0016).
-- Output: none
UPDATE layer SET
  coverage_kind = CASE WHEN :coverage::text = 'extent' THEN 'extent' ELSE 'authority' END,
  coverage_excluded = x.excluded,
  data_version = :version,
  source_hash = :sourceHash,
  loaded_at = CURRENT_TIMESTAMP,
  feature_count = :featureCount,
  coverage = ST_Multi(ST_CollectionExtract(ST_Difference(
    CASE WHEN :coverage::text = 'extent'
      THEN (SELECT ST_Buffer(ST_ConvexHull(ST_Collect(geom)), :toleranceM)
            FROM constraint_feature WHERE layer_id = :layerId AND data_version = :version)
      -- the authorities' own boundaries, not grown: a site beyond them is not covered (issue 11: a site half in
      -- Lambeth was checked clear because the coverage reached 50 m into it)
      ELSE (SELECT ST_Union(boundary) FROM authority)
    END,
    coalesce(x.excluded, 'SRID=27700;POLYGON EMPTY'::geometry)), 3)),
  last_load = :lastLoad::jsonb,
  updated_at = CURRENT_TIMESTAMP
FROM (SELECT ST_Multi(ST_CollectionExtract(ST_Union(ST_Expand(geom, :expandM)), 3)) AS excluded
      FROM incoming WHERE skip = 'invalid-geometry') x
WHERE id = :layerId
