-- neighbour_selection: who gets a neighbour letter and why, in one statement, in EPSG:27700.
-- Modes combine: adjoining (address points inside property outlines within :toleranceM of the red line), radius
-- (address points within :radiusM of the red line), polygon (address points inside an officer-drawn area), manual
-- additions. Every flat of a chosen building comes too (same parent UPRN). The site's own addresses (inside the red
-- line, or the case's UPRNs) and manual removals are excluded but returned, with why, so nobody vanishes silently.
-- Parameters:
--   :site        text     hex EWKB, MultiPolygon, SRID 27700
--   :adjoining   boolean  use the adjoining mode
--   :toleranceM  float8   metres an outline may be from the red line and still adjoin it (digitising gaps)
--   :radiusM     float8   radius in metres, or NULL for no radius mode
--   :polygon     text     hex EWKB of the drawn area (SRID 27700), or NULL
--   :add         bigint[] UPRNs added by hand
--   :remove      bigint[] UPRNs removed by hand
--   :siteUprns   bigint[] the case's own UPRNs
-- Output: one row per address considered: uprn, parent_uprn, address_lines, postcode, classification,
--   x, y (EPSG:27700), distance_m (from the red line), reasons (jsonb array of {mode, propertyId, viaUprn, distanceM}),
--   excluded ('site' | 'removed' | NULL)
WITH site AS (
  SELECT ST_GeomFromEWKB(decode(:site, 'hex')) AS g
), drawn AS (
  SELECT ST_GeomFromEWKB(decode(CAST(:polygon AS text), 'hex')) AS g WHERE CAST(:polygon AS text) IS NOT NULL
), adjoining_property AS (
  SELECT p.id, p.geom, ST_Distance(p.geom, site.g) AS d
  FROM property p, site
  WHERE :adjoining AND ST_DWithin(p.geom, site.g, :toleranceM)
), picked AS (
  SELECT a.uprn, 'adjoining' AS mode, ap.id AS property_id, NULL::bigint AS via_uprn, ap.d AS distance_m
  FROM adjoining_property ap JOIN address a ON ST_Intersects(ap.geom, a.geom)
  UNION ALL
  SELECT a.uprn, 'radius', NULL, NULL, ST_Distance(a.geom, site.g)
  FROM address a, site
  WHERE CAST(:radiusM AS float8) IS NOT NULL AND ST_DWithin(a.geom, site.g, CAST(:radiusM AS float8))
  UNION ALL
  SELECT a.uprn, 'polygon', NULL, NULL, ST_Distance(a.geom, site.g)
  FROM address a, drawn, site
  WHERE ST_Covers(drawn.g, a.geom)
  UNION ALL
  SELECT a.uprn, 'manual', NULL, NULL, ST_Distance(a.geom, site.g)
  FROM address a, site
  WHERE a.uprn = ANY(CAST(:add AS bigint[]))
), building AS (
  -- every other address of the same building (same parent UPRN, or the parent itself) as a picked address,
  -- once, naming the nearest picked address it came through
  SELECT DISTINCT ON (s.uprn) s.uprn, 'same-building' AS mode, NULL::int AS property_id, p.uprn AS via_uprn, NULL::float8 AS distance_m
  FROM picked p
  JOIN address pa ON pa.uprn = p.uprn
  JOIN address s ON s.uprn <> p.uprn
   AND coalesce(s.parent_uprn, s.uprn) = coalesce(pa.parent_uprn, pa.uprn)
  WHERE NOT EXISTS (SELECT 1 FROM picked q WHERE q.uprn = s.uprn)
  ORDER BY s.uprn, p.distance_m, p.uprn
), reasons AS (
  SELECT * FROM picked UNION ALL SELECT * FROM building
)
SELECT a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification,
       ST_X(a.geom) AS x, ST_Y(a.geom) AS y,
       ST_Distance(a.geom, site.g) AS distance_m,
       jsonb_agg(DISTINCT jsonb_build_object('mode', r.mode, 'propertyId', r.property_id, 'viaUprn', r.via_uprn,
                                             'distanceM', round(CAST(coalesce(r.distance_m, ST_Distance(a.geom, site.g)) AS numeric), 2))) AS reasons,
       CASE WHEN a.uprn = ANY(CAST(:siteUprns AS bigint[])) OR ST_Covers(site.g, a.geom) THEN 'site'
            WHEN a.uprn = ANY(CAST(:remove AS bigint[])) THEN 'removed' END AS excluded
FROM reasons r
JOIN address a ON a.uprn = r.uprn
CROSS JOIN site
-- a parent shell (AddressBase class PP: the building, not a delivery point) leads to its flats but gets no letter
WHERE coalesce(a.classification, '') <> 'PP'
GROUP BY a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification, a.geom, site.g
ORDER BY distance_m, a.postcode, a.address_lines;
