-- layer_load_insert_features: the new data version of a layer: every incoming feature not skipped, as a
-- constraint_feature, in source order. Its reference is the mapped reference (a number written as "12.0" becomes
-- "12"), else "<source label>:<fid>"; an ISO start-date in its properties becomes valid_from.
-- Parameters:
--   :layerId     text  the layer
--   :version     int   the new data version
--   :reference   SQL expression (text) over the incoming row's props: the mapped reference, or NULL::text.
--                      Built by fieldExpression in server/modules/layers/repo.ts, every field name and text bound.
--   :name        SQL expression (text), the same way: the mapped name, or NULL::text
--   :properties  SQL expression (jsonb): props with the mapped properties added, or props
-- Output: none (the rows inserted)
INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, properties, geom, source_file, valid_from)
SELECT :layerId, :version, coalesce(CASE WHEN r ~ '^[-]{0,1}[0-9]+[.]0+$' THEN regexp_replace(r, '[.]0+$', '') ELSE r END, label || ':' || fid),
       n, p, geom, label,
       CASE WHEN p->>'start-date' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN (p->>'start-date')::date END
FROM (SELECT label, fid, geom, :reference AS r, :name AS n, :properties AS p FROM incoming WHERE skip IS NULL ORDER BY src, fid) s
