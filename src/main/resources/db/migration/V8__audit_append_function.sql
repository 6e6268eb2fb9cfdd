-- Audit rows are appended through one function call per statement, which chains them in one pass, instead of
-- a PL/pgSQL trigger run for every row.
--
-- V7's per-row trigger cost about 45 us a row (a trigger call, a dozen PL/pgSQL steps, two settings read and
-- written per row), the largest part of what the audit log cost the worker (docs/performance.md). Now
-- audit_append locks the chain's head once (FOR UPDATE, until commit: writers of one chain take turns, as
-- before), numbers and hashes the rows in one recursive query, inserts them in one statement, and moves the
-- head once. The hash is the same as before, over audit_content of the stored row (the time is the
-- transaction's, now()), so rows written before and after this migration verify alike.
--
-- The app role loses INSERT on audit_log (afterMigrate.sql): it appends only through audit_append, which sets
-- the time and the chain fields itself; the function runs as the owner. A row inserted around it (only the
-- owner can) carries no chain fields and GET /api/admin/audit/verify reports it.

DROP TRIGGER audit_log_chain ON audit_log;
DROP TRIGGER audit_log_store_heads ON audit_log;
DROP FUNCTION audit_log_chain();
DROP FUNCTION audit_log_store_heads();

CREATE FUNCTION audit_append(p_chain TEXT, actor_ids BIGINT[], roles TEXT[], actions TEXT[], target_types TEXT[],
                             target_ids TEXT[], event_ids BIGINT[], job_ids TEXT[], ips TEXT[], request_ids TEXT[],
                             befores TEXT[], afters TEXT[])
RETURNS INTEGER LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n INTEGER := coalesce(array_length(actions, 1), 0);
  head audit_chain_heads%ROWTYPE;
  last_seq BIGINT;
  last_hash BYTEA;
BEGIN
  IF n = 0 THEN
    RETURN 0;
  END IF;
  -- Locked until commit: the chain's next writer waits here, then reads the head this one left.
  SELECT * INTO head FROM audit_chain_heads WHERE chain = p_chain FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_chain_heads (chain, seq, hash) VALUES (p_chain, 0, '\x') ON CONFLICT (chain) DO NOTHING;
    SELECT * INTO head FROM audit_chain_heads WHERE chain = p_chain FOR UPDATE;
  END IF;
  WITH RECURSIVE linked (i, seq, prev_hash, hash) AS (
      SELECT 0, head.seq, NULL::bytea, head.hash
    UNION ALL
      SELECT l.i + 1, l.seq + 1, l.hash,
             sha256(l.hash || audit_content(ROW(NULL, now(), p_chain, l.seq + 1, actor_ids[l.i + 1], roles[l.i + 1],
                 actions[l.i + 1], target_types[l.i + 1], target_ids[l.i + 1], event_ids[l.i + 1], job_ids[l.i + 1],
                 ips[l.i + 1], request_ids[l.i + 1], befores[l.i + 1]::jsonb, afters[l.i + 1]::jsonb, NULL, NULL)::audit_log))
      FROM linked l WHERE l.i < n),
  appended AS (
    INSERT INTO audit_log (chain, seq, actor_id, actor_role, action, target_type, target_id, event_id, job_id,
                           client_ip, request_id, before, after, prev_hash, hash)
    SELECT p_chain, l.seq, actor_ids[l.i], roles[l.i], actions[l.i], target_types[l.i], target_ids[l.i], event_ids[l.i],
           job_ids[l.i], ips[l.i], request_ids[l.i], befores[l.i]::jsonb, afters[l.i]::jsonb, l.prev_hash, l.hash
    FROM linked l WHERE l.i > 0 ORDER BY l.i
    RETURNING seq, hash)
  SELECT seq, hash INTO last_seq, last_hash FROM appended ORDER BY seq DESC LIMIT 1;
  UPDATE audit_chain_heads SET seq = last_seq, hash = last_hash WHERE chain = p_chain;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION audit_append(TEXT, BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[]) FROM PUBLIC;

