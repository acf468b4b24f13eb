-- address_demo_osm_point: one OpenStreetMap address point for the demo addresses, in EPSG:27700.
-- Parameters:
--   :lon, :lat  float8  the point in WGS 84 (EPSG:4326), degrees
-- Output: x, y (EPSG:27700 metres)
SELECT ST_X(g) AS x, ST_Y(g) AS y FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 27700) AS g) s
