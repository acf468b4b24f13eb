-- case_nearby: the planning history of a site: other cases whose current site intersects this case's
-- current site or lies within :withinM metres of it, nearest first.
-- Parameters:
--   :caseId    int      the case whose site is the centre
--   :withinM   float8   search distance in metres (EPSG:27700, planar), >= 0
--   :limit     int
-- Output: case_id, reference, kind, application_type, breach_type, description, site_address, status,
--   received_date, decision, decision_date,
--   distance_m (0 when the sites touch or overlap), overlap_m2 (area shared with this case's site),
--   relation ('overlaps' | 'touches' | 'near')
WITH me AS (
  SELECT s.geom, c.authority_id FROM case_site s JOIN case_record c ON c.id = s.case_id
  WHERE s.case_id = :caseId AND s.superseded_at IS NULL
)
SELECT c.id AS case_id, c.reference, c.kind, c.application_type, c.breach_type, c.description, c.site_address,
       c.status, c.received_date, c.decision, c.decision_date,
       ST_Distance(o.geom, me.geom) AS distance_m,
       CASE WHEN ST_Intersects(o.geom, me.geom) THEN ST_Area(ST_Intersection(o.geom, me.geom)) ELSE 0 END AS overlap_m2,
       CASE WHEN NOT ST_Intersects(o.geom, me.geom) THEN 'near'
            WHEN ST_Relate(o.geom, me.geom, '2********') THEN 'overlaps'
            ELSE 'touches' END AS relation
FROM me
JOIN case_site o ON o.superseded_at IS NULL AND o.case_id <> :caseId AND ST_DWithin(o.geom, me.geom, :withinM)
JOIN case_record c ON c.id = o.case_id AND c.authority_id = me.authority_id
ORDER BY distance_m, overlap_m2 DESC, c.received_date DESC, c.reference
LIMIT :limit;
