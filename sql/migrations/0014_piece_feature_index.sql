-- constraint_piece.feature_id references constraint_feature ON DELETE CASCADE but had no index: every feature
-- deleted by a layer reload scanned the whole piece table (a 50,000-feature reload took 221 s against a 3.4 s
-- fresh load, and checks slowed to seconds meanwhile). With the index each cascade is an index lookup.
CREATE INDEX IF NOT EXISTS constraint_piece_feature_idx ON constraint_piece (feature_id);

-- down
DROP INDEX IF EXISTS constraint_piece_feature_idx;
