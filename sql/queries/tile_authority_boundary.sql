-- tile_authority_boundary: one vector tile (MVT, extent 4096, buffer 64) of the authority's current boundary (source-layer 'authority-boundary') on the OS tile grid, in EPSG:27700 itself
-- (shared/os-tile-grid.ts; no reprojection). Geometries are clipped to the tile plus its buffer. Features are in
-- id order, so the same data always makes the same bytes (whatever plan PostgreSQL picks).
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8  the tile's envelope, EPSG:27700 metres (tileEnvelope(z, x, y))
--   :authorityId                int     the authority
-- Output: version int (authority.boundary_version, for the ETag), mvt bytea (empty: the tile is off the boundary)
-- Feature id: authority.id; properties: id, reference (the authority's code), name.
WITH b AS (
  SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box,
         (:maxx::float8 - :minx::float8) * 64 / 4096 AS pad
),
t AS (
  SELECT a.id AS fid, a.id, a.code AS reference, a.name, ST_AsMVTGeom(a.boundary, b.box, 4096, 64, true) AS geom
  FROM authority a, b
  WHERE a.id = :authorityId::int AND a.boundary && ST_Expand(b.box, b.pad)
)
SELECT (SELECT boundary_version FROM authority WHERE id = :authorityId::int) AS version,
       (SELECT ST_AsMVT(t, 'authority-boundary', 4096, 'geom', 'fid' ORDER BY t.fid) FROM t WHERE t.geom IS NOT NULL) AS mvt
