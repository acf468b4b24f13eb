-- Decisions that fit the application and their dates (issue 11, item 5).
-- Why a decision was recorded before the earliest decision date (the day after the last publicity window closes):
-- required for such a decision, shown on the case and audited.
ALTER TABLE case_record ADD COLUMN decision_override_reason text
  CHECK (decision_override_reason IS NULL OR length(decision_override_reason) BETWEEN 1 AND 2000);
-- A listed building consent (and an advertisement, TPO or hazardous substances consent) is granted or refused as
-- consent, not permission.
UPDATE case_record SET decision = 'consent-' || decision
 WHERE application_type IN ('lbc', 'advertising', 'consent-under-tpo', 'haz-substance-consent')
   AND decision IN ('granted', 'refused');

-- down
UPDATE case_record SET decision = substr(decision, length('consent-') + 1)
 WHERE decision IN ('consent-granted', 'consent-refused');
ALTER TABLE case_record DROP COLUMN IF EXISTS decision_override_reason;
