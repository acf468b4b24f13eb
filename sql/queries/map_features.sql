-- map_features: everything one map image draws, clipped to its frame and simplified to its pixel grid, one row per
-- style class, in one statement. Coordinates come out in sheet pixels of the map frame: x to the right from the
-- frame's left edge, y downwards from its top edge (ST_AsSVG negates y, so the affine maps y to (y - maxY) / res).
-- Parameters:
--   :minX, :minY, :maxX, :maxY  float8   the frame's ground extent, EPSG:27700 metres
--   :res                        float8   ground metres per sheet pixel (scale × 0.0254 / dpi)
--   :pad                        float8   metres drawn beyond the frame so that strokes at its edge are whole
--   :site                       text     hex EWKB of the red line (SRID 27700)
--   :selection                  text     hex EWKB of the neighbour selection area, or null
--   :properties                 boolean  draw property outlines
--   :layerIds                   text[]   constraint layers drawn from their current data (whole features)
--   :checkId                    int      a stored check whose fired hits are drawn from their snapshots, or null
--   :runId                      int      a notification run whose recipients' property outlines are drawn, or null
--   :authorityId                int      the authority whose boundary is drawn where it crosses the frame, or null
--   :base                       boolean  draw the base map (base_feature: classes 'base:<kind>')
--   :history                    int[]    other cases whose current sites are drawn (class 'history': a site history)
-- Output: class ('site' | 'selection' | 'boundary' | 'history' | 'base:<kind>' | 'property' | 'notified' | 'layer:<id>'), d (SVG path data of its areas and lines, or
-- null), pts (x, y pairs of its points, flattened, or null), n (features drawn).
-- Areas are forced counter-clockwise outside and clockwise inside before the y flip, so one path per class fills
-- with the nonzero rule: holes stay holes and overlapping features are painted once.
WITH p AS MATERIALIZED (
  SELECT ST_MakeEnvelope(:minX::float8 - :pad::float8, :minY::float8 - :pad::float8,
                         :maxX::float8 + :pad::float8, :maxY::float8 + :pad::float8, 27700) AS box,
         :res::float8 AS res, :minX::float8 AS x0, :maxY::float8 AS y0
),
src AS (
  SELECT 'site'::text AS class, ST_GeomFromEWKB(decode(:site, 'hex')) AS geom
  UNION ALL
  SELECT 'selection', ST_GeomFromEWKB(decode(:selection, 'hex')) WHERE :selection::text IS NOT NULL
  UNION ALL
  SELECT 'boundary', ST_Boundary(a.boundary) FROM authority a, p
  WHERE a.id = :authorityId::int AND a.boundary IS NOT NULL AND ST_Intersects(ST_Boundary(a.boundary), p.box)
  UNION ALL
  SELECT 'base:' || b.kind, b.geom FROM base_feature b, p WHERE :base::boolean AND b.geom && p.box
  UNION ALL
  SELECT 'history', s.geom FROM case_site s, p
  WHERE s.case_id = ANY(:history::int[]) AND s.superseded_at IS NULL AND s.geom && p.box
  UNION ALL
  SELECT 'property', pr.geom FROM property pr, p WHERE :properties::boolean AND pr.geom && p.box
  UNION ALL
  SELECT 'notified', pr.geom FROM property pr, p
  WHERE :runId::int IS NOT NULL AND pr.geom && p.box
    AND EXISTS (SELECT 1 FROM recipient r WHERE r.run_id = :runId::int AND r.geom && pr.geom AND ST_Intersects(r.geom, pr.geom))
  UNION ALL
  SELECT 'layer:' || f.layer_id, f.geom
  FROM constraint_feature f JOIN layer l ON l.id = f.layer_id AND l.data_version = f.data_version, p
  WHERE f.layer_id = ANY(:layerIds::text[]) AND f.geom && p.box
  UNION ALL
  SELECT 'layer:' || h.layer_id, h.feature_geom
  FROM constraint_hit h, p
  WHERE h.check_id = :checkId::int AND h.fired AND h.decision IS DISTINCT FROM 'dismissed' AND h.feature_geom && p.box
),
px AS (
  SELECT s.class, ST_GeometryType(s.geom) IN ('ST_Point', 'ST_MultiPoint') AS is_point,
         ST_Affine(
           CASE WHEN ST_GeometryType(s.geom) IN ('ST_Point', 'ST_MultiPoint') THEN s.geom
                ELSE ST_ForcePolygonCCW(ST_ClipByBox2D(s.geom, p.box)) END,
           1 / p.res, 0, 0, 1 / p.res, -p.x0 / p.res, -p.y0 / p.res) AS g
  FROM src s, p
  WHERE s.geom && p.box
)
SELECT class,
       string_agg(ST_AsSVG(ST_Simplify(g, 0.5, true), 0, 1), ' ') FILTER (WHERE NOT is_point AND NOT ST_IsEmpty(g)) AS d,
       array_agg(ARRAY[round(ST_X(pt.geom)::numeric, 1)::float8, round(-ST_Y(pt.geom)::numeric, 1)::float8])
         FILTER (WHERE is_point) AS pts,
       count(*)::int AS n
FROM px
LEFT JOIN LATERAL ST_Dump(CASE WHEN is_point THEN g END) pt ON true
GROUP BY class
