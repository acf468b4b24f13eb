-- layer_load_extract_collections: turns each kept incoming GeometryCollection into the collection of its
-- highest-dimension parts (ST_CollectionExtract), so that its geometry type can be tested next.
-- Parameters: none
-- Output: none (updates incoming.geom)
UPDATE incoming SET geom = ST_CollectionExtract(geom) WHERE skip IS NULL AND GeometryType(geom) = 'GEOMETRYCOLLECTION'
