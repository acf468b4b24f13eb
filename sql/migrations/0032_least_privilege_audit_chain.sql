-- Least privilege and a tamper-evident audit trail (issue 16).
--
-- 1. Layer loads write their staging tables (ogr2ogr) into their own schema, so the serving role needs CREATE there
--    only, never in public (server/db/roles.ts grants it).
-- 2. Audit rows carry a hash chain: chain_hash = sha256(previous row's chain_hash || this row's content), in the order
--    of chain_seq. Rows are inserted unsealed (both NULL) and sealed shortly after, in commit order, by audit_seal():
--    a long transaction that writes an audit row never holds up everyone else's writes. audit_seal() runs as the owner
--    (SECURITY DEFINER); the serving role has no UPDATE on audit_log at all, and the trigger lets an UPDATE through
--    only when it fills an unsealed row's chain columns and changes nothing else.

CREATE SCHEMA IF NOT EXISTS layer_staging;

ALTER TABLE audit_log
  ADD COLUMN chain_seq  bigint UNIQUE,
  ADD COLUMN chain_hash bytea CHECK (chain_hash IS NULL OR length(chain_hash) = 32),
  ADD CONSTRAINT audit_log_sealed_together CHECK ((chain_seq IS NULL) = (chain_hash IS NULL));
CREATE INDEX audit_log_unsealed_idx ON audit_log (id) WHERE chain_hash IS NULL;

-- What a row's hash covers: every column but the chain's own, in a fixed order, as jsonb text (canonical: the same
-- after pg_dump and pg_restore); the time in microseconds since 1970, whatever the session's time zone.
CREATE FUNCTION audit_log_content(a audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to(jsonb_build_array(
           a.id, (extract(epoch FROM a.at) * 1000000)::bigint, a.actor_id, a.actor, a.action, a.entity_type,
           a.entity_id, a.before, a.after, a.request_id)::text, 'UTF8')
$$;

CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- sealing: an unsealed row gets its place in the chain, nothing else changes
  IF TG_OP = 'UPDATE' AND OLD.chain_hash IS NULL AND NEW.chain_hash IS NOT NULL
     AND (to_jsonb(NEW) - 'chain_seq' - 'chain_hash') = (to_jsonb(OLD) - 'chain_seq' - 'chain_hash') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- a row always arrives unsealed: nobody inserts a forged place in the chain
CREATE FUNCTION audit_log_arrives_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.chain_seq := NULL;
  NEW.chain_hash := NULL;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_log_unsealed BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_arrives_unsealed();

-- Seals up to max_rows committed, unsealed rows (oldest id first); returns how many. One sealer at a time.
CREATE FUNCTION audit_seal(max_rows int DEFAULT 10000) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  last_seq  bigint;
  last_hash bytea;
  r         audit_log%ROWTYPE;
  n         int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(738291001);
  SELECT a.chain_seq, a.chain_hash INTO last_seq, last_hash
    FROM audit_log a WHERE a.chain_seq IS NOT NULL ORDER BY a.chain_seq DESC LIMIT 1;
  IF last_seq IS NULL THEN
    last_seq := 0;
    last_hash := decode(repeat('00', 32), 'hex');
  END IF;
  FOR r IN SELECT * FROM audit_log a WHERE a.chain_hash IS NULL ORDER BY a.id LIMIT greatest(max_rows, 1) LOOP
    last_seq := last_seq + 1;
    last_hash := sha256(last_hash || audit_log_content(r));
    UPDATE audit_log SET chain_seq = last_seq, chain_hash = last_hash WHERE id = r.id;
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION audit_seal(int) FROM PUBLIC;

-- the rows written before this migration join the chain now
SELECT audit_seal(2147483647);

-- down
DROP FUNCTION IF EXISTS audit_seal(int);
DROP TRIGGER IF EXISTS audit_log_unsealed ON audit_log;
DROP FUNCTION IF EXISTS audit_log_arrives_unsealed();
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP FUNCTION IF EXISTS audit_log_content(audit_log);
DROP INDEX IF EXISTS audit_log_unsealed_idx;
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_sealed_together;
ALTER TABLE audit_log DROP COLUMN IF EXISTS chain_hash, DROP COLUMN IF EXISTS chain_seq;
DROP SCHEMA IF EXISTS layer_staging CASCADE;
