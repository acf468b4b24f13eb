-- address_property_drop_invalid: a property-outline load without repair drops every invalid outline from
-- property_incoming (address_property_incoming_create.sql); address_property_invalid.sql listed them first.
-- Parameters: none
-- Output: none
DELETE FROM property_incoming WHERE NOT ST_IsValid(geom)
