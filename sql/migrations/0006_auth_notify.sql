-- Cached bearer tokens (server/modules/auth/token-cache.ts): every Redline process keeps token → user for a few
-- seconds and LISTENs on the channel redline_auth; any change that can take a token's access away (revoked,
-- re-pointed or deleted; its user disabled, re-roled, renamed or deleted), by the API, the CLI or plain SQL,
-- notifies that channel when it commits, and every process drops its cached tokens.
-- (last_used_at, which every uncached lookup sets, is not such a change and notifies nothing.)
CREATE FUNCTION redline_notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('redline_auth', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER api_token_auth_change AFTER UPDATE OF revoked_at, token_hash, user_id ON api_token
  FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.token_hash IS DISTINCT FROM NEW.token_hash
                     OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION redline_notify_auth_change();
CREATE TRIGGER api_token_auth_delete AFTER DELETE OR TRUNCATE ON api_token
  FOR EACH STATEMENT EXECUTE FUNCTION redline_notify_auth_change();
CREATE TRIGGER app_user_auth_change AFTER UPDATE OF role, disabled, username, display_name ON app_user
  FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled IS DISTINCT FROM NEW.disabled
                     OR OLD.username IS DISTINCT FROM NEW.username OR OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION redline_notify_auth_change();
CREATE TRIGGER app_user_auth_delete AFTER DELETE ON app_user
  FOR EACH STATEMENT EXECUTE FUNCTION redline_notify_auth_change();

-- down
DROP TRIGGER IF EXISTS app_user_auth_delete ON app_user;
DROP TRIGGER IF EXISTS app_user_auth_change ON app_user;
DROP TRIGGER IF EXISTS api_token_auth_delete ON api_token;
DROP TRIGGER IF EXISTS api_token_auth_change ON api_token;
DROP FUNCTION IF EXISTS redline_notify_auth_change();
