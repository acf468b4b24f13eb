-- layer_load_skip_wrong_type: skips the kept incoming features whose geometry the layer cannot hold: a polygon
-- layer holds areas (dimension 2), a point layer points (dimension 0), a mixed layer either.
-- Parameters:
--   :geometryKind  text  the layer definition's geometryKind: 'polygon' | 'point' | 'mixed'
-- Output: none (sets incoming.skip = 'wrong-geometry-type', incoming.detail = the feature's geometry type)
UPDATE incoming SET skip = 'wrong-geometry-type', detail = GeometryType(geom)
WHERE skip IS NULL
  AND NOT (CASE :geometryKind::text
             WHEN 'polygon' THEN ST_Dimension(geom) = 2
             WHEN 'point' THEN ST_Dimension(geom) = 0
             ELSE ST_Dimension(geom) IN (0, 2)
           END)
