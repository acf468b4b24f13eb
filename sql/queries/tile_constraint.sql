-- tile_constraint: one vector tile (MVT, extent 4096, buffer 64) of one constraint layer's current features, whole (not constraint_piece) (source-layer = the layer id) on the OS tile grid, in EPSG:27700 itself
-- (shared/os-tile-grid.ts; no reprojection). Geometries are clipped to the tile plus its buffer. Features are in
-- id order, so the same data always makes the same bytes (whatever plan PostgreSQL picks).
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8  the tile's envelope, EPSG:27700 metres (tileEnvelope(z, x, y))
--   :layerId                    text    the constraint layer
-- Output: version int (the layer's data_version, for the ETag), mvt bytea (empty: no feature)
-- Feature id: constraint_feature.id; properties: id, reference (its source reference), name.
WITH b AS (
  SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box,
         (:maxx::float8 - :minx::float8) * 64 / 4096 AS pad
),
l AS (SELECT id, data_version FROM layer WHERE id = :layerId::text),
t AS (
  SELECT f.id AS fid, f.id, f.source_ref AS reference, f.name, ST_AsMVTGeom(f.geom, b.box, 4096, 64, true) AS geom
  FROM constraint_feature f JOIN l ON l.id = f.layer_id AND l.data_version = f.data_version, b
  WHERE f.geom && ST_Expand(b.box, b.pad)
)
SELECT (SELECT data_version FROM l) AS version,
       (SELECT ST_AsMVT(t, :layerId::text, 4096, 'geom', 'fid' ORDER BY t.fid) FROM t WHERE t.geom IS NOT NULL) AS mvt
