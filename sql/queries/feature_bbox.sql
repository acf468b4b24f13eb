-- feature_bbox: the true (un-clipped, unsimplified) geometries of the features of the chosen layers that touch a
-- box, for snapping to real vertices and edges (never the ones vector tiles cut), in EPSG:27700.
-- Parameters:
--   :minx, :miny, :maxx, :maxy  float8   the box, EPSG:27700 metres
--   :properties                 boolean  include property outlines (layer 'properties')
--   :addresses                  boolean  include address points (layer 'addresses')
--   :boundary                   boolean  include the authority's boundary (layer 'authority-boundary')
--   :cases                      boolean  include the cases' current sites (layer 'cases')
--   :authorityId                int      the authority
--   :layerIds                   text[]   constraint layers (their current data)
--   :cap                        int      at most this many rows (ask for one more than you return to know when
--                                        there were more)
-- Output: layer text, id bigint, reference text, name text, geometry text (GeoJSON, EPSG:27700 metres)
WITH b AS (SELECT ST_MakeEnvelope(:minx::float8, :miny::float8, :maxx::float8, :maxy::float8, 27700) AS box),
f AS (
  SELECT 'authority-boundary'::text AS layer, a.id::bigint AS id, a.code AS reference, a.name, a.boundary AS geom
  FROM authority a, b WHERE :boundary::boolean AND a.id = :authorityId::int AND ST_Intersects(a.boundary, b.box)
  UNION ALL
  SELECT 'properties', p.id, p.source_ref, p.name, p.geom
  FROM property p, b WHERE :properties::boolean AND ST_Intersects(p.geom, b.box)
  UNION ALL
  SELECT 'addresses', a.uprn, a.uprn::text, array_to_string(a.address_lines || a.postcode, ', '), a.geom
  FROM address a, b WHERE :addresses::boolean AND ST_Intersects(a.geom, b.box)
  UNION ALL
  SELECT 'cases', c.id, c.reference, c.site_address, s.geom
  FROM case_site s JOIN case_record c ON c.id = s.case_id, b
  WHERE :cases::boolean AND s.superseded_at IS NULL AND c.authority_id = :authorityId::int
    AND ST_Intersects(s.geom, b.box)
  UNION ALL
  SELECT f.layer_id, f.id, f.source_ref, f.name, f.geom
  FROM constraint_feature f JOIN layer l ON l.id = f.layer_id AND l.data_version = f.data_version, b
  WHERE f.layer_id = ANY(:layerIds::text[]) AND ST_Intersects(f.geom, b.box)
)
SELECT layer, id, reference, name, ST_AsGeoJSON(geom) AS geometry
FROM f
LIMIT :cap::int
