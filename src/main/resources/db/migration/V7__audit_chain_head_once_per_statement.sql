-- The audit chain's head, written once per statement instead of once per row.
--
-- V5's trigger updated the chain's head row for every audit row: a decision batch of 1,000 jobs made 1,000
-- versions of one row in its transaction, which halved the worker's decision rate (docs/performance.md). Now
-- the first row of a chain in a transaction locks the head (FOR UPDATE, until commit, as before) and reads it;
-- the running seq and hash are then carried in a transaction-local setting, and an AFTER STATEMENT trigger
-- writes the head once. A rolled-back statement or savepoint rolls the setting back with it (settings made
-- with is_local are transactional).
--
-- What a session could do with the setting: a role that may INSERT into audit_log may also set the setting
-- before inserting, and so chain its rows onto a made-up head. That breaks the chain where it happens, and
-- GET /api/admin/audit/verify reports the break (link or seq); it cannot hide a change to a row already written.

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  key TEXT := 'aurora_audit.head_' || md5(NEW.chain);
  cached TEXT := current_setting(key, true);
  dirty TEXT;
  head audit_chain_heads%ROWTYPE;
BEGIN
  IF NEW.at IS DISTINCT FROM now() THEN
    RAISE EXCEPTION 'audit_log.at is the transaction time and cannot be set';
  END IF;
  IF cached IS NULL OR cached = '' THEN
    -- Locked until commit: the chain's next writer waits here, then reads the head this one left.
    SELECT * INTO head FROM audit_chain_heads WHERE chain = NEW.chain FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO audit_chain_heads (chain, seq, hash) VALUES (NEW.chain, 0, '\x') ON CONFLICT (chain) DO NOTHING;
      SELECT * INTO head FROM audit_chain_heads WHERE chain = NEW.chain FOR UPDATE;
    END IF;
  ELSE
    head.seq := split_part(cached, ':', 1)::bigint;
    head.hash := decode(split_part(cached, ':', 2), 'hex');
  END IF;
  NEW.seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := sha256(head.hash || audit_content(NEW));
  PERFORM set_config(key, NEW.seq || ':' || encode(NEW.hash, 'hex'), true);
  dirty := coalesce(current_setting('aurora_audit.dirty', true), '');
  IF position(',' || NEW.chain || ',' IN ',' || dirty || ',') = 0 THEN
    PERFORM set_config('aurora_audit.dirty', CASE WHEN dirty = '' THEN NEW.chain ELSE dirty || ',' || NEW.chain END, true);
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION audit_log_store_heads() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  dirty TEXT := coalesce(current_setting('aurora_audit.dirty', true), '');
  c TEXT;
  cached TEXT;
BEGIN
  IF dirty <> '' THEN
    FOREACH c IN ARRAY string_to_array(dirty, ',') LOOP
      cached := current_setting('aurora_audit.head_' || md5(c), true);
      UPDATE audit_chain_heads SET seq = split_part(cached, ':', 1)::bigint, hash = decode(split_part(cached, ':', 2), 'hex')
        WHERE chain = c;
    END LOOP;
    PERFORM set_config('aurora_audit.dirty', '', true);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER audit_log_store_heads AFTER INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_store_heads();
