-- property_at: the property outline containing a point (on its edge counts), the smallest first when outlines
-- overlap, with its UPRNs and the one-line addresses of those UPRNs and of the address points inside it.
-- Parameters:
--   :x, :y  float8  the point, EPSG:27700 metres
-- Output: id int, reference text, name text, uprns bigint[], geometry text (GeoJSON, EPSG:27700),
-- addresses jsonb ([{ uprn, address }], by address), or no row
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:x::float8, :y::float8), 27700) AS g),
p AS (
  SELECT p.* FROM property p, pt WHERE ST_Intersects(p.geom, pt.g) ORDER BY ST_Area(p.geom), p.id LIMIT 1
)
SELECT p.id, p.source_ref AS reference, p.name, p.uprns, ST_AsGeoJSON(p.geom) AS geometry,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('uprn', a.uprn,
                 'address', array_to_string(a.address_lines || a.postcode, ', ')) ORDER BY a.address_lines, a.uprn), '[]')
        FROM address a
        WHERE a.uprn = ANY(p.uprns) OR (a.geom && p.geom AND ST_Intersects(a.geom, p.geom))) AS addresses
FROM p
