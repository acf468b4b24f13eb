-- tile_versions: the data versions the staff vector tiles' ETags are made of, in one read (for If-None-Match).
-- Parameters:
--   :authorityId  int  the authority
-- Output: boundary int (authority.boundary_version), address int, property int (reference_dataset data_version),
-- layers jsonb ({ layer id: data_version } of every layer)
SELECT (SELECT boundary_version FROM authority WHERE id = :authorityId::int) AS boundary,
       (SELECT data_version FROM reference_dataset WHERE id = 'address') AS address,
       (SELECT data_version FROM reference_dataset WHERE id = 'property') AS property,
       (SELECT coalesce(jsonb_object_agg(id, data_version), '{}') FROM layer) AS layers
