-- Issue 13 item 8 (benchmarks over one million applications): indexes the public register's queries need.
-- The application page finds a published application by its slug (public_application.slug, i.e.
-- replace(reference, '/', '-')): without this index every page view read all of case_record.
CREATE INDEX case_record_public_slug_idx ON case_record (authority_id, replace(reference, '/', '-'))
  WHERE kind = 'application' AND publication = 'published';
-- Keyword search (q: proposal ILIKE '%word%') without an area or a selective filter: trigram index (pg_trgm, 0017).
CREATE INDEX case_record_public_description_trgm_idx ON case_record USING gin (description gin_trgm_ops)
  WHERE kind = 'application' AND publication = 'published';

-- down
DROP INDEX IF EXISTS case_record_public_description_trgm_idx;
DROP INDEX IF EXISTS case_record_public_slug_idx;
