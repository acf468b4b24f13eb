-- layer_load_skip_invalid: a load without repair skips every kept incoming feature found invalid by
-- layer_load_invalid_detail.sql (nothing is ever repaired unless asked).
-- Parameters: none
-- Output: none (sets incoming.skip = 'invalid-geometry'; detail keeps the reason)
UPDATE incoming SET skip = 'invalid-geometry' WHERE skip IS NULL AND detail IS NOT NULL
