-- Publicity: what the development is (for the DMPO art. 2 major tests and art. 15 publicity), the authority's
-- Statement of Community Involvement policy, and the publicity events recorded on a case.
ALTER TABLE case_record ADD COLUMN development jsonb NOT NULL DEFAULT '{}';
ALTER TABLE authority ADD COLUMN sci_policy jsonb NOT NULL DEFAULT '{}';

CREATE TABLE publicity_event (
  id         serial PRIMARY KEY,
  case_id    int NOT NULL REFERENCES case_record (id),
  kind       text NOT NULL CHECK (kind IN ('site-notice', 'neighbour-letters', 'press-advert', 'website', 'owner-notice')),
  date       date NOT NULL,
  eia        boolean,
  notes      text,
  created_by int REFERENCES app_user (id),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX publicity_event_case_idx ON publicity_event (case_id, date);

-- down
DROP TABLE IF EXISTS publicity_event;
ALTER TABLE authority DROP COLUMN IF EXISTS sci_policy;
ALTER TABLE case_record DROP COLUMN IF EXISTS development;
