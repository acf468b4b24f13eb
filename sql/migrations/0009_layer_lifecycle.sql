-- Layer lifecycle and reloads that scale (issue 11, items 3 and 9).
-- A retired layer (retired_at set) is kept, with its features, for the stored checks and maps that used it, but
-- new checks do not answer it (sql/queries/constraint_check.sql) and GET /api/layers lists it as retired.
ALTER TABLE layer ADD COLUMN retired_at timestamptz;
ALTER TABLE layer ADD COLUMN retired_reason text;
-- constraint_piece.feature_id references constraint_feature ON DELETE CASCADE but had no index: every feature a
-- reload deleted scanned the whole piece table (a 50,000-feature reload took 221 s against a 3.4 s fresh load).
-- (Same name and IF NOT EXISTS as 0014_piece_feature_index.sql, so either may run first.)
CREATE INDEX IF NOT EXISTS constraint_piece_feature_idx ON constraint_piece (feature_id);

-- down
ALTER TABLE layer DROP COLUMN IF EXISTS retired_reason;
ALTER TABLE layer DROP COLUMN IF EXISTS retired_at;
