-- address_demo_case_sites: the bounding box of every case's current site, for the generated demo plots around it.
-- Parameters: none
-- Output: reference (the case's), x0, y0, x1, y1 (the box, EPSG:27700 metres); by case id
SELECT c.reference, ST_XMin(s.geom) x0, ST_YMin(s.geom) y0, ST_XMax(s.geom) x1, ST_YMax(s.geom) y1
FROM case_site s JOIN case_record c ON c.id = s.case_id WHERE s.superseded_at IS NULL ORDER BY c.id
