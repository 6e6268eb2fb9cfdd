package io.aurora.booking.audit;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit log against real PostgreSQL, with the application running as the app role: what the roles may do,
 * the hash chains and their verification, a row for every audited action, the admin API, and retention.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.MethodName.class)
class AuditLogTest {

  private static Vertx vertx;
  private static TestApp app;
  /** Connections as the service's own role, and as the owner that migrates. */
  private static Pool appRole;
  private static Pool owner;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    app = TestApp.start(vertx);
    appRole = pool(app.config.pgUrl());
    owner = pool(app.config.pgMigrationUrl());
  }

  @AfterAll
  static void stop() {
    await(appRole.close());
    await(owner.close());
    app.close();
    await(vertx.close());
  }

  private static Pool pool(String url) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
  }

  private static PgException refused(Pool pool, String sql) {
    return assertThrows(PgException.class, () -> await(pool.query(sql).execute()), sql);
  }

  @Test
  void theAppRoleCanAppendAndReadButNotChangeTheLogNorTheSchema() {
    assertFalse(app.config.pgUrl().equals(app.config.pgMigrationUrl()), "the service runs as a role of its own");
    assertEquals("aurora_app", await(appRole.query("SELECT current_user").execute()).iterator().next().getString(0));
    app.createEvent(5);
    assertTrue(TestApp.await(appRole.query("SELECT count(*) FROM audit_log").execute()).iterator().next().getLong(0) > 0);

    for (String sql : List.of("UPDATE audit_log SET action = 'event.deleted'", "DELETE FROM audit_log",
        "TRUNCATE audit_log", "UPDATE audit_chain_heads SET seq = 0", "DELETE FROM audit_chain_heads",
        "CREATE TABLE intruder (id int)", "CREATE TEMP TABLE intruder (id int)", "DROP TABLE events",
        "ALTER TABLE events ADD COLUMN x int", "TRUNCATE bookings", "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "SELECT * FROM audit_maintain(1)")) {
      assertEquals("42501", refused(appRole, sql).getSqlState(), "insufficient privilege for: " + sql);
    }
    // Partitions are tables too: direct access to one is no way around the parent's privileges.
    String partition = await(owner.query("SELECT 'audit_log_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')").execute())
        .iterator().next().getString(0);
    assertEquals("42501", refused(appRole, "DELETE FROM " + partition).getSqlState());
    // Appending goes through audit_append only, which sets the time and the chain fields itself.
    assertEquals("42501", refused(appRole, "INSERT INTO audit_log (chain, action, seq, hash) VALUES ('api', 'queue.paused', 999, '\\x00')")
        .getSqlState());
    long headBefore = app.queryLong("SELECT seq FROM audit_chain_heads WHERE chain = 'api'");
    await(appRole.query("""
        SELECT audit_append('api', ARRAY[NULL]::bigint[], ARRAY['SYSTEM'], ARRAY['queue.paused'], ARRAY[NULL]::text[],
          ARRAY[NULL]::text[], ARRAY[NULL]::bigint[], ARRAY[NULL]::text[], ARRAY[NULL]::text[], ARRAY[NULL]::text[],
          ARRAY[NULL]::text[], ARRAY['{}'])""").execute());
    Row appended = await(app.db.query("SELECT seq, hash FROM audit_log "
        + "WHERE chain = 'api' ORDER BY seq DESC LIMIT 1").execute()).iterator().next();
    assertEquals(headBefore + 1, appended.getLong("seq"));
    assertEquals(32, appended.getBuffer("hash").length());
  }

  @Test
  void theOwnerIsRefusedUpdatesDeletesAndTruncatesToo() {
    app.createEvent(5);
    for (String sql : List.of("UPDATE audit_log SET action = 'event.deleted'", "DELETE FROM audit_log", "TRUNCATE audit_log")) {
      PgException refusal = refused(owner, sql);
      assertTrue(refusal.getMessage().contains("append-only"), refusal.getMessage());
    }
  }

  @Test
  void everyAuditedActionLeavesItsRow() {
    Instant before = Instant.now().minusSeconds(1);
    long admin = app.queryLong("SELECT id FROM users WHERE email = $1", TestApp.ADMIN_EMAIL);
    assertTrue(app.queryLong("SELECT count(*) FROM audit_log WHERE action = 'auth.admin_bootstrapped' AND target_id = $1",
        Long.toString(admin)) >= 1, "admin bootstrap");

    TestUser user = app.user();
    HttpResponse<Buffer> login = app.post("/api/auth/login", null,
        new JsonObject().put("email", user.email()).put("password", TestApp.USER_PASSWORD));
    assertEquals(200, login.statusCode());
    assertEquals(401, app.post("/api/auth/login", null,
        new JsonObject().put("email", user.email()).put("password", "wrong-password")).statusCode());
    assertEquals(401, app.post("/api/auth/login", null,
        new JsonObject().put("email", "nobody@test.local").put("password", "wrong-password")).statusCode());

    long eventId = app.createEvent(10);
    assertEquals(200, app.put("/api/events/" + eventId + "/update", app.adminToken(), new JsonObject().put("capacity", 12)).statusCode());
    String jobId = app.bookJob(user.token(), eventId);
    long bookingId = app.awaitJob(jobId).getJsonObject("result").getLong("bookingId");
    assertEquals(200, app.delete("/api/bookings/" + bookingId + "/cancel", user.token()).statusCode());
    assertEquals(200, app.post("/api/admin/queue/pause?eventId=" + eventId, app.adminToken(), null).statusCode());
    assertEquals(200, app.post("/api/admin/queue/resume?eventId=" + eventId, app.adminToken(), null).statusCode());
    assertEquals(200, app.post("/api/admin/queue/clean?olderThan=0", app.adminToken(), null).statusCode());
    assertEquals(200, app.delete("/api/events/" + eventId + "/delete", app.adminToken()).statusCode());
    HttpResponse<Buffer> changed = app.post("/api/auth/password", user.token(),
        new JsonObject().put("currentPassword", TestApp.USER_PASSWORD).put("newPassword", "a-new-password-456"));
    assertEquals(200, changed.statusCode(), changed.bodyAsString());
    String token = changed.bodyAsJsonObject().getString("token");
    HttpResponse<Buffer> deleted = app.http.delete("/api/auth/me").bearerTokenAuthentication(token)
        .putHeader("X-Request-Id", "req-delete-me-1").send().toCompletionStage().toCompletableFuture().join();
    assertEquals(200, deleted.statusCode());
    assertEquals("req-delete-me-1", deleted.getHeader("X-Request-Id"), "the request id is echoed");

    // A decision's row is appended by the notification dispatcher from its outbox row, after the job is answered.
    awaitCondition("the decision's audit row", Duration.ofSeconds(10),
        () -> app.queryLong("SELECT count(*) FROM audit_log WHERE action = 'booking.decided' AND job_id = $1", jobId) == 1);
    List<Row> rows = app.queryRows("""
        SELECT action, actor_id, actor_role, target_type, target_id, event_id, job_id, client_ip, request_id, before, after
        FROM audit_log WHERE at >= $1 ORDER BY id""", before.atOffset(java.time.ZoneOffset.UTC));
    // (the admin logs in during the test too, for its token)
    Row ok = only(rows.stream().filter(r -> r.getLong("actor_id") != null && r.getLong("actor_id") == user.id()).toList(),
        "auth.login_succeeded");
    assertEquals(user.id(), ok.getLong("actor_id"));
    assertEquals("127.0.0.1", ok.getString("client_ip"));
    assertNotNull(ok.getString("request_id"));
    List<Row> failed = rows.stream().filter(r -> "auth.login_failed".equals(r.getString("action"))).toList();
    assertEquals(2, failed.size());
    assertEquals(Long.toString(user.id()), failed.get(0).getString("target_id"), "a failed login names the account by id");
    assertNull(failed.get(1).getString("target_id"), "an unknown e-mail names nothing");
    assertFalse(rows.stream().anyMatch(r -> String.valueOf(r.getValue("after")).contains("@")), "no e-mail in the log");

    Row created = only(rows, "event.created");
    assertEquals(admin, created.getLong("actor_id"));
    assertEquals("ADMIN", created.getString("actor_role"));
    assertEquals(eventId, created.getLong("event_id"));
    Row updated = only(rows, "event.updated");
    assertEquals(10, updated.getJsonObject("before").getInteger("capacity"));
    assertEquals(12, updated.getJsonObject("after").getInteger("capacity"));
    Row decided = only(rows, "booking.decided");
    assertEquals(jobId, decided.getString("job_id"));
    assertEquals(user.id(), decided.getLong("actor_id"));
    assertEquals("CONFIRMED", decided.getJsonObject("after").getString("status"));
    assertEquals(bookingId, decided.getJsonObject("after").getLong("bookingId"));
    Row cancelled = only(rows, "booking.cancelled");
    assertEquals(user.id(), cancelled.getLong("actor_id"));
    assertEquals(Long.toString(bookingId), cancelled.getString("target_id"));
    assertEquals("CANCELLED", cancelled.getJsonObject("after").getString("status"));
    assertEquals(eventId, only(rows, "queue.paused").getLong("event_id"));
    assertEquals(eventId, only(rows, "queue.resumed").getLong("event_id"));
    only(rows, "queue.cleaned");
    assertTrue(only(rows, "event.deleted").getJsonObject("after").getBoolean("deleted"));
    Row passwordChanged = only(rows, "auth.password_changed");
    assertEquals(user.id(), passwordChanged.getLong("actor_id"));
    assertEquals(Long.toString(user.id()), passwordChanged.getString("target_id"));
    assertFalse(String.valueOf(passwordChanged.getValue("after")).contains("a-new-password"), "no password in the log");
    Row gone = only(rows, "auth.account_deleted");
    assertEquals(user.id(), gone.getLong("actor_id"), "the deleted account keeps its id in the log");
    assertEquals("req-delete-me-1", gone.getString("request_id"));

    assertTrue(verify().getBoolean("valid"), verify().encode());
  }

  private static Row only(List<Row> rows, String action) {
    List<Row> matching = rows.stream().filter(r -> action.equals(r.getString("action"))).toList();
    assertEquals(1, matching.size(), action + " rows");
    return matching.get(0);
  }

  @Test
  void theListPagesWithACursorFiltersAndExportsTheSameRows() {
    long eventId = app.createEvent(10);
    for (int i = 0; i < 5; i++) {
      assertEquals(200, app.put("/api/events/" + eventId + "/update", app.adminToken(), new JsonObject().put("capacity", 20 + i)).statusCode());
    }
    String query = "?event=" + eventId + "&action=event.updated&limit=2";
    List<Long> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = app.get("/api/admin/audit" + query + (cursor == null ? "" : "&cursor=" + cursor), app.adminToken()).bodyAsJsonObject();
      JsonArray entries = page.getJsonArray("entries");
      assertTrue(entries.size() <= 2);
      entries.forEach(e -> {
        JsonObject entry = (JsonObject) e;
        assertEquals("event.updated", entry.getString("action"));
        assertEquals(eventId, entry.getLong("eventId"));
        seen.add(entry.getLong("id"));
      });
      cursor = page.getString("next");
    } while (cursor != null);
    assertEquals(5, seen.size());
    assertEquals(5, new HashSet<>(seen).size(), "no row twice across pages");
    List<Long> newestFirst = new ArrayList<>(seen);
    newestFirst.sort((a, b) -> Long.compare(b, a));
    assertEquals(newestFirst, seen);

    HttpResponse<Buffer> export = app.get("/api/admin/audit/export?event=" + eventId, app.adminToken());
    assertEquals(200, export.statusCode());
    assertTrue(export.getHeader("Content-Type").startsWith("text/plain"));
    List<JsonObject> lines = export.bodyAsString().lines().map(JsonObject::new).toList();
    assertEquals(6, lines.size(), "created, and five updates: " + export.bodyAsString());
    assertTrue(lines.stream().allMatch(l -> l.getLong("eventId") == eventId));

    JsonObject none = app.get("/api/admin/audit?from=" + Instant.now().plusSeconds(3600), app.adminToken()).bodyAsJsonObject();
    assertEquals(0, none.getJsonArray("entries").size());
    assertNull(none.getValue("next"));
    assertEquals(400, app.get("/api/admin/audit?action=nonsense", app.adminToken()).statusCode());
    assertEquals(400, app.get("/api/admin/audit?from=yesterday", app.adminToken()).statusCode());
    assertEquals(403, app.get("/api/admin/audit", app.user().token()).statusCode());
    assertEquals(401, app.get("/api/admin/audit/verify", null).statusCode());
  }

  private static JsonObject verify() {
    HttpResponse<Buffer> response = app.get("/api/admin/audit/verify", app.adminToken());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  /** The last test of the class (methods run by name): it leaves a broken chain behind. */
  @Test
  void zTheChainVerifiesAndARowAlteredByTheOwnerIsFound() {
    long eventId = app.createEvent(10);
    app.put("/api/events/" + eventId + "/update", app.adminToken(), new JsonObject().put("name", "Renamed"));
    app.put("/api/events/" + eventId + "/update", app.adminToken(), new JsonObject().put("name", "Renamed again"));
    JsonObject valid = verify();
    assertTrue(valid.getBoolean("valid"), valid.encode());
    assertNull(valid.getValue("firstBroken"));

    Row victim = app.queryRows("SELECT id, chain, seq FROM audit_log WHERE action = 'event.updated' AND event_id = $1 ORDER BY seq LIMIT 1",
        eventId).get(0);
    // Behind the application's back: the owner switches the guard off, rewrites history, switches it on again.
    await(owner.withTransaction(conn -> conn.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only").execute()
        .compose(v -> conn.preparedQuery("UPDATE audit_log SET after = jsonb_set(after, '{name}', '\"Forged\"') WHERE id = $1")
            .execute(io.vertx.sqlclient.Tuple.of(victim.getLong("id"))))
        .compose(v -> conn.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only").execute())));

    JsonObject broken = verify();
    assertFalse(broken.getBoolean("valid"));
    JsonObject first = broken.getJsonObject("firstBroken");
    assertEquals(victim.getString("chain"), first.getString("chain"));
    assertEquals(victim.getLong("seq"), first.getLong("seq"));
    assertEquals(victim.getLong("id"), first.getLong("id"));
    assertEquals("hash", first.getString("fault"));
  }

  @Test
  void retentionDropsWholeOldPartitionsAndMakesNextMonthsAhead() {
    String thisMonth = await(owner.query("SELECT 'audit_log_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')").execute())
        .iterator().next().getString(0);
    List<String> partitions = partitions();
    assertTrue(partitions.contains(thisMonth), partitions.toString());
    assertEquals(4, partitions.size(), "this month, the next two, and the default: " + partitions);

    // A year and two months on, with 12 months kept, this month's partition is past retention. Done in a
    // transaction that is then rolled back, so the other tests of the class keep their rows.
    List<String> changes = new ArrayList<>();
    List<String> after = new ArrayList<>();
    long rowsBefore = app.queryLong("SELECT count(*) FROM " + thisMonth);
    assertTrue(rowsBefore > 0, "the partition holds rows");
    assertThrows(RollbackOnPurpose.class, () -> await(owner.withTransaction(conn -> conn
        .query("SELECT change || ' ' || partition_name FROM audit_maintain(12, 2, now() + interval '14 months')").execute()
        .compose(rows -> {
          rows.forEach(row -> changes.add(row.getString(0)));
          return conn.query(PARTITIONS).execute();
        })
        .compose(rows -> {
          rows.forEach(row -> after.add(row.getString(0)));
          return Future.failedFuture(new RollbackOnPurpose());
        }))));
    assertTrue(changes.contains("dropped " + thisMonth), changes.toString());
    assertTrue(changes.stream().anyMatch(c -> c.startsWith("created ")), changes.toString());
    assertFalse(after.contains(thisMonth), after.toString());
    assertTrue(after.contains("audit_log_default"));
    assertEquals(rowsBefore, app.queryLong("SELECT count(*) FROM " + thisMonth), "rolled back");
  }

  private static final String PARTITIONS = """
      SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_log'::regclass""";

  private static final class RollbackOnPurpose extends RuntimeException {
  }

  private static List<String> partitions() {
    return app.queryRows(PARTITIONS).stream().map(r -> r.getString(0)).toList();
  }
}
