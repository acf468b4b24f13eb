-- layer_load_invalid_detail: notes why each kept incoming feature with invalid geometry is invalid (the
-- ST_IsValidDetail reason); layer_load_skip_invalid.sql or layer_load_repair.sql then acts on it.
-- Parameters: none
-- Output: none (sets incoming.detail for the invalid features; a valid kept feature's detail stays NULL)
UPDATE incoming SET detail = (ST_IsValidDetail(geom)).reason WHERE skip IS NULL AND NOT ST_IsValid(geom)
