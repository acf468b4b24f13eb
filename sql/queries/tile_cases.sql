-- tile_cases: one vector tile (MVT, extent 4096, buffer 64) of the authority's cases (source-layer 'cases'): each case's current site outline, and the point location of an enforcement case on the OS tile grid, in EPSG:27700 itself
-- (shared/os-tile-grid.ts; no reprojection). Geometries are clipped to the tile plus its buffer. Features are in
-- id order, so the same data always makes the same bytes (whatever plan PostgreSQL picks).
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8  the tile's envelope, EPSG:27700 metres (tileEnvelope(z, x, y))
--   :authorityId                int     the authority
-- Output: mvt bytea (empty: no case here). Cases have no data version: the route's ETag is a hash of the bytes.
-- Feature id: the case id; properties: id, reference, kind, status, name (the site address). Nothing personal.
WITH b AS (
  SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box,
         (:maxx::float8 - :minx::float8) * 64 / 4096 AS pad
),
src AS (
  SELECT c.id, c.reference, c.kind, c.status, c.site_address AS name, s.geom
  FROM case_site s JOIN case_record c ON c.id = s.case_id, b
  WHERE s.superseded_at IS NULL AND c.authority_id = :authorityId::int AND s.geom && ST_Expand(b.box, b.pad)
  UNION ALL
  SELECT c.id, c.reference, c.kind, c.status, c.site_address, c.location
  FROM case_record c, b
  WHERE c.location IS NOT NULL AND c.authority_id = :authorityId::int AND c.location && ST_Expand(b.box, b.pad)
),
t AS (
  SELECT src.id AS fid, src.id, src.reference, src.kind, src.status, src.name,
         ST_AsMVTGeom(src.geom, b.box, 4096, 64, true) AS geom
  FROM src, b
)
SELECT (SELECT ST_AsMVT(t, 'cases', 4096, 'geom', 'fid' ORDER BY t.fid, ST_Dimension(t.geom)) FROM t WHERE t.geom IS NOT NULL) AS mvt
