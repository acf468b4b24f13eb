-- address_property_geom_from_wkt: parses every outline read into property_incoming
-- (address_property_incoming_create.sql) from its WKT, in EPSG:27700.
-- Parameters: none
-- Output: none (sets property_incoming.geom)
UPDATE property_incoming SET geom = ST_GeomFromText(wkt, 27700)
