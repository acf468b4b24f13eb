-- address_load_drop_outside: drops from address_incoming (address_load_incoming_create.sql) every point more than
-- 1 km (EPSG:27700, planar) from every authority's boundary, and returns them for the report. Points given in
-- longitude/latitude (srid 4326) are transformed to EPSG:27700 first.
-- Parameters: none
-- Output: n (row number), uprn of each row dropped
DELETE FROM address_incoming i
WHERE NOT EXISTS (SELECT 1 FROM authority a WHERE ST_DWithin(a.boundary,
  CASE WHEN i.srid = 27700 THEN ST_SetSRID(ST_MakePoint(i.x, i.y), 27700) ELSE ST_Transform(ST_SetSRID(ST_MakePoint(i.x, i.y), 4326), 27700) END, 1000))
RETURNING i.n, i.uprn
