-- map_selection_area: the area a neighbour notification run chose from, drawn on its map: the red line grown by the
-- radius, and the drawn selection polygon, as one geometry (both when both).
-- Parameters:
--   :site     text      hex EWKB of the red line (SRID 27700)
--   :radius   float8    the selection radius in metres (EPSG:27700, planar), or null when the run had none
--   :parts    text[]    hex EWKB of the drawn selection polygons (SRID 27700, as the intake stored them); may be empty
-- Output (one row): ewkb (hex EWKB of the union, SRID 27700; null when there is neither a radius nor a polygon)
SELECT encode(ST_AsEWKB(ST_Union(g)), 'hex') AS ewkb FROM (
  SELECT ST_Buffer(ST_GeomFromEWKB(decode(:site, 'hex')), :radius::float8, 32) AS g WHERE :radius::float8 IS NOT NULL
  UNION ALL SELECT ST_GeomFromEWKB(decode(x, 'hex')) FROM unnest(:parts::text[]) AS x) s;
