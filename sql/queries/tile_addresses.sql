-- tile_addresses: one vector tile (MVT, extent 4096, buffer 64) of the address points (source-layer 'addresses') on the OS tile grid, in EPSG:27700 itself
-- (shared/os-tile-grid.ts; no reprojection). Geometries are clipped to the tile plus its buffer. Features are in
-- id order, so the same data always makes the same bytes (whatever plan PostgreSQL picks).
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8  the tile's envelope, EPSG:27700 metres (tileEnvelope(z, x, y))
-- Output: version int (the address dataset's data_version, for the ETag), mvt bytea (empty: no feature)
-- Feature id: the UPRN; properties: id and uprn (the UPRN), address (one line: address lines and postcode).
WITH b AS (
  SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box,
         (:maxx::float8 - :minx::float8) * 64 / 4096 AS pad
),
t AS (
  SELECT a.uprn AS fid, a.uprn AS id, a.uprn, array_to_string(a.address_lines || a.postcode, ', ') AS address,
         ST_AsMVTGeom(a.geom, b.box, 4096, 64, true) AS geom
  FROM address a, b
  WHERE a.geom && ST_Expand(b.box, b.pad)
)
SELECT (SELECT data_version FROM reference_dataset WHERE id = 'address') AS version,
       (SELECT ST_AsMVT(t, 'addresses', 4096, 'geom', 'fid' ORDER BY t.fid) FROM t WHERE t.geom IS NOT NULL) AS mvt
