-- layer_load_skip_unrepairable: skips the incoming features that layer_load_repair.sql repaired into nothing, or
-- into something still invalid.
-- Parameters: none
-- Output: none (sets incoming.skip = 'invalid-geometry')
UPDATE incoming SET skip = 'invalid-geometry' WHERE repaired AND (geom IS NULL OR ST_IsEmpty(geom) OR NOT ST_IsValid(geom))
