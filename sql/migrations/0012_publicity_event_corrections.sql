-- Publicity events that can be put right, and that carry what the record needs. A correction is a new row that
-- supersedes the one it corrects (the original is kept as it was; each row is corrected at most once, so the
-- current version is the one nothing supersedes); a voided event keeps its row and says who voided it, when and
-- why. Only current, non-voided events count towards the publicity dates.
ALTER TABLE publicity_event
  ADD COLUMN newspaper      text,                                 -- press advert: the newspaper it appeared in
  ADD COLUMN edition_date   date,                                 -- press advert: the edition it appeared in
  ADD COLUMN notice_count   int CHECK (notice_count >= 1),         -- site notice: how many notices were posted
  ADD COLUMN places         text[],                               -- site notice: where they were posted
  ADD COLUMN letter_count   int CHECK (letter_count >= 1),         -- neighbour letters: how many were sent
  ADD COLUMN run_id         int REFERENCES notification_run (id),  -- neighbour letters: the run they were sent to
  ADD COLUMN document_id    int REFERENCES document (id),          -- the document produced with it, if any
  ADD COLUMN supersedes     int UNIQUE REFERENCES publicity_event (id),
  ADD COLUMN correction_reason text,
  ADD COLUMN voided_at      timestamptz,
  ADD COLUMN voided_by      int REFERENCES app_user (id),
  ADD COLUMN void_reason    text,
  ADD CONSTRAINT publicity_event_correction_reason CHECK ((supersedes IS NULL) = (correction_reason IS NULL)),
  ADD CONSTRAINT publicity_event_void_reason CHECK ((voided_at IS NULL) = (void_reason IS NULL));

-- down
ALTER TABLE publicity_event
  DROP CONSTRAINT IF EXISTS publicity_event_void_reason,
  DROP CONSTRAINT IF EXISTS publicity_event_correction_reason,
  DROP COLUMN IF EXISTS void_reason,
  DROP COLUMN IF EXISTS voided_by,
  DROP COLUMN IF EXISTS voided_at,
  DROP COLUMN IF EXISTS correction_reason,
  DROP COLUMN IF EXISTS supersedes,
  DROP COLUMN IF EXISTS document_id,
  DROP COLUMN IF EXISTS run_id,
  DROP COLUMN IF EXISTS letter_count,
  DROP COLUMN IF EXISTS places,
  DROP COLUMN IF EXISTS notice_count,
  DROP COLUMN IF EXISTS edition_date,
  DROP COLUMN IF EXISTS newspaper;
