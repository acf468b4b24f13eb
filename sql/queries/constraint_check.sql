-- constraint_check: every requested layer's answer for one site, in one statement, in EPSG:27700.
-- Candidate features come from the subdivided pieces (at most 256 vertices each, GiST-indexed), so a
-- 500,000-vertex flood zone costs a handful of small intersections. Overlap is the sum over a feature's pieces
-- (the pieces partition the feature exactly); distance is the least over its pieces.
-- Parameters:
--   :site      text    hex EWKB of the site: MultiPolygon, SRID 27700 (from the geometry intake); NULL: no rows
--   :layerIds  text[]  the layers to answer; NULL: every layer (a retired layer, layer.retired_at set, never)
-- Output: one row per layer with no candidate features (feature_id NULL), else one row per candidate feature:
--   layer_id, data_version, definition_hash (the server's cached layer definitions are checked against these two),
--   loaded (has data), covered (the site, and for a within-N-metres rule everything within N m of it, inside the
--   layer's data coverage; false when the layer has no coverage),
--   uncovered_m2 (m² of the site beyond the coverage: all of it when there is none; 0 when covered),
--   uncovered_reach_m2 (within-N rules: m² within N m of the site, outside it, beyond the coverage (ST_Buffer,
--   8 segments a quarter circle: an approximation, for the report only; `covered` itself is exact); else 0),
--   site_area_m2, feature_id, source_ref, name, properties, feature_dim (0 point, 1 line, 2 area),
--   starts_on (a start date in the future: the feature may not be in force yet),
--   distance_m (0 when touching or overlapping), overlap_m2, intersects, feature_within_site
-- Every CTE is MATERIALIZED (piece_hits kept whole by OFFSET 0), so the plan is the same whatever the parameters: the server runs this
-- as a named prepared statement, and a generic plan (no planning per check, about 0.7 ms saved) must not turn the
-- one GiST scan into one per layer (below). sql/queries/constraint_check_site.sql nests this statement whole.
WITH site AS MATERIALIZED (
  SELECT g, ST_Area(g) AS area FROM (SELECT ST_GeomFromEWKB(decode(:site::text, 'hex')) AS g) s WHERE g IS NOT NULL
), l AS MATERIALIZED (
  -- how far each layer's rule reaches (0 for intersects); whether a candidate fires is decided from the layer's
  -- definition in shared/domain/constraints.ts
  SELECT id, data_version, definition_hash, coverage, coalesce((definition #>> '{rule,distanceM}')::float8, 0) AS rule_distance_m
  FROM layer
  WHERE retired_at IS NULL AND (:layerIds::text[] IS NULL OR id = ANY(:layerIds::text[]))
), rules AS MATERIALIZED (
  -- the requested layers' versions and reaches as arrays, so the pieces need no join to l (below)
  SELECT array_agg(id) AS ids, array_agg(data_version) AS versions, array_agg(rule_distance_m) AS reaches,
         max(rule_distance_m) AS reach
  FROM l
), piece_hits AS (
  -- one GiST scan for the whole request (as far as the widest rule reaches), then each piece against its own
  -- layer's version and rule, looked up by position. Joined to the layers instead, the planner ANDs each
  -- layer's GiST scan with the (layer_id, data_version) index, reading every piece of every requested layer
  -- (~100 ms a check with 35 layers of 20,000 features, tests/bench/constraints.ts, instead of a few), or, in a
  -- generic plan, runs one GiST scan per layer (35 scans, ~3 ms more); materialized on their own, the pieces'
  -- geometries are copied (~5 µs a piece). OFFSET 0 keeps the subquery whole (not merged into its parent).
  SELECT p.layer_id, p.feature_id, p.geom
  FROM site CROSS JOIN rules
  JOIN constraint_piece p ON p.geom && ST_Expand(site.g, rules.reach)
  WHERE p.data_version = rules.versions[array_position(rules.ids, p.layer_id)]
    AND ST_DWithin(p.geom, site.g, rules.reaches[array_position(rules.ids, p.layer_id)])
  OFFSET 0
), feature_hits AS MATERIALIZED (
  -- a piece that intersects the site is 0 m from it (no distance computed); only an area piece that intersects
  -- it can overlap it. ST_Intersects once a piece (the OFFSET 0 subquery is not merged, so not repeated).
  SELECT p.layer_id, p.feature_id,
         min(CASE WHEN x.i THEN 0 ELSE ST_Distance(p.geom, site.g) END) AS distance_m,
         sum(CASE WHEN x.i AND ST_Dimension(p.geom) = 2 THEN ST_Area(ST_Intersection(p.geom, site.g)) ELSE 0 END) AS overlap_m2,
         bool_or(x.i) AS intersects
  FROM piece_hits p CROSS JOIN site
  CROSS JOIN LATERAL (SELECT ST_Intersects(p.geom, site.g) AS i OFFSET 0) x
  GROUP BY p.layer_id, p.feature_id
), cov AS MATERIALIZED (
  -- each layer's coverage against the site (issue 11: a site half beyond the authority must not be "clear" there).
  -- For a within-N rule, the reach is covered when the site's bounding box grown by N + 1 m is (one containment
  -- test), else unless some point beyond the coverage in that box is within N m of the site: exact (no buffer
  -- polygon). Each containment is tested once a layer (the OFFSET 0 subquery is not merged, so not repeated).
  SELECT id,
         CASE WHEN coverage IS NULL THEN area WHEN site_covered THEN 0
              ELSE ST_Area(ST_Difference(g, coverage)) END AS uncovered_m2,
         CASE WHEN NOT site_covered THEN false
              WHEN rule_distance_m <= 0 OR box_covered THEN true
              ELSE NOT ST_DWithin(ST_Difference(ST_Expand(ST_Envelope(g), rule_distance_m + 1), coverage), g, rule_distance_m)
         END AS covered,
         CASE WHEN rule_distance_m <= 0 OR box_covered THEN 0
              WHEN coverage IS NULL THEN ST_Area(ST_Difference(ST_Buffer(g, rule_distance_m), g))
              ELSE ST_Area(ST_Difference(ST_Difference(ST_Buffer(g, rule_distance_m), g), coverage)) END AS uncovered_reach_m2
  FROM (SELECT l.id, l.coverage, l.rule_distance_m, site.g, site.area,
               coalesce(ST_Covers(l.coverage, site.g), false) AS site_covered,
               coalesce(l.rule_distance_m > 0 AND ST_Covers(l.coverage, ST_Expand(ST_Envelope(site.g), l.rule_distance_m + 1)), false) AS box_covered
        FROM l CROSS JOIN site OFFSET 0) x
)
SELECT l.id AS layer_id, l.data_version, l.definition_hash, l.data_version > 0 AS loaded,
       c.covered, c.uncovered_m2, c.uncovered_reach_m2,
       site.area AS site_area_m2,
       f.id AS feature_id, f.source_ref, f.name, f.properties, fd.dim AS feature_dim,
       CASE WHEN f.valid_from > current_date THEN f.valid_from END AS starts_on,
       h.distance_m, h.overlap_m2, h.intersects,
       CASE WHEN f.id IS NULL THEN NULL
            WHEN fd.dim = 0 THEN ST_Within(f.geom, site.g)
            ELSE f.geom @ site.g AND ST_Covers(site.g, f.geom) END AS feature_within_site
FROM l CROSS JOIN site
JOIN cov c ON c.id = l.id
LEFT JOIN feature_hits h ON h.layer_id = l.id
LEFT JOIN constraint_feature f ON f.id = h.feature_id
-- ST_Dimension(f.geom), read from the type in the geometry's header: ST_Dimension itself would fetch and parse the
-- whole feature (every vertex of a 500,000-vertex flood zone) for each hit; other types fall back to it.
LEFT JOIN LATERAL (
  SELECT CASE GeometryType(f.geom) WHEN 'POINT' THEN 0 WHEN 'MULTIPOINT' THEN 0 WHEN 'LINESTRING' THEN 1 WHEN 'MULTILINESTRING' THEN 1
                                   WHEN 'POLYGON' THEN 2 WHEN 'MULTIPOLYGON' THEN 2 ELSE ST_Dimension(f.geom) END AS dim
) fd ON true
ORDER BY l.id, h.distance_m, h.overlap_m2 DESC, f.source_ref;
