-- Place search (GET /api/places): postcodes by their spaceless upper-case key (full, sector and outward code
-- prefixes), and address text (lines and postcode, lower case) by trigram for street and number searches.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION place_postcode_key(postcode text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN upper(replace(postcode, ' ', ''));

CREATE FUNCTION place_search_text(lines text[], postcode text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN lower(array_to_string(lines, ' ') || ' ' || coalesce(postcode, ''));

CREATE INDEX address_postcode_key_idx ON address (place_postcode_key(postcode) text_pattern_ops);
CREATE INDEX address_search_text_trgm_idx ON address USING gin (place_search_text(address_lines, postcode) gin_trgm_ops);

-- down
DROP INDEX IF EXISTS address_search_text_trgm_idx;
DROP INDEX IF EXISTS address_postcode_key_idx;
DROP FUNCTION IF EXISTS place_search_text(text[], text);
DROP FUNCTION IF EXISTS place_postcode_key(text);
