package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded servers as the service starts them by default: durable (read back from the running
 * servers, not from what was asked of them), and their files readable by their owner only.
 */
class EmbeddedServicesTest {

  @TempDir
  static Path parent;
  private static Path dataDir;
  private static EmbeddedServices services;

  @BeforeAll
  static void start() {
    dataDir = parent.resolve("data");
    services = EmbeddedServices.start(new AppConfig(new JsonObject().put("dataDir", dataDir.toString())));
  }

  @AfterAll
  static void stop() {
    services.close();
  }

  @Test
  void postgresFlushesEveryCommit() throws SQLException {
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      assertEquals("on", show(s, "fsync"));
      assertEquals("on", show(s, "synchronous_commit"));
      assertEquals("on", show(s, "full_page_writes"));
    }
  }

  @Test
  void redisFsyncsItsAppendOnlyFileBeforeAnswering() throws IOException {
    assertEquals(List.of("appendonly", "yes"), redis("CONFIG GET appendonly"));
    assertEquals(List.of("appendfsync", "always"), redis("CONFIG GET appendfsync"));
    assertEquals(List.of("maxmemory-policy", "noeviction"), redis("CONFIG GET maxmemory-policy"));
  }

  @Test
  void theDataIsReadableByItsOwnerOnly() throws IOException, SQLException {
    // Something in each server's files, and a secret: what another local user must not read.
    redis("SET owner-only-check 1");
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS owner_only_check (id int)");
    }
    assertEquals("rwx------", mode(dataDir));
    assertEquals("rw-------", mode(dataDir.resolve("jwt-secret")));
    assertEquals("rwx------", mode(dataDir.resolve("postgres")));
    assertEquals("rwx------", mode(dataDir.resolve("redis")));
    assertEquals("rw-------", mode(dataDir.resolve("redis").resolve("appendonly.aof")));
    assertEquals("rw-------", mode(dataDir.resolve("redis").resolve("redis.conf")));
    assertEquals("rw-------", mode(dataDir.resolve("postgres.log")));
    assertEquals("rw-------", mode(dataDir.resolve("redis.log")));
    assertEquals("rw-------", mode(dataDir.resolve("postgres").resolve("postgresql.conf")));
    try (Stream<Path> all = Files.walk(dataDir)) {
      for (Path path : all.toList()) {
        String mode = mode(path);
        assertTrue(mode.endsWith("---"), path + " is " + mode + ": others may use it");
      }
    }
  }

  @Test
  void theServiceGetsTheAppRoleAndTheMigrationsTheOwnerEachWithAGeneratedPassword() throws SQLException, IOException {
    URI app = URI.create(services.config().pgUrl());
    URI owner = URI.create(services.config().pgMigrationUrl());
    assertEquals(DatabaseRoles.APP, app.getUserInfo().split(":")[0]);
    assertEquals(DatabaseRoles.OWNER, owner.getUserInfo().split(":")[0]);
    assertEquals(Files.readString(dataDir.resolve("pg-app-password")).trim(), app.getUserInfo().split(":")[1]);
    assertEquals("rw-------", mode(dataDir.resolve("pg-app-password")));
    assertEquals("rw-------", mode(dataDir.resolve("pg-owner-password")));
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
          + " WHERE rolname IN ('aurora_app', 'aurora_owner') ORDER BY 1")) {
        for (int i = 0; i < 2; i++) {
          assertTrue(rs.next());
          assertTrue(!rs.getBoolean(2) && !rs.getBoolean(3) && !rs.getBoolean(4), rs.getString(1) + " is no superuser");
        }
      }
      // A table an earlier version made as the superuser goes to the owner (what every start does).
      s.execute("CREATE TABLE made_by_an_earlier_version (id int)");
      DatabaseRoles.prepare(c, DatabaseRoles.OWNER, "owner-password-0123456789", DatabaseRoles.APP, "app-password-0123456789");
      try (ResultSet rs = s.executeQuery("SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_an_earlier_version'")) {
        assertTrue(rs.next());
        assertEquals(DatabaseRoles.OWNER, rs.getString(1));
      }
      s.execute("DROP TABLE made_by_an_earlier_version");
      // Put the passwords back as the data directory has them.
      DatabaseRoles.prepare(c, DatabaseRoles.OWNER, owner.getUserInfo().split(":")[1], DatabaseRoles.APP, app.getUserInfo().split(":")[1]);
    }
  }

  @Test
  void aSecretFileLeftReadableByAnEarlierVersionIsMadeOwnerOnly() throws IOException {
    Path old = parent.resolve("old-data");
    Files.createDirectories(old);
    Files.writeString(old.resolve("jwt-secret"), "a-secret-from-an-earlier-version-of-the-service-0123456789");
    Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(old.resolve("jwt-secret"), PosixFilePermissions.fromString("rw-r--r--"));
    try (EmbeddedServices again = EmbeddedServices.start(new AppConfig(new JsonObject().put("dataDir", old.toString())
        .put("redisUrl", "redis://127.0.0.1:1")))) {
      assertEquals("a-secret-from-an-earlier-version-of-the-service-0123456789", again.config().jwtSecret());
      assertFalse(again.servers().isEmpty());
    }
    assertEquals("rwx------", mode(old));
    assertEquals("rw-------", mode(old.resolve("jwt-secret")));
  }

  @Test
  void aPostgresThatCannotStartSaysWhyWithItsOwnLog() throws IOException {
    Path dir = parent.resolve("unstartable");
    Path log = parent.resolve("unstartable.log");
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
      IOException failed = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> EmbeddedPostgresServer.start(dir, log, taken.getLocalPort(), true));
      assertTrue(failed.getMessage().contains("port " + taken.getLocalPort()), failed.getMessage());
      List<String> logLines = Files.readAllLines(log);
      assertFalse(logLines.isEmpty());
      assertTrue(failed.getMessage().contains(logLines.get(logLines.size() - 1)), "quotes the server's log: " + failed.getMessage());
    }
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static String show(Statement s, String setting) throws SQLException {
    try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Connection jdbc() throws SQLException {
    URI uri = URI.create(services.config().pgUrl());
    return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), "postgres", null);
  }

  /** One inline command; the reply's lines without their RESP prefixes. */
  private static List<String> redis(String command) throws IOException {
    URI uri = URI.create(services.config().redisUrl());
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String first = in.readLine();
      if (!first.startsWith("*")) {
        return List.of(first.substring(1));
      }
      int elements = Integer.parseInt(first.substring(1));
      java.util.ArrayList<String> values = new java.util.ArrayList<>();
      for (int i = 0; i < elements; i++) {
        in.readLine(); // $length
        values.add(in.readLine());
      }
      return values;
    }
  }
}
