-- The audit log: append-only, hash-chained, partitioned by month.
--
-- Append-only is enforced here, not by the application: the app role gets INSERT and SELECT only (see
-- afterMigrate.sql), and a trigger refuses UPDATE, DELETE and TRUNCATE for every role, the owner included.
-- Retention drops whole monthly partitions (audit_maintain, run by the owner): no row is ever changed.
--
-- Tamper evidence: rows form chains, one per serial writer (a shard's worker, the HTTP side). A BEFORE
-- INSERT trigger numbers each row in its chain and sets hash = sha256(prev_hash || canonical content), the
-- chain's head living in audit_chain_heads, which only the owner (through the trigger) writes. The head row
-- is locked until commit, so writers of one chain take turns; writers of different chains never wait for
-- each other, and a shard worker only ever waits for itself.

CREATE TABLE audit_log (
  id           BIGINT GENERATED ALWAYS AS IDENTITY,
  -- The transaction's time, refused when set otherwise (a row cannot be filed under an older month).
  at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  chain        TEXT NOT NULL CHECK (chain ~ '^[a-z0-9-]{1,64}$'),
  seq          BIGINT NOT NULL DEFAULT 0,
  actor_id     BIGINT,
  actor_role   TEXT CHECK (actor_role IN ('USER', 'ADMIN', 'SYSTEM')),
  action       TEXT NOT NULL CHECK (action ~ '^[a-z_.]{1,64}$'),
  target_type  TEXT CHECK (length(target_type) BETWEEN 1 AND 32),
  target_id    TEXT CHECK (length(target_id) BETWEEN 1 AND 200),
  event_id     BIGINT,
  job_id       TEXT CHECK (length(job_id) BETWEEN 1 AND 64),
  client_ip    TEXT CHECK (length(client_ip) BETWEEN 1 AND 64),
  request_id   TEXT CHECK (length(request_id) BETWEEN 1 AND 64),
  before       JSONB,
  after        JSONB,
  prev_hash    BYTEA NOT NULL DEFAULT '\x',
  hash         BYTEA NOT NULL DEFAULT '\x'
) PARTITION BY RANGE (at);

-- Keyset pagination (newest first) and the filters of GET /api/admin/audit; the chain order for verification.
CREATE INDEX audit_log_id ON audit_log (id);
CREATE INDEX audit_log_event ON audit_log (event_id, id) WHERE event_id IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log (actor_id, id) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_chain ON audit_log (chain, seq);

-- Where rows land should no monthly partition exist for their month (maintenance stopped for months).
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

CREATE TABLE audit_chain_heads (
  chain  TEXT PRIMARY KEY,
  seq    BIGINT NOT NULL CHECK (seq >= 0),
  hash   BYTEA NOT NULL
);

-- The canonical content a row's hash covers: every column but id (assigned by a sequence, not part of the
-- fact) and the hashes themselves, as JSON text (jsonb prints one way), the time as epoch microseconds.
CREATE FUNCTION audit_content(r audit_log) RETURNS BYTEA LANGUAGE sql STABLE AS $$
  SELECT convert_to(jsonb_build_array(r.chain, r.seq, (extract(epoch FROM r.at) * 1000000)::bigint, r.actor_id,
      r.actor_role, r.action, r.target_type, r.target_id, r.event_id, r.job_id, r.client_ip, r.request_id,
      r.before, r.after)::text, 'UTF8')
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  head audit_chain_heads%ROWTYPE;
BEGIN
  IF NEW.at IS DISTINCT FROM now() THEN
    RAISE EXCEPTION 'audit_log.at is the transaction time and cannot be set';
  END IF;
  -- Locked until commit: the chain's next writer waits here, then reads the head this one left.
  SELECT * INTO head FROM audit_chain_heads WHERE chain = NEW.chain FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_chain_heads (chain, seq, hash) VALUES (NEW.chain, 0, '\x') ON CONFLICT (chain) DO NOTHING;
    SELECT * INTO head FROM audit_chain_heads WHERE chain = NEW.chain FOR UPDATE;
  END IF;
  NEW.seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := sha256(head.hash || audit_content(NEW));
  UPDATE audit_chain_heads SET seq = NEW.seq, hash = NEW.hash WHERE chain = NEW.chain;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Row triggers of a partitioned table are cloned onto every partition, present and future.
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
-- Statement triggers are not: TRUNCATE is refused on the parent here, on each partition when it is made.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log_default
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Partition upkeep, run by the owner (at start and daily, any node; serialised here): makes the monthly
-- partitions of this month and the next ahead_months, and drops the partitions wholly older than
-- retention_months before this month (null: drop nothing). p_now is "now" (tests move it).
CREATE FUNCTION audit_maintain(retention_months INTEGER, ahead_months INTEGER DEFAULT 2, p_now TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (change TEXT, partition_name TEXT) LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  this_month TIMESTAMP := date_trunc('month', p_now AT TIME ZONE 'UTC');
  month_start TIMESTAMP;
  part_name TEXT;
  part RECORD;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('audit_maintain'));
  FOR i IN 0 .. ahead_months LOOP
    month_start := this_month + make_interval(months => i);
    part_name := 'audit_log_p' || to_char(month_start, 'YYYYMM');
    IF to_regclass(part_name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)', part_name,
            month_start AT TIME ZONE 'UTC', (month_start + interval '1 month') AT TIME ZONE 'UTC');
        EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I'
            ' FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()', part_name);
        change := 'created'; partition_name := part_name; RETURN NEXT;
      EXCEPTION WHEN check_violation THEN
        -- The default partition holds rows of that month already; they stay there (still chained, still read).
        RAISE WARNING 'audit partition % not created: the default partition has rows of that month', part_name;
      END;
    END IF;
  END LOOP;
  IF retention_months IS NOT NULL THEN
    FOR part IN
      SELECT c.relname FROM pg_inherits inh JOIN pg_class c ON c.oid = inh.inhrelid
      WHERE inh.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_p[0-9]{6}$'
        AND to_timestamp(right(c.relname, 6), 'YYYYMM')::timestamp < this_month - make_interval(months => retention_months)
    LOOP
      EXECUTE format('DROP TABLE %I', part.relname);
      change := 'dropped'; partition_name := part.relname; RETURN NEXT;
    END LOOP;
  END IF;
END
$$;
REVOKE ALL ON FUNCTION audit_maintain(INTEGER, INTEGER, TIMESTAMPTZ) FROM PUBLIC;

SELECT audit_maintain(NULL);
