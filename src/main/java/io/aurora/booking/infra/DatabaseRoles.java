package io.aurora.booking.infra;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * The two roles of least privilege, made by a superuser where this code runs the server (embedded mode, the
 * test harness): the owner, which owns the database, its schema and every object in it and runs the
 * migrations (DDL), and the app role the service connects as, which {@code afterMigrate.sql} grants row
 * access only. With an external server an operator does the same by hand (docs/security.md).
 */
public final class DatabaseRoles {

  public static final String OWNER = "aurora_owner";
  public static final String APP = "aurora_app";
  /** Passwords are generated (base64url), so they are written into SQL without any quoting issue. */
  private static final Pattern SAFE = Pattern.compile("^[A-Za-z0-9_-]{16,200}$");
  private static final Pattern ROLE = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");

  private DatabaseRoles() {
  }

  /**
   * Run as a superuser connected to the service's database: makes (or updates) both roles with these
   * passwords (null: none), and gives the database, its {@code public} schema and what is in it to the owner
   * (objects made by earlier versions, which migrated as the superuser, included). Idempotent.
   */
  public static void prepare(Connection superuser, String owner, String ownerPassword, String app, String appPassword)
      throws SQLException {
    try (Statement s = superuser.createStatement()) {
      ensureRole(s, owner, ownerPassword);
      ensureRole(s, app, appPassword);
      s.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO " + owner + "', current_database()); END $$");
      s.execute("ALTER SCHEMA public OWNER TO " + owner);
      s.execute("""
          DO $$
          DECLARE o RECORD;
          BEGIN
            FOR o IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> '%1$s'::regrole LOOP
              EXECUTE format('ALTER TABLE %%s OWNER TO %1$s', o.name);
            END LOOP;
            FOR o IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = 'public' AND p.proowner <> '%1$s'::regrole LOOP
              EXECUTE format('ALTER ROUTINE %%s OWNER TO %1$s', o.name);
            END LOOP;
          END $$""".formatted(owner));
    }
  }

  private static void ensureRole(Statement s, String role, String password) throws SQLException {
    if (!ROLE.matcher(role).matches() || (password != null && !SAFE.matcher(password).matches())) {
      throw new IllegalArgumentException("Unsafe role name or password for role " + role);
    }
    // Two test JVMs on one server may race to make it: whoever loses finds it made.
    s.execute("DO $$ BEGIN CREATE ROLE " + role + " LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
    s.execute("ALTER ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD "
        + (password == null ? "NULL" : "'" + password + "'"));
  }
}
