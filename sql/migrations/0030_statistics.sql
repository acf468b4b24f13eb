-- Issue 15 items 4-5: what the PS1/PS2 returns and the designation measures need that a case did not record.
-- Rules: shared/domain/statistics/RULES.md (from ../shared/rules/planning-rules.md section 6).
--   decision_maker: who made the decision (PS1 counts delegated decisions).
--   ppa:            a planning performance agreement { agreedOn, targetDate } (the agreed time for PS2 / speed).
--   appeals:        [{ lodgedOn, type: refusal | conditions | non-determination, decidedOn, outcome:
--                   allowed | dismissed | split | withdrawn }] (quality: decisions overturned at appeal).
ALTER TABLE case_record
  ADD COLUMN decision_maker text CHECK (decision_maker IS NULL OR decision_maker IN ('delegated', 'committee')),
  ADD COLUMN ppa jsonb CHECK (ppa IS NULL OR jsonb_typeof(ppa) = 'object'),
  ADD COLUMN appeals jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(appeals) = 'array');
-- the returns select decisions by date
CREATE INDEX case_record_decision_date_idx ON case_record (authority_id, decision_date) WHERE decision_date IS NOT NULL;
CREATE INDEX case_record_valid_date_idx ON case_record (authority_id, valid_date) WHERE valid_date IS NOT NULL;

-- down
DROP INDEX IF EXISTS case_record_valid_date_idx;
DROP INDEX IF EXISTS case_record_decision_date_idx;
ALTER TABLE case_record DROP COLUMN IF EXISTS appeals, DROP COLUMN IF EXISTS ppa, DROP COLUMN IF EXISTS decision_maker;
