-- Run by Flyway, as the owner, after every migrate (also when there was nothing to migrate): the app role's
-- privileges, set from scratch, so that tables of later migrations are covered and nothing granted by hand
-- lingers. ${appRole} is the role the service connects as; when it is the owner itself (one URL configured),
-- there is nothing to grant. docs/security.md lists the result.
DO $grants$
DECLARE
  app TEXT := '${appRole}';
  t RECORD;
BEGIN
  IF app = current_user OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app) THEN
    RETURN;
  END IF;
  -- Nodes starting together would otherwise grant on the same objects at once ("tuple concurrently updated").
  PERFORM pg_advisory_xact_lock(hashtext('aurora_grants'));
  -- No DDL for anyone but the owner: no objects in the schema, no temporary tables.
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
  BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM %I', current_database(), app);
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'the owner does not own database %, so TEMPORARY stays granted to PUBLIC', current_database();
  END;
  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', app);
  EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', app);
  -- The service's tables: rows only (no TRUNCATE, REFERENCES or TRIGGER).
  FOR t IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname <> 'flyway_schema_history' AND c.relname NOT LIKE 'audit\_%'
  LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t.relname, app);
  END LOOP;
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', app);
  -- The audit log: read, through the partitioned table only, and append through audit_append (V8), which sets
  -- the time and the chain fields itself; the chain heads: read (verification).
  EXECUTE format('GRANT SELECT ON audit_log TO %I', app);
  IF to_regprocedure('audit_append(text, bigint[], text[], text[], text[], text[], bigint[], text[], text[], text[], text[], text[])') IS NOT NULL THEN
    EXECUTE format('GRANT EXECUTE ON FUNCTION audit_append(TEXT, BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT[], TEXT[], '
        'TEXT[], TEXT[], TEXT[], TEXT[]) TO %I', app);
  ELSE
    -- Migrated only up to V7 (a test of the upgrade): rows were appended by INSERT, chained by a trigger.
    EXECUTE format('GRANT INSERT ON audit_log TO %I', app);
  END IF;
  EXECUTE format('GRANT SELECT ON audit_chain_heads TO %I', app);
END
$grants$;
