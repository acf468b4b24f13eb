-- address_property_drop_outside: drops from property_incoming (address_property_incoming_create.sql) every outline
-- more than 1 km (EPSG:27700, planar) from every authority's boundary, and returns them for the report.
-- Parameters: none
-- Output: n (the feature's number in the file) of each outline dropped
DELETE FROM property_incoming i WHERE NOT EXISTS (SELECT 1 FROM authority a WHERE ST_DWithin(a.boundary, i.geom, 1000)) RETURNING n
