-- neighbour_selection: who gets a neighbour letter and why, in one statement, in EPSG:27700.
-- Modes combine: adjoining (address points inside property outlines within :toleranceM of the red line), radius
-- (address points within :radiusM of the red line), polygon (address points inside an officer-drawn area), manual
-- additions, and sameBuilding (the other addresses on the property outline(s) the site is on, when an outline holds
-- several addresses: a terrace or block mapped as one outline; each address point is judged by itself, not the
-- whole outline as "the site"). Every other address of a chosen building comes too (same parent UPRN, or the parent
-- itself).
-- Each mode is a block between /*mode*/ and /*end mode*/ comments: the service (server/modules/neighbours/service.ts)
-- leaves out the blocks of modes that were not asked for, so the planner never sees them. With every block kept,
-- this file is the whole statement.
-- Parameters:
--   :site        text     hex EWKB, MultiPolygon, SRID 27700
--   :toleranceM  float8   metres an outline may be from the red line and still adjoin it (digitising gaps)
--   :radiusM     float8   radius in metres
--   :polygon     text     hex EWKB of the drawn area (SRID 27700)
--   :add         bigint[] UPRNs added by hand
--   :siteUprns   bigint[] the case's own UPRNs (empty for a preview)
-- Output, nearest first (distance_m, postcode, address_lines, uprn):
--   first, one row with only address_version and property_version (reference_dataset) and distance_m -1;
--   then one row per reason an address was chosen: uprn, parent_uprn, address_lines, postcode, classification,
--     x, y (EPSG:27700), distance_m (the address point from the red line), mode ('adjoining' | 'radius' | 'polygon'
--     | 'manual' | 'same-building-as-site'), property_id and reason_distance_m (adjoining: the outline and its
--     distance from the red line; same-building-as-site: the site's outline, 0), site_outline (for a point inside or
--     on the red line or a same-building-as-site row, when the point is on a site outline as below: 'named' when
--     that outline holds one of :siteUprns, else 'unnamed' when every address of it is inside or on the red line
--     (Redline cannot tell which is the site's own), else 'partial'; otherwise NULL);
--   then, with mode 'same-building', every address of the buildings of those addresses (the addresses whose parent
--     UPRN is one of theirs, or their own when they have none; and the parents of the chosen flats) but those within
--     the radius, which may include chosen addresses again.
-- The service merges the rows of one address, names the chosen address each other one of its building came through
-- (the nearest: by reason distance, then UPRN), keeps parent shells (class PP) from getting a letter, and sets aside
-- the site's own addresses (the case's UPRNs, and points inside or on the red line: distance 0, unless on a site
-- outline 'named' or 'unnamed') and manual removals.
-- A site outline: a property outline the red line touches or overlaps that holds at least two addresses other than
-- parent shells (class PP), one of them a case UPRN or a point inside or on the red line.
-- Speed: the red line is decoded once (a materialised CTE); each mode reads an address once through an index (GiST,
-- or the primary key for additions) and carries its columns to the end; buildings are found with one scan of the
-- parent UPRN index and the primary key for all their keys at once. Distances and "inside" tests use the <->
-- operator, which runs the same C function as ST_Distance (the same values: within the radius is distance <= radius,
-- as ST_DWithin; inside or on an outline or the drawn area is distance 0, as ST_Intersects and ST_Covers for a
-- point) behind the same && index conditions; it is declared cheaper than ST_DWithin, so the plan's estimated cost
-- stays small in a dense town and the statement is never JIT-compiled (which would cost tens of milliseconds).
-- The service runs it as a prepared statement: no plan here depends on the site, the radius or the area drawn, so
-- PostgreSQL soon keeps one generic plan per mode combination and connection, and parses and plans it no more.
WITH site AS MATERIALIZED (
  SELECT ST_GeomFromEWKB(decode(:site, 'hex')) AS g
), site_outline AS MATERIALIZED (
  SELECT p.id, p.geom,
         EXISTS (SELECT 1 FROM address o WHERE o.geom && p.geom AND (o.geom <-> p.geom) = 0
                   AND o.uprn = ANY(CAST(:siteUprns AS bigint[]))) AS named,
         NOT EXISTS (SELECT 1 FROM address o WHERE o.geom && p.geom AND (o.geom <-> p.geom) = 0
                       AND o.classification IS DISTINCT FROM 'PP' AND (o.geom <-> site.g) > 0) AS all_inside
  FROM site, property p
  WHERE p.geom && site.g AND (p.geom <-> site.g) = 0
    AND (SELECT count(*) FROM (SELECT 1 FROM address b WHERE b.geom && p.geom AND (b.geom <-> p.geom) = 0
                                 AND b.classification IS DISTINCT FROM 'PP' LIMIT 2) b) = 2
    AND EXISTS (SELECT 1 FROM address o WHERE o.geom && p.geom AND (o.geom <-> p.geom) = 0
                  AND (o.uprn = ANY(CAST(:siteUprns AS bigint[])) OR (o.geom && site.g AND (o.geom <-> site.g) = 0)))
), picked AS (
  SELECT NULL::bigint AS uprn, NULL::bigint AS parent_uprn, NULL::text[] AS address_lines, NULL::text AS postcode,
         NULL::text AS classification, NULL::float8 AS x, NULL::float8 AS y, NULL::float8 AS d, NULL::text AS mode,
         NULL::int AS property_id, NULL::float8 AS reason_d
  WHERE false
/*adjoining*/
  UNION ALL
  SELECT a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification, ST_X(a.geom), ST_Y(a.geom), a.geom <-> site.g,
         'adjoining', p.id, p.d
  FROM site,
       LATERAL (SELECT p.id, p.geom, p.geom <-> site.g AS d FROM property p
                WHERE p.geom && ST_Expand(site.g, CAST(:toleranceM AS float8))) p,
       address a
  WHERE p.d <= CAST(:toleranceM AS float8) AND a.geom && p.geom AND (a.geom <-> p.geom) = 0
/*end adjoining*/
/*radius*/
  UNION ALL
  SELECT a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification, ST_X(a.geom), ST_Y(a.geom), r.d, 'radius', NULL, NULL
  FROM site, address a, LATERAL (SELECT a.geom <-> site.g AS d) r
  WHERE a.geom && ST_Expand(site.g, CAST(:radiusM AS float8)) AND r.d <= CAST(:radiusM AS float8)
/*end radius*/
/*polygon*/
  UNION ALL
  SELECT a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification, ST_X(a.geom), ST_Y(a.geom), a.geom <-> site.g,
         'polygon', NULL, NULL
  FROM site, (SELECT ST_GeomFromEWKB(decode(CAST(:polygon AS text), 'hex')) AS g OFFSET 0) drawn, address a -- decoded once
  WHERE a.geom && drawn.g AND (a.geom <-> drawn.g) = 0
/*end polygon*/
/*manual*/
  UNION ALL
  SELECT a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification, ST_X(a.geom), ST_Y(a.geom), a.geom <-> site.g,
         'manual', NULL, NULL
  FROM site, address a
  WHERE a.uprn = ANY(CAST(:add AS bigint[]))
/*end manual*/
/*sameBuilding*/
  UNION ALL
  SELECT a.uprn, a.parent_uprn, a.address_lines, a.postcode, a.classification, ST_X(a.geom), ST_Y(a.geom), a.geom <-> site.g,
         'same-building-as-site', so.id, 0
  FROM site, site_outline so, address a
  WHERE a.geom && so.geom AND (a.geom <-> so.geom) = 0
/*end sameBuilding*/
), outlined AS (
  -- which site outline a point inside the red line (or a same-building-as-site row) is on (see the header)
  SELECT pk.*, CASE WHEN pk.d = 0 OR pk.mode = 'same-building-as-site' THEN (
           SELECT CASE WHEN bool_or(so.named) THEN 'named' WHEN bool_or(so.all_inside) THEN 'unnamed' ELSE 'partial' END
           FROM site_outline so, (SELECT ST_SetSRID(ST_MakePoint(pk.x, pk.y), 27700) AS g) pt
           WHERE so.geom && pt.g AND (pt.g <-> so.geom) = 0
           HAVING count(*) > 0) END AS site_outline
  FROM picked pk
)
SELECT uprn, parent_uprn, address_lines, postcode, classification, x, y, d AS distance_m, mode, property_id, reason_d AS reason_distance_m,
       site_outline, NULL::int AS address_version, NULL::int AS property_version
FROM outlined
UNION ALL
SELECT s.uprn, s.parent_uprn, s.address_lines, s.postcode, s.classification, ST_X(s.geom), ST_Y(s.geom), s.geom <-> site.g,
       'same-building', NULL, NULL, NULL, NULL, NULL
FROM site, address s
WHERE (s.parent_uprn = ANY(ARRAY(SELECT coalesce(parent_uprn, uprn) FROM picked))
       OR (s.uprn = ANY(ARRAY(SELECT parent_uprn FROM picked WHERE parent_uprn IS NOT NULL)) AND s.parent_uprn IS NULL))
  -- (in radius mode an address within the radius was chosen itself: not sent twice)
  AND coalesce((s.geom <-> site.g) > CAST(:radiusM AS float8), true)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, NULL, NULL, NULL, NULL,
       max(data_version) FILTER (WHERE id = 'address'), max(data_version) FILTER (WHERE id = 'property')
FROM reference_dataset
ORDER BY distance_m, postcode, address_lines, uprn;
