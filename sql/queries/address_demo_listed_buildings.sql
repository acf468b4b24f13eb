-- address_demo_listed_buildings: the demo addresses' real buildings: every current listed building outline
-- (layer listed-building-outline, its loaded data version) that has a street, with what addressing it needs.
-- Parameters: none
-- Output: source_ref, name, address (address-text), nums (STREET_NUM, e.g. "123, 125 and 127"), street (STREET),
--   geometry (GeoJSON of the outline, EPSG:27700, millimetres), x, y (a point inside it, EPSG:27700 metres);
--   by source_ref
SELECT f.source_ref, f.name, f.properties->>'address-text' AS address, f.properties->>'STREET_NUM' AS nums, f.properties->>'STREET' AS street,
       ST_AsGeoJSON(f.geom, 3)::json AS geometry, ST_X(ST_PointOnSurface(f.geom)) AS x, ST_Y(ST_PointOnSurface(f.geom)) AS y
FROM constraint_feature f JOIN layer l ON l.id = f.layer_id AND l.data_version = f.data_version
WHERE l.id = 'listed-building-outline' AND ST_Dimension(f.geom) = 2 AND f.properties->>'STREET' IS NOT NULL
ORDER BY f.source_ref, f.id
