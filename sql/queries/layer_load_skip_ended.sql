-- layer_load_skip_ended: skips the kept incoming features whose planning.data.gov.uk end-date (an ISO date; other
-- forms stay as text in the properties) has passed: they are no longer in force. A start-date in the future is
-- kept (constraint_feature.valid_from, layer_load_insert_features.sql) and flagged by the check.
-- Parameters: none
-- Output: none (sets incoming.skip = 'ended', incoming.detail = 'end-date <the date>')
UPDATE incoming SET skip = 'ended', detail = 'end-date ' || (props->>'end-date')
WHERE skip IS NULL AND props->>'end-date' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND (props->>'end-date')::date < current_date
