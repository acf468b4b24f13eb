-- constraint_check_site: POST /api/constraints/check in one round trip: the geometry intake of a posted site
-- (sql/queries/site_intake.sql, unchanged) and, only when the intake accepts the site, the constraint check
-- (sql/queries/constraint_check.sql, unchanged, its :site being the accepted site). The server puts the two
-- statements in place of {{site_intake}} and {{constraint_check}} (checkSiteStatement in
-- server/modules/constraints/service.ts) and decides acceptance and every refusal from the intake row exactly as
-- server/modules/geometry/intake.ts does for every other endpoint; `accepted` below repeats that decision only so
-- that the check never runs on a site that will be refused (an invalid one could make GEOS fail), and the server
-- cross-checks it.
-- Parameters: those of site_intake.sql (:wkb, :srid, :authorityId, :toleranceM, :repair, :outputs), then
--   :crossBoundary  boolean  the caller accepts a site that reaches beyond the boundary (but not one wholly outside)
--   :layerIds       text[]   the layers to answer; NULL: every layer
-- Output: the rows of constraint_check.sql (none when the site is refused), each with one more column:
--   intake   json     the row of site_intake.sql on exactly one row of the result (NULL on the others); when the
--                     site is refused the result is that one row, with every check column NULL
--   accepted boolean  whether the check ran
WITH intake AS MATERIALIZED (
{{site_intake}}
), accepted AS MATERIALIZED (
  SELECT CASE WHEN ewkb IS NOT NULL AND authority_found
                   AND (inside OR (inside = false AND distance_to_boundary_m IS NULL AND :crossBoundary::boolean))
              THEN ewkb END AS site_ewkb
  FROM intake
), check_rows AS (
{{constraint_check}}
)
SELECT CASE WHEN row_number() OVER () = 1 THEN (SELECT to_json(i) FROM intake i) END AS intake,
       (SELECT site_ewkb IS NOT NULL FROM accepted) AS accepted, c.*
FROM (SELECT 1) one
LEFT JOIN check_rows c ON true
ORDER BY c.layer_id, c.distance_m, c.overlap_m2 DESC, c.source_ref
