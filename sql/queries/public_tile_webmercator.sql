-- public_tile_webmercator: one public vector tile (MVT, extent 4096, buffer 64) of the register's applications on the
-- Web Mercator grid (EPSG:3857, ST_TileEnvelope z/x/y), source-layer 'applications'; geometries are stored in
-- EPSG:27700 and transformed here. Reads ONLY the public views (public_application, public_data_version). The data
-- version and the tile come from one statement (one snapshot): the tile is made only when :version is current.
-- The search box: the tile plus its buffer, clipped to Great Britain and its seas (lon -15..8, lat 45..63, where
-- the British National Grid is usable), densified so its curved edges survive the transform, then taken to
-- EPSG:27700 and its bounding box used with the GiST indexes on the stored geometries.
-- Zoomed in (:sites true) each application is its site outline (site_geom). Zoomed out (:sites false) the points
-- (point_geom; an application with no site has no point either) are clustered as in public_tile_os27700.sql, on an
-- EPSG:27700 grid of a sixteenth of the tile's width at 53.1° N (Web Mercator metres × 0.6: Great Britain's middle;
-- the same grid for every tile of a zoom, each cell read whole), transformed after clustering: one feature a cell at
-- the mean of its points with a `count`; a cell of one application is that application (id, properties, count 1);
-- a cluster of more has no id and no reference, and `status` only when all share it.
-- Features are in order of their (least) application id: the same data always makes the same bytes.
-- Parameters:
--   :z, :x, :y    int     the tile (XYZ, y down from the north, as ST_TileEnvelope)
--   :authorityId  int     the authority
--   :version      int8    the data version in the URL
--   :sites        bool    site outlines (true) or points (false)
-- Output: version int8 (public_data_version now), mvt bytea (null: :version is not current; empty: nothing here).
-- Feature id: the application id; properties: reference, slug, status, application_type, decision, and count (points
-- zoomed out). Nothing personal.
WITH v AS (
  SELECT version::int8 AS version FROM public_data_version
),
b AS (
  SELECT e.box, (ST_XMax(e.box) - ST_XMin(e.box)) * 64 / 4096 AS pad,
         (ST_XMax(e.box) - ST_XMin(e.box)) / 16 * 0.6 AS cell
  FROM (SELECT ST_TileEnvelope(:z::int, :x::int, :y::int) AS box) e
),
f AS (
  SELECT CASE WHEN ST_IsEmpty(c.area) THEN NULL
              ELSE ST_Expand(ST_Envelope(ST_Transform(ST_Segmentize(c.area, (ST_XMax(c.area) - ST_XMin(c.area)) / 32 + 1), 27700)), 1)
         END AS area
  FROM (
    SELECT ST_Intersection(ST_Expand(b.box, b.pad), ST_Transform(ST_MakeEnvelope(-15, 45, 8, 63, 4326), 3857)) AS area
    FROM b
  ) c
),
sites AS (
  SELECT p.id AS fid, p.reference, p.slug, p.status, p.application_type, p.decision,
         ST_AsMVTGeom(ST_Transform(p.site_geom, 3857), b.box, 4096, 64, true) AS geom
  FROM public_application p, b
  WHERE :sites::bool AND p.authority_id = :authorityId::int AND p.site_geom && (SELECT f.area FROM f)
),
points AS (
  SELECT p.id, p.reference, p.slug, p.status, p.application_type, p.decision, p.point_geom AS geom
  FROM public_application p
  WHERE NOT :sites::bool AND p.authority_id = :authorityId::int
    AND p.point_geom && (SELECT ST_Expand(f.area, b.cell) FROM f, b)
),
clusters AS (
  SELECT min(pt.id) AS k,
         CASE WHEN count(*) = 1 THEN min(pt.id) END AS fid,
         CASE WHEN count(*) = 1 THEN min(pt.reference) END AS reference,
         CASE WHEN count(*) = 1 THEN min(pt.slug) END AS slug,
         CASE WHEN min(pt.status) = max(pt.status) THEN min(pt.status) END AS status,
         CASE WHEN count(*) = 1 THEN min(pt.application_type) END AS application_type,
         CASE WHEN count(*) = 1 THEN min(pt.decision) END AS decision,
         count(*)::int AS count,
         ST_SetSRID(ST_MakePoint(avg(ST_X(pt.geom)), avg(ST_Y(pt.geom))), 27700) AS geom
  FROM points pt
  GROUP BY ST_SnapToGrid(pt.geom, (SELECT b.cell FROM b))
),
c AS (
  SELECT s.k, s.fid, s.reference, s.slug, s.status, s.application_type, s.decision, s.count,
         ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.box, 4096, 64, true) AS geom
  FROM clusters s, b
)
SELECT v.version,
       CASE WHEN v.version = :version::int8 THEN
         coalesce(CASE WHEN :sites::bool
           THEN (SELECT ST_AsMVT(t, 'applications', 4096, 'geom', 'fid' ORDER BY t.fid) FROM sites t WHERE t.geom IS NOT NULL)
           ELSE (SELECT ST_AsMVT(t, 'applications', 4096, 'geom', 'fid' ORDER BY c.k)
                 FROM c CROSS JOIN LATERAL (SELECT c.fid, c.reference, c.slug, c.status, c.application_type,
                                                   c.decision, c.count, c.geom) t
                 WHERE c.geom IS NOT NULL)
           END, ''::bytea)
       END AS mvt
FROM v
