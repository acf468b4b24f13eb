-- address_property_repair: a property-outline load with repair makes each invalid outline in property_incoming
-- valid with ST_MakeValid's "structure" method (overlapping parts become their union, a hole never adds area),
-- keeping only its polygons (an outline repaired into nothing is empty, and not loaded).
-- Parameters: none
-- Output: none (updates property_incoming.geom)
UPDATE property_incoming SET geom = ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3) WHERE NOT ST_IsValid(geom)
