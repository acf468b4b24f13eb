-- address_property_insert: the new property outlines: every non-empty outline left in property_incoming
-- (address_property_incoming_create.sql), as a MultiPolygon in EPSG:27700, in file order. An outline without a
-- reference gets "<file name>:<n>". The caller has emptied the property table in the same transaction.
-- Parameters:
--   :fileName  text  the loaded file's base name
--   :version   int   the new data version of the property dataset
--   :source    text  where the outlines came from
-- Output: none (the rows inserted; their count is the rowCount)
INSERT INTO property (source_ref, name, uprns, geom, data_version, source)
SELECT coalesce(ref, :fileName || ':' || n), name, uprns, ST_Multi(geom), :version, :source
FROM property_incoming WHERE NOT ST_IsEmpty(geom) ORDER BY n
