-- layer_load_insert_pieces: the pieces the constraint check searches for a new data version of a layer: each area
-- subdivided into pieces of at most 256 vertices (the pieces partition it exactly), each point or line whole.
-- Parameters:
--   :layerId  text  the layer
--   :version  int   the data version (its constraint_feature rows are already inserted)
-- Output: none (the constraint_piece rows inserted)
INSERT INTO constraint_piece (feature_id, layer_id, data_version, geom)
SELECT id, layer_id, data_version, ST_Subdivide(geom, 256)
FROM constraint_feature WHERE layer_id = :layerId AND data_version = :version AND ST_Dimension(geom) = 2
UNION ALL
SELECT id, layer_id, data_version, geom
FROM constraint_feature WHERE layer_id = :layerId AND data_version = :version AND ST_Dimension(geom) <> 2
