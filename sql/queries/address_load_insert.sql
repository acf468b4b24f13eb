-- address_load_insert: the new address points: every row left in address_incoming (address_load_incoming_create.sql),
-- as a point in EPSG:27700 (transformed from longitude/latitude when srid is 4326), in the nearest authority within
-- 1 km. The caller has emptied the address table in the same transaction.
-- Parameters:
--   :version  int   the new data version of the address dataset
--   :source   text  where the points came from (shown with each address)
-- Output: none (the rows inserted; their count is the rowCount)
INSERT INTO address (uprn, parent_uprn, authority_id, address_lines, postcode, classification, geom, data_version, source)
SELECT i.uprn, i.parent_uprn, (SELECT a.id FROM authority a WHERE ST_DWithin(a.boundary, g, 1000) ORDER BY ST_Distance(a.boundary, g) LIMIT 1),
       i.address_lines, i.postcode, i.classification, g, :version, :source
FROM (SELECT *, CASE WHEN srid = 27700 THEN ST_SetSRID(ST_MakePoint(x, y), 27700) ELSE ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 27700) END AS g
      FROM address_incoming) i
