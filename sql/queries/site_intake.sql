-- site_intake: geometry intake, stage 2 (after the shape and CRS checks of shared/domain/geometry-shape.ts).
-- Transforms the site to EPSG:27700, checks validity (in the input CRS and again after transforming),
-- repairs only when asked, checks the authority boundary, and measures the planar area in EPSG:27700.
-- Parameters:
--   :wkb          text     the MultiPolygon in the input CRS as hex WKB (2D; toMultiPolygonWkbHex in
--                          shared/domain/geometry-shape.ts: the shape stage 1 checked, not parsed again from JSON)
--   :srid         int      input SRID: 4326 (CRS84, longitude/latitude) or 27700
--   :authorityId  int      authority whose boundary the site must lie within
--   :toleranceM   float8   metres (EPSG:27700) the site may extend beyond the boundary
--   :outputs      boolean  return the GeoJSON of the site (callers that only store or check it skip the work)
--   :repair       boolean  ST_MakeValid(…, 'method=structure') + ST_CollectionExtract(…, 3) when invalid:
--                          overlapping parts become their union and a hole never adds area (GEOS >= 3.10)
-- Output (one row):
--   input_valid, input_reason, input_x, input_y        ST_IsValidDetail in the input CRS (location in input CRS)
--   valid27700, reason27700, loc27700_x, loc27700_y     the same after transforming (location in EPSG:27700)
--   polygons_before, vertices_before, area_before_m2    the site as sent (area only meaningful when valid)
--   repaired, made_valid_parts, made_valid_polygons     ST_MakeValid result: all atomic parts, polygonal parts kept
--   ewkb                                                the site to store: hex EWKB, MultiPolygon, SRID 27700
--   polygons_after, vertices_after, area_m2             the site to store, planar m² in EPSG:27700
--   geojson_crs84, geojson_27700                        the site to store as GeoJSON (9 and 3 decimals)
--                                                       (both derived from what is stored: a CRS84 round trip
--                                                        through the Helmert shift moves a vertex by up to ~1e-8 degrees)
--   authority_found, inside                             covered by the boundary buffered by :toleranceM
--   within_boundary                                     covered by the boundary itself (no tolerance)
--   outside_m2, outside_x, outside_y                    area beyond the boundary itself (also when inside the
--                                                       tolerance; NULL when none) and a point in it (EPSG:27700)
--   distance_to_boundary_m                              when the site does not reach the boundary at all
--   swapped_inside                                      the site with x and y swapped would intersect the authority
-- Every CTE is MATERIALIZED: inlined, each use of a column such as (d_in).valid would repeat its expression, and
-- with the parameters bound as constants the planner evaluates each copy (ST_IsValidDetail, ST_Transform, …)
-- while planning: tens of milliseconds for a site of a few hundred vertices instead of about one.
WITH input AS MATERIALIZED (
  SELECT ST_GeomFromWKB(decode(:wkb::text, 'hex'), :srid) AS g_in
), checked AS MATERIALIZED (
  -- sent in EPSG:27700, the transformed site is the site itself: its validity is worked out once (OFFSET 0 keeps
  -- the subquery whole, so d_in is not computed again for each use)
  SELECT g_in, d_in, g27700, CASE WHEN :srid = 27700 THEN d_in ELSE ST_IsValidDetail(g27700) END AS d27700
  FROM (SELECT g_in, ST_IsValidDetail(g_in) AS d_in, CASE WHEN :srid = 27700 THEN g_in ELSE ST_Transform(g_in, 27700) END AS g27700
        FROM input OFFSET 0) t
), repaired AS MATERIALIZED (
  SELECT *,
    ((d_in).valid AND (d27700).valid) AS ok,
    CASE WHEN NOT ((d_in).valid AND (d27700).valid) AND :repair THEN ST_MakeValid(g27700, 'method=structure') END AS made_valid
  FROM checked
), site AS MATERIALIZED (
  SELECT *,
    CASE WHEN ok THEN g27700
         WHEN made_valid IS NOT NULL THEN ST_Multi(ST_CollectionExtract(made_valid, 3)) END AS geom
  FROM repaired
), judged AS MATERIALIZED (
  SELECT b.*,
    CASE WHEN within_boundary IS NULL THEN NULL
         WHEN within_boundary THEN true
         ELSE ST_CoveredBy(geom, ST_Buffer(boundary, :toleranceM)) END AS inside
  FROM (SELECT s.*, a.boundary,
          CASE WHEN s.geom IS NULL OR ST_IsEmpty(s.geom) OR a.boundary IS NULL THEN NULL
               ELSE ST_CoveredBy(s.geom, a.boundary) END AS within_boundary
        FROM site s LEFT JOIN authority a ON a.id = :authorityId OFFSET 0) b
), outside AS MATERIALIZED (
  -- measured whenever the site is not covered by the boundary itself, also within the tolerance (issue 11: a site
  -- half in Lambeth, within 50 m of the boundary, was reported as 0 m² outside)
  SELECT j.*, CASE WHEN within_boundary = false THEN ST_Difference(geom, boundary) END AS beyond
  FROM judged j
)
SELECT
  (d_in).valid AS input_valid, (d_in).reason AS input_reason,
  ST_X((d_in).location) AS input_x, ST_Y((d_in).location) AS input_y,
  (d27700).valid AS valid27700, (d27700).reason AS reason27700,
  ST_X(COALESCE((d27700).location, CASE WHEN :srid = 27700 THEN (d_in).location ELSE ST_Transform((d_in).location, 27700) END)) AS loc27700_x,
  ST_Y(COALESCE((d27700).location, CASE WHEN :srid = 27700 THEN (d_in).location ELSE ST_Transform((d_in).location, 27700) END)) AS loc27700_y,
  ST_NumGeometries(g27700) AS polygons_before, ST_NPoints(g27700) AS vertices_before,
  ST_Area(g27700) AS area_before_m2,
  made_valid IS NOT NULL AS repaired,
  -- every atomic part (ST_MakeValid may nest a MultiPolygon in a GeometryCollection beside the lines it drops)
  CASE WHEN made_valid IS NOT NULL THEN (SELECT count(*)::int FROM ST_Dump(made_valid)) END AS made_valid_parts,
  CASE WHEN made_valid IS NOT NULL THEN ST_NumGeometries(ST_CollectionExtract(made_valid, 3)) END AS made_valid_polygons,
  ST_GeometryType(made_valid) AS made_valid_type,
  CASE WHEN geom IS NOT NULL AND NOT ST_IsEmpty(geom) THEN encode(ST_AsEWKB(geom), 'hex') END AS ewkb,
  ST_NumGeometries(geom) AS polygons_after, ST_NPoints(geom) AS vertices_after, ST_Area(geom) AS area_m2,
  CASE WHEN :outputs AND geom IS NOT NULL AND NOT ST_IsEmpty(geom) THEN ST_AsGeoJSON(ST_Transform(geom, 4326), 9) END AS geojson_crs84,
  CASE WHEN :outputs AND geom IS NOT NULL AND NOT ST_IsEmpty(geom) THEN ST_AsGeoJSON(geom, 3) END AS geojson_27700,
  boundary IS NOT NULL AS authority_found,
  inside, within_boundary,
  ST_Area(beyond) AS outside_m2,
  ST_X(ST_PointOnSurface(beyond)) AS outside_x, ST_Y(ST_PointOnSurface(beyond)) AS outside_y,
  CASE WHEN inside = false AND NOT ST_Intersects(geom, boundary) THEN ST_Distance(geom, boundary) END AS distance_to_boundary_m,
  CASE WHEN inside = false THEN ST_Intersects(ST_FlipCoordinates(geom), boundary) END AS swapped_inside
FROM outside;
