-- Public comments on planning applications (issue 13): a resident's name, address, postcode and email are kept
-- private (staff only, never in a public view or a log); what is published is the text (as redacted by staff) and
-- the street. ip_hash is a salted HMAC of the client address (for abuse limits), never the address itself.
CREATE TABLE comment (
  id             serial PRIMARY KEY,
  case_id        int NOT NULL REFERENCES case_record (id) ON DELETE CASCADE,
  authority_id   int NOT NULL REFERENCES authority (id),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  address        text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
  postcode       text NOT NULL CHECK (length(postcode) BETWEEN 1 AND 16),
  email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  stance         text NOT NULL CHECK (stance IN ('support', 'object', 'neutral')),
  text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
  -- normalised text (lower case, single spaces) hashed, to refuse the same comment sent twice
  text_hash      text NOT NULL,
  redacted_text  text CHECK (length(redacted_text) <= 10000),
  -- the street only (no house number or name), from the commenter's address or their postcode's addresses; null
  -- when it cannot be told
  street         text CHECK (length(street) <= 200),
  status         text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'published', 'rejected')),
  status_reason  text,
  status_changed_at timestamptz,
  status_changed_by int REFERENCES app_user (id),
  late           boolean NOT NULL DEFAULT false,
  received_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at   timestamptz,
  published_by   int REFERENCES app_user (id),
  ip_hash        text NOT NULL,
  ack_sent_at    timestamptz,
  CHECK ((status = 'published') = (published_at IS NOT NULL))
);
CREATE INDEX comment_case_idx ON comment (case_id, received_at);
CREATE INDEX comment_duplicate_idx ON comment (case_id, text_hash);
CREATE INDEX comment_new_idx ON comment (authority_id, received_at) WHERE status = 'new';

-- The only relation public routes read comments from: published comments on published applications, and of each
-- only the redacted text and the street.
CREATE VIEW public_comment AS
SELECT cm.id,
       cm.case_id AS application_id,
       cm.stance,
       coalesce(cm.redacted_text, cm.text) AS text,
       cm.street,
       cm.published_at
FROM comment cm
JOIN case_record c ON c.id = cm.case_id
WHERE cm.status = 'published'
  AND c.kind = 'application'
  AND c.publication = 'published';

-- publishing, redacting or withdrawing a comment changes what the application's public page shows
CREATE TRIGGER comment_public_version AFTER UPDATE OF status, redacted_text ON comment
  FOR EACH ROW WHEN (OLD.status = 'published' OR NEW.status = 'published')
  EXECUTE FUNCTION public_version_bump_case();

-- down
DROP VIEW IF EXISTS public_comment;
DROP TABLE IF EXISTS comment;
