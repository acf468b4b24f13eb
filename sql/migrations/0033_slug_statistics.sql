-- An application page finds its case by slug: replace(reference, '/', '-') through the partial expression index
-- case_record_public_slug_idx. PostgreSQL keeps statistics for an expression index but its planner does not use
-- those of a partial one, so it guessed 0.5% of the authority's cases match (5,000 of a million), chose a parallel
-- plan and spent 10-20 ms starting workers for one row. Statistics on the expression itself (PostgreSQL 14+) tell
-- it the slug is unique: an index scan, well under a millisecond. ANALYZE (autovacuum, or the next load) fills them.
CREATE STATISTICS IF NOT EXISTS case_record_slug_stats ON (replace(reference, '/', '-')) FROM case_record;
ANALYZE case_record;

-- down
DROP STATISTICS IF EXISTS case_record_slug_stats;
