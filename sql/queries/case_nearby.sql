-- case_nearby: the planning history of a site: other cases whose current site intersects this case's
-- current site or lies within :withinM metres of it, nearest first. An enforcement case located at a point with
-- no site polygon (case_record.location, issue 11 item 7b) takes part as the 0.2 mm square centred on its point
-- (LOCATED_SITE_SQL in server/modules/cases/repo.ts), both as the centre and as another case found.
-- Parameters:
--   :caseId    int      the case whose site is the centre
--   :withinM   float8   search distance in metres (EPSG:27700, planar), >= 0
--   :limit     int
-- Output: case_id, reference, kind, application_type, breach_type, description, site_address, status,
--   received_date, decision, decision_date,
--   distance_m (0 when the sites touch or overlap), overlap_m2 (area shared with this case's site),
--   relation ('overlaps' | 'touches' | 'near')
WITH me AS (
  SELECT coalesce(s.geom, ST_Multi(ST_Expand(c.location, 0.0001))) AS geom, c.authority_id
  FROM case_record c LEFT JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL
  WHERE c.id = :caseId
), others AS (
  SELECT s.case_id, s.geom FROM me JOIN case_site s ON s.superseded_at IS NULL AND ST_DWithin(s.geom, me.geom, :withinM)
  UNION ALL
  -- located cases with no site polygon: the GiST index on the point finds them (the square reaches 0.15 mm further)
  SELECT x.id, x.geom FROM me
  JOIN case_record l ON l.location IS NOT NULL AND ST_DWithin(l.location, me.geom, :withinM::float8 + 0.00015)
  CROSS JOIN LATERAL (SELECT l.id, ST_Multi(ST_Expand(l.location, 0.0001)) AS geom) x
  WHERE NOT EXISTS (SELECT 1 FROM case_site s WHERE s.case_id = l.id AND s.superseded_at IS NULL)
    AND ST_DWithin(x.geom, me.geom, :withinM)
)
SELECT c.id AS case_id, c.reference, c.kind, c.application_type, c.breach_type, c.description, c.site_address,
       c.status, c.received_date, c.decision, c.decision_date,
       ST_Distance(o.geom, me.geom) AS distance_m,
       CASE WHEN ST_Intersects(o.geom, me.geom) THEN ST_Area(ST_Intersection(o.geom, me.geom)) ELSE 0 END AS overlap_m2,
       CASE WHEN NOT ST_Intersects(o.geom, me.geom) THEN 'near'
            WHEN ST_Relate(o.geom, me.geom, '2********') THEN 'overlaps'
            ELSE 'touches' END AS relation
FROM me
JOIN others o ON o.case_id <> :caseId
JOIN case_record c ON c.id = o.case_id AND c.authority_id = me.authority_id
ORDER BY distance_m, overlap_m2 DESC, c.received_date DESC, c.reference
LIMIT :limit;
