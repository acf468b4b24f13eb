-- public_tile_os27700: one public vector tile (MVT, extent 4096, buffer 64) of the register's applications on the OS
-- tile grid (shared/os-tile-grid.ts), in EPSG:27700 itself (no reprojection), source-layer 'applications'. Reads
-- ONLY the public views (public_application, public_data_version). The data version and the tile come from one
-- statement, so from one snapshot: the tile is made only when :version is the current version (else mvt is null
-- and the route redirects to the current version), so a versioned URL never holds data of another version.
-- Zoomed in (:sites true) each application is its site outline (site_geom). Zoomed out (:sites false) the points
-- (point_geom; an application with no site has no point either) are clustered: grouped by ST_SnapToGrid on a grid
-- of a sixteenth of the tile's width (the same grid for every tile of a zoom, and each cell read whole: the search
-- box is the tile, its buffer and one cell more, so neighbouring tiles agree on a cluster), one feature a cell at
-- the mean of its points with a `count`; a cell of one application is that application (its point, id and
-- properties, count 1); a cluster of more has no id and no reference, and `status` only when all share it.
-- Features are in order of their (least) application id: the same data always makes the same bytes.
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8  the tile's envelope, EPSG:27700 metres (tileEnvelope(z, x, y))
--   :authorityId                int     the authority
--   :version                    int8    the data version in the URL
--   :sites                      bool    site outlines (true) or points (false)
-- Output: version int8 (public_data_version now), mvt bytea (null: :version is not current; empty: nothing here).
-- Feature id: the application id; properties: reference, slug, status, application_type, decision, and count (points
-- zoomed out). Nothing personal.
WITH v AS (
  SELECT version::int8 AS version FROM public_data_version
),
b AS (
  SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box,
         (:maxx::float8 - :minx::float8) * 64 / 4096 AS pad,
         (:maxx::float8 - :minx::float8) / 16 AS cell
),
sites AS (
  SELECT p.id AS fid, p.reference, p.slug, p.status, p.application_type, p.decision,
         ST_AsMVTGeom(p.site_geom, b.box, 4096, 64, true) AS geom
  FROM public_application p, b
  WHERE :sites::bool AND p.authority_id = :authorityId::int AND p.site_geom && (SELECT ST_Expand(b.box, b.pad) FROM b)
),
points AS (
  SELECT p.id, p.reference, p.slug, p.status, p.application_type, p.decision, p.point_geom AS geom
  FROM public_application p
  WHERE NOT :sites::bool AND p.authority_id = :authorityId::int
    AND p.point_geom && (SELECT ST_Expand(b.box, b.pad + b.cell) FROM b)
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
         ST_AsMVTGeom(s.geom, b.box, 4096, 64, true) AS geom
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
