-- tile_properties: one vector tile (MVT, extent 4096, buffer 64) of the property outlines (source-layer 'properties') on the OS tile grid, in EPSG:27700 itself
-- (shared/os-tile-grid.ts; no reprojection). Geometries are clipped to the tile plus its buffer. Features are in
-- id order, so the same data always makes the same bytes (whatever plan PostgreSQL picks).
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8  the tile's envelope, EPSG:27700 metres (tileEnvelope(z, x, y))
-- Output: version int (the property dataset's data_version, for the ETag), mvt bytea (empty: no feature)
-- Feature id and properties: id (property.id), reference (its source reference), name.
WITH b AS (
  SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box,
         (:maxx::float8 - :minx::float8) * 64 / 4096 AS pad
),
t AS (
  SELECT p.id AS fid, p.id, p.source_ref AS reference, p.name, ST_AsMVTGeom(p.geom, b.box, 4096, 64, true) AS geom
  FROM property p, b
  WHERE p.geom && ST_Expand(b.box, b.pad)
)
SELECT (SELECT data_version FROM reference_dataset WHERE id = 'property') AS version,
       (SELECT ST_AsMVT(t, 'properties', 4096, 'geom', 'fid' ORDER BY t.fid) FROM t WHERE t.geom IS NOT NULL) AS mvt
