-- Issue 16 item 4: every write is version-checked (If-Match, 428 without, 412 stale). Cases, templates, authority
-- details, the boundary and the reference datasets already carry a version; layers' definitions and user accounts
-- get one here. A trigger bumps it on every change of what it versions, whoever writes the row (the API, the CLI,
-- the builtin definitions synchronised at start), so a version read is never silently the same after a change.
ALTER TABLE layer ADD COLUMN definition_version int NOT NULL DEFAULT 1;
ALTER TABLE app_user ADD COLUMN version int NOT NULL DEFAULT 1;

CREATE FUNCTION layer_definition_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.definition_hash IS DISTINCT FROM OLD.definition_hash
     OR NEW.retired_at IS DISTINCT FROM OLD.retired_at
     OR NEW.retired_reason IS DISTINCT FROM OLD.retired_reason THEN
    NEW.definition_version := OLD.definition_version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER layer_definition_version BEFORE UPDATE ON layer
  FOR EACH ROW EXECUTE FUNCTION layer_definition_version_bump();

CREATE FUNCTION app_user_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.username, NEW.display_name, NEW.role, NEW.password_hash, NEW.disabled, NEW.email, NEW.phone)
     IS DISTINCT FROM (OLD.username, OLD.display_name, OLD.role, OLD.password_hash, OLD.disabled, OLD.email, OLD.phone) THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER app_user_version BEFORE UPDATE ON app_user
  FOR EACH ROW EXECUTE FUNCTION app_user_version_bump();

-- down
DROP TRIGGER IF EXISTS app_user_version ON app_user;
DROP FUNCTION IF EXISTS app_user_version_bump();
DROP TRIGGER IF EXISTS layer_definition_version ON layer;
DROP FUNCTION IF EXISTS layer_definition_version_bump();
ALTER TABLE app_user DROP COLUMN IF EXISTS version;
ALTER TABLE layer DROP COLUMN IF EXISTS definition_version;
