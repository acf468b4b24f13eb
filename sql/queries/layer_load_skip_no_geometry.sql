-- layer_load_skip_no_geometry: skips the incoming features (layer_load_incoming_create.sql) that have no geometry
-- or an empty one.
-- Parameters: none
-- Output: none (sets incoming.skip = 'no-geometry')
UPDATE incoming SET skip = 'no-geometry' WHERE geom IS NULL OR ST_IsEmpty(geom)
