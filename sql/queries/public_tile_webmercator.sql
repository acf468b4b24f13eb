-- public_tile_webmercator: one public vector tile (MVT, extent 4096, buffer 64) of the register's applications on the
-- Web Mercator grid (EPSG:3857, ST_TileEnvelope z/x/y), source-layer 'applications'; geometries are stored in
-- EPSG:27700 and transformed here. Reads ONLY the public views (public_application, public_data_version). The data
-- version and the tile come from one statement (one snapshot): the tile is made only when :version is current.
-- The search box: the tile plus its buffer, clipped to Great Britain and its seas (lon -15..8, lat 45..63, where
-- the British National Grid is usable), densified so its curved edges survive the transform, then taken to
-- EPSG:27700 and its bounding box used with the GiST indexes on the stored geometries.
-- Zoomed out (:sites false) each application is its point (point_geom); zoomed in (:sites true) its site outline
-- (site_geom; an application with no site has no point either). Features are in id order: the same data always makes the same bytes.
-- Parameters:
--   :z, :x, :y    int     the tile (XYZ, y down from the north, as ST_TileEnvelope)
--   :authorityId  int     the authority
--   :version      int8    the data version in the URL
--   :sites        bool    site outlines (true) or points (false)
-- Output: version int8 (public_data_version now), mvt bytea (null: :version is not current; empty: nothing here).
-- Feature id: the application id; properties: reference, slug, status, application_type, decision. Nothing personal.
WITH v AS (
  SELECT version::int8 AS version FROM public_data_version
),
b AS (
  SELECT e.box, (ST_XMax(e.box) - ST_XMin(e.box)) * 64 / 4096 AS pad
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
src AS (
  SELECT p.id, p.reference, p.slug, p.status, p.application_type, p.decision, p.site_geom AS geom
  FROM public_application p
  WHERE :sites::bool AND p.authority_id = :authorityId::int AND p.site_geom && (SELECT f.area FROM f)
  UNION ALL
  SELECT p.id, p.reference, p.slug, p.status, p.application_type, p.decision, p.point_geom
  FROM public_application p
  WHERE NOT :sites::bool AND p.authority_id = :authorityId::int AND p.point_geom && (SELECT f.area FROM f)
),
t AS (
  SELECT src.id AS fid, src.reference, src.slug, src.status, src.application_type, src.decision,
         ST_AsMVTGeom(ST_Transform(src.geom, 3857), b.box, 4096, 64, true) AS geom
  FROM src, b
)
SELECT v.version,
       CASE WHEN v.version = :version::int8 THEN
         coalesce((SELECT ST_AsMVT(t, 'applications', 4096, 'geom', 'fid' ORDER BY t.fid) FROM t WHERE t.geom IS NOT NULL), ''::bytea)
       END AS mvt
FROM v
