-- constraint_check: every requested layer's answer for one site, in one statement, in EPSG:27700.
-- Candidate features come from the subdivided pieces (at most 256 vertices each, GiST-indexed), so a
-- 500,000-vertex flood zone costs a handful of small intersections. Overlap is the sum over a feature's pieces
-- (the pieces partition the feature exactly); distance is the least over its pieces.
-- Parameters:
--   :site      text    hex EWKB of the site: MultiPolygon, SRID 27700 (from the geometry intake)
--   :layerIds  text[]  the layers to answer
-- Output: one row per layer with no candidate features (feature_id NULL), else one row per candidate feature:
--   layer_id, data_version, loaded (has data), covered (site inside the layer's data coverage),
--   rule_kind ('intersects' | 'within'), rule_distance_m, min_overlap_m2, min_overlap_pct,
--   site_area_m2, feature_id, source_ref, name, properties, feature_dim (0 point, 1 line, 2 area),
--   starts_on (a start date in the future: the feature may not be in force yet),
--   distance_m (0 when touching or overlapping), overlap_m2, intersects, feature_within_site
WITH site AS (
  SELECT g, ST_Area(g) AS area FROM (SELECT ST_GeomFromEWKB(decode(:site, 'hex')) AS g) s
), l AS (
  SELECT id, data_version, coverage,
         definition #>> '{rule,kind}' AS rule_kind,
         coalesce((definition #>> '{rule,distanceM}')::float8, 0) AS rule_distance_m,
         coalesce((definition #>> '{rule,minOverlapM2}')::float8, 0) AS min_overlap_m2,
         coalesce((definition #>> '{rule,minOverlapPct}')::float8, 0) AS min_overlap_pct
  FROM layer WHERE id = ANY(:layerIds)
), piece_hits AS (
  SELECT p.layer_id, p.feature_id,
         ST_Distance(p.geom, site.g) AS d,
         ST_Intersects(p.geom, site.g) AS i,
         CASE WHEN ST_Dimension(p.geom) = 2 AND ST_Intersects(p.geom, site.g)
              THEN ST_Area(ST_Intersection(p.geom, site.g)) ELSE 0 END AS a
  -- one GiST scan for the whole request (as far as the widest rule reaches), then each piece against its own
  -- layer's rule. Joined per layer instead, the planner ANDs each layer's GiST scan with the (layer_id,
  -- data_version) index, reading every piece of every requested layer: ~100 ms a check with 35 layers of 20,000
  -- features (tests/bench/constraints.ts) instead of a few.
  FROM site
  JOIN constraint_piece p ON p.geom && ST_Expand(site.g, (SELECT max(rule_distance_m) FROM l))
  JOIN l ON l.id = p.layer_id AND l.data_version = p.data_version
  WHERE ST_DWithin(p.geom, site.g, l.rule_distance_m)
), feature_hits AS MATERIALIZED (
  SELECT layer_id, feature_id, min(d) AS distance_m, sum(a) AS overlap_m2, bool_or(i) AS intersects
  FROM piece_hits GROUP BY layer_id, feature_id
)
SELECT l.id AS layer_id, l.data_version, l.data_version > 0 AS loaded,
       (l.coverage IS NOT NULL AND ST_CoveredBy(site.g, l.coverage)) AS covered,
       l.rule_kind, l.rule_distance_m, l.min_overlap_m2, l.min_overlap_pct, site.area AS site_area_m2,
       f.id AS feature_id, f.source_ref, f.name, f.properties, fd.dim AS feature_dim,
       CASE WHEN f.valid_from > current_date THEN f.valid_from END AS starts_on,
       h.distance_m, h.overlap_m2, h.intersects,
       CASE WHEN f.id IS NULL THEN NULL
            WHEN fd.dim = 0 THEN ST_Within(f.geom, site.g)
            ELSE f.geom @ site.g AND ST_CoveredBy(f.geom, site.g) END AS feature_within_site
FROM l CROSS JOIN site
LEFT JOIN feature_hits h ON h.layer_id = l.id
LEFT JOIN constraint_feature f ON f.id = h.feature_id
-- ST_Dimension(f.geom), read from the type in the geometry's header: ST_Dimension itself would fetch and parse the
-- whole feature (every vertex of a 500,000-vertex flood zone) for each hit; other types fall back to it.
LEFT JOIN LATERAL (
  SELECT CASE GeometryType(f.geom) WHEN 'POINT' THEN 0 WHEN 'MULTIPOINT' THEN 0 WHEN 'LINESTRING' THEN 1 WHEN 'MULTILINESTRING' THEN 1
                                   WHEN 'POLYGON' THEN 2 WHEN 'MULTIPOLYGON' THEN 2 ELSE ST_Dimension(f.geom) END AS dim
) fd ON true
ORDER BY l.id, h.distance_m, h.overlap_m2 DESC, f.source_ref;
