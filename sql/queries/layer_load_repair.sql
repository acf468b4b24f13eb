-- layer_load_repair: a load with repair makes each kept incoming feature found invalid by
-- layer_load_invalid_detail.sql valid: areas with the "structure" method (overlapping parts become their union, a
-- hole never adds area) keeping only the polygons, points and lines with the default method.
-- layer_load_skip_unrepairable.sql then skips what could not be repaired.
-- Parameters: none
-- Output: none (updates incoming.geom, sets incoming.repaired; detail keeps the reason it was invalid)
UPDATE incoming SET repaired = true,
  geom = CASE WHEN ST_Dimension(geom) = 2 THEN ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3) ELSE ST_MakeValid(geom) END
WHERE skip IS NULL AND detail IS NOT NULL
