-- OGC API – Features (issue 15 item 1): keyset pages of a constraint layer's current features. An items page is
-- WHERE layer_id = $1 AND data_version = $2 AND id > $cursor ORDER BY id LIMIT n: with this index the first and
-- the last page of a million-feature layer each read only their own rows (the (layer_id, data_version) index
-- alone makes PostgreSQL read and sort the whole layer, or walk the primary key past other layers' rows).
CREATE INDEX IF NOT EXISTS constraint_feature_keyset_idx ON constraint_feature (layer_id, data_version, id);

-- down
DROP INDEX IF EXISTS constraint_feature_keyset_idx;
