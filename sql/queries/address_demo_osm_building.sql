-- address_demo_osm_building: one OpenStreetMap building outline for the demo addresses, in EPSG:27700.
-- Parameters:
--   :geojson  text  the outline as a GeoJSON geometry in WGS 84 longitude/latitude (EPSG:4326)
-- Output: g (GeoJSON of the outline, EPSG:27700, millimetres), x, y (a point inside it, EPSG:27700 metres)
SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326), 27700), 3)::json AS g, ST_X(p) AS x, ST_Y(p) AS y
FROM (SELECT ST_Transform(ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326)), 27700) AS p) s
