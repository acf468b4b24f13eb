-- Issue 15 item 3: an application imported from an Open Digital Planning submission keeps its fee (GBP, as the
-- submission gave it: the fee payable after exemptions and reductions, the fee calculated before them, the payment
-- reference) and the submission's id (metadata.id), so the same submission is never imported twice.
ALTER TABLE case_record
  ADD COLUMN fee_payable numeric(12, 2) CHECK (fee_payable >= 0),
  ADD COLUMN fee_calculated numeric(12, 2) CHECK (fee_calculated >= 0),
  ADD COLUMN fee_reference text CHECK (length(fee_reference) <= 200),
  ADD COLUMN odp_submission_id uuid;
CREATE UNIQUE INDEX case_record_odp_submission_idx ON case_record (authority_id, odp_submission_id)
  WHERE odp_submission_id IS NOT NULL;

-- down
DROP INDEX IF EXISTS case_record_odp_submission_idx;
ALTER TABLE case_record
  DROP COLUMN IF EXISTS fee_payable,
  DROP COLUMN IF EXISTS fee_calculated,
  DROP COLUMN IF EXISTS fee_reference,
  DROP COLUMN IF EXISTS odp_submission_id;
