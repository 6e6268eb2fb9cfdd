package io.aurora.booking.infra;

import io.vertx.pgclient.PgConnectOptions;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Flyway migrations from {@code db/migration}, run as the owner role, and the owner's other chore, the audit
 * log's monthly partitions. After every migrate, {@code afterMigrate.sql} sets the app role's privileges
 * afresh (row access only). Blocking: call from a worker thread.
 */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {
  }

  /** Migrates as the owner of {@code migrationUrl} and grants the role of {@code appUrl} what the service needs. */
  public static void migrate(String migrationUrl, String appUrl) {
    migrate(migrationUrl, appUrl, "latest");
  }

  /** {@link #migrate(String, String)} up to the migration {@code target} only ("latest": all; tests of an upgrade). */
  public static void migrate(String migrationUrl, String appUrl, String target) {
    PgConnectOptions owner = PgConnectOptions.fromUri(migrationUrl);
    Flyway.configure()
        .dataSource(jdbcUrl(owner), owner.getUser(), owner.getPassword())
        .locations("classpath:db/migration")
        .placeholders(Map.of("appRole", PgConnectOptions.fromUri(appUrl).getUser()))
        .target(target)
        .load()
        .migrate();
  }

  /** The same role migrates and serves (tools, tests of a single role). */
  public static void migrate(String pgUrl) {
    migrate(pgUrl, pgUrl);
  }

  /**
   * Makes this month's and the next two months' audit partitions and drops the ones older than
   * {@code retentionMonths} before this month; returns what changed ("created audit_log_p202701", ...).
   * Idempotent, and serialised in the database, so any node may run it at any time.
   */
  public static List<String> maintainAudit(String migrationUrl, int retentionMonths) {
    PgConnectOptions owner = PgConnectOptions.fromUri(migrationUrl);
    List<String> changes = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl(owner), owner.getUser(), owner.getPassword());
         PreparedStatement s = c.prepareStatement("SELECT change, partition_name FROM audit_maintain(?)")) {
      s.setInt(1, retentionMonths);
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          changes.add(rows.getString(1) + " " + rows.getString(2));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Audit partition upkeep failed: " + e.getMessage(), e);
    }
    if (!changes.isEmpty()) {
      LOG.info("Audit partitions: {}", changes);
    }
    return changes;
  }

  private static String jdbcUrl(PgConnectOptions options) {
    return "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }
}
