-- geometry_convert_build: one site geometry from the parts of a converted file (POST /api/geometry/convert).
-- Parameters:
--   :polygons  text  JSON array of GeoJSON Polygon/MultiPolygon geometries, EPSG:27700
--   :rings     text  JSON array of GeoJSON closed LineStrings, EPSG:27700 (areas built with ST_BuildArea: nested
--                    rings become holes)
-- Output: geometry (GeoJSON Polygon or MultiPolygon, EPSG:27700, millimetres; null when nothing has an area),
--   parts (its number of polygons)
WITH polys AS (
  SELECT ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(e.value::text), 27700)) AS g
  FROM jsonb_array_elements(:polygons::jsonb) e
), lines AS (
  SELECT ST_SetSRID(ST_GeomFromGeoJSON(e.value::text), 27700) AS g FROM jsonb_array_elements(:rings::jsonb) e
), built AS (
  SELECT ST_MakeValid(ST_BuildArea(ST_Collect(g))) AS g FROM lines HAVING count(*) > 0
), areas AS (
  SELECT ST_CollectionExtract(g, 3) AS g FROM polys UNION ALL SELECT ST_CollectionExtract(g, 3) FROM built
), site AS (
  SELECT ST_CollectionExtract(ST_Union(g), 3) AS g FROM areas WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)
)
SELECT CASE WHEN g IS NULL OR ST_IsEmpty(g) THEN NULL
            ELSE ST_AsGeoJSON(CASE WHEN ST_NumGeometries(g) = 1 THEN ST_GeometryN(g, 1) ELSE ST_Multi(g) END, 3)::json
       END AS geometry,
       COALESCE(ST_NumGeometries(g), 0)::int AS parts
FROM site
