-- public_tile_os27700: one public vector tile (MVT, extent 4096, buffer 64) of the register's applications on the OS
-- tile grid (shared/os-tile-grid.ts), in EPSG:27700 itself (no reprojection), source-layer 'applications'. Reads
-- ONLY the public views (public_application, public_data_version). The data version and the tile come from one
-- statement, so from one snapshot: the tile is made only when :version is the current version (else mvt is null
-- and the route redirects to the current version), so a versioned URL never holds data of another version.
-- Zoomed out (:sites false) each application is its point (point_geom); zoomed in (:sites true) its site outline
-- (site_geom; an application with no site has no point either). Features are in id order: the same data always makes the same bytes.
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8  the tile's envelope, EPSG:27700 metres (tileEnvelope(z, x, y))
--   :authorityId                int     the authority
--   :version                    int8    the data version in the URL
--   :sites                      bool    site outlines (true) or points (false)
-- Output: version int8 (public_data_version now), mvt bytea (null: :version is not current; empty: nothing here).
-- Feature id: the application id; properties: reference, slug, status, application_type, decision. Nothing personal.
WITH v AS (
  SELECT version::int8 AS version FROM public_data_version
),
b AS (
  SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box,
         (:maxx::float8 - :minx::float8) * 64 / 4096 AS pad
),
src AS (
  SELECT p.id, p.reference, p.slug, p.status, p.application_type, p.decision, p.site_geom AS geom
  FROM public_application p
  WHERE :sites::bool AND p.authority_id = :authorityId::int AND p.site_geom && (SELECT ST_Expand(b.box, b.pad) FROM b)
  UNION ALL
  SELECT p.id, p.reference, p.slug, p.status, p.application_type, p.decision, p.point_geom
  FROM public_application p
  WHERE NOT :sites::bool AND p.authority_id = :authorityId::int AND p.point_geom && (SELECT ST_Expand(b.box, b.pad) FROM b)
),
t AS (
  SELECT src.id AS fid, src.reference, src.slug, src.status, src.application_type, src.decision,
         ST_AsMVTGeom(src.geom, b.box, 4096, 64, true) AS geom
  FROM src, b
)
SELECT v.version,
       CASE WHEN v.version = :version::int8 THEN
         coalesce((SELECT ST_AsMVT(t, 'applications', 4096, 'geom', 'fid' ORDER BY t.fid) FROM t WHERE t.geom IS NOT NULL), ''::bytea)
       END AS mvt
FROM v
