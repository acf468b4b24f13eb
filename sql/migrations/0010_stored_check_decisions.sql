-- Stored checks (issue 11, item 4): decisions carried over on a re-run, and setting triggers an officer adds.
-- A re-run copies a decision to a hit that is unchanged (same layer, feature key, relation and figures); the copy
-- names the hit it came from.
ALTER TABLE constraint_hit ADD COLUMN decision_from int REFERENCES constraint_hit (id);

-- A reg 5A trigger an officer adds to a check, beyond the layer's screening distance (or with no layer at all),
-- with the reason; a re-run copies it to the new check (copied_from).
CREATE TABLE constraint_setting_trigger (
  id          serial PRIMARY KEY,
  check_id    int NOT NULL REFERENCES constraint_check (id),
  trigger     text NOT NULL CHECK (trigger IN ('listed-building-setting', 'conservation-area')),
  layer_id    text,
  reference   text,
  description text NOT NULL,
  grade       text CHECK (grade IN ('I', 'II*', 'II')),
  reason      text NOT NULL,
  copied_from int REFERENCES constraint_setting_trigger (id),
  created_by  int REFERENCES app_user (id),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX constraint_setting_trigger_check_idx ON constraint_setting_trigger (check_id);

-- down
DROP TABLE IF EXISTS constraint_setting_trigger;
ALTER TABLE constraint_hit DROP COLUMN IF EXISTS decision_from;
