-- address_property_invalid: the outlines in property_incoming (address_property_incoming_create.sql) whose geometry
-- is invalid, with the ST_IsValidDetail reason.
-- Parameters: none
-- Output: n (the feature's number in the file), reason
SELECT n, (ST_IsValidDetail(geom)).reason FROM property_incoming WHERE NOT ST_IsValid(geom)
