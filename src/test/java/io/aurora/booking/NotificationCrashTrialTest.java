package io.aurora.booking;

import com.sun.net.httpserver.HttpServer;
import io.aurora.booking.notifications.WebhookReceiver;
import io.aurora.booking.testing.JarProcess;
import io.aurora.booking.testing.JdkHttp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "A kill -9 between the commit and the delivery loses no notification" (issue 13), tried as it would happen:
 * the fat jar as a process of its own on embedded PostgreSQL and Redis, a webhook to a real HTTP receiver in
 * this test that answers 503 at first; a crowd books; once every decision and its outbox row have committed
 * and the receiver has refused attempts (so the rows are committed and undelivered, checked in PostgreSQL), the
 * JVM and both servers are killed with {@code kill -9}; the receiver then accepts, the service is started again
 * on the same data, and every committed decision's notification arrives, once after deduplication by
 * {@code webhook-id}, signed, counted against the bookings and the outbox in PostgreSQL.
 */
@Tag("crash")
class NotificationCrashTrialTest {

  private static final int CAPACITY = 20;
  private static final int REQUESTS = 25;
  private static final String ADMIN_EMAIL = "admin@crash.local";
  private static final String ADMIN_PASSWORD = "crash-trial-admin-password";

  @TempDir
  Path work;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private int port;

  /** What the receiver saw: every call, and the accepted bodies by webhook-id (deduplicated). */
  private final List<WebhookReceiver.Call> calls = new CopyOnWriteArrayList<>();
  private final Map<String, WebhookReceiver.Call> accepted = new ConcurrentHashMap<>();
  private final AtomicBoolean accepting = new AtomicBoolean(false);

  @Test
  void notificationsCommittedBeforeAKillAreDeliveredAfterTheRestart() throws Exception {
    HttpServer receiver = receiver();
    Path dataDir = work.resolve("data");
    port = TestServices.freePort();
    JarProcess service = JarProcess.start(dataDir, port, env(), work.resolve("service.log"));
    try {
      service.awaitReady(Duration.ofSeconds(120));
      String admin = login();
      String secret = new JsonObject(post("/api/admin/webhooks", admin, new JsonObject()
          .put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
          .put("events", new JsonArray().add("booking.confirmed").add("booking.failed")).encode())).getString("secret");
      long eventId = new JsonObject(post("/api/events/create", admin, new JsonObject().put("name", "Notification crash " + Instant.now())
          .put("venue", "Lab").put("startsAt", Instant.now().plus(Duration.ofDays(1)).toString()).put("capacity", CAPACITY)
          .encode())).getLong("id");
      List<String> jobs = bookAll(admin, eventId);
      assertEquals(REQUESTS, jobs.size());

      // Committed and not delivered: every decision's outbox row is in PostgreSQL, attempts were refused, none delivered.
      int pg = service.postgresPort();
      awaitCondition("every decision and its outbox row committed, and refused attempts", Duration.ofSeconds(120),
          () -> outboxIds(pg, eventId).size() == REQUESTS && !calls.isEmpty());
      assertEquals(0, count(pg, "SELECT count(*) FROM notification_deliveries WHERE status = 'DELIVERED'"));
      assertTrue(accepted.isEmpty());

      service.killAll();
      accepting.set(true);
      service = JarProcess.start(dataDir, port, env(), work.resolve("service.log"));
      service.awaitReady(Duration.ofSeconds(120));

      int pgAgain = service.postgresPort();
      Map<Long, String> outbox = outboxIds(pgAgain, eventId);
      assertEquals(REQUESTS, outbox.size(), "one outbox row per decided job, committed before the kill");
      Set<String> expected = new HashSet<>();
      outbox.keySet().forEach(id -> expected.add("msg_" + id));
      awaitCondition("every committed notification delivered after the restart", Duration.ofSeconds(120),
          () -> accepted.keySet().containsAll(expected));

      // Counted against the decisions in PostgreSQL: each job once, each booking with its confirmation.
      assertEquals(expected, accepted.keySet(), "nothing else was announced");
      Map<String, JsonObject> byJob = new HashMap<>();
      for (WebhookReceiver.Call call : accepted.values()) {
        assertTrue(WebhookReceiver.signatureValid(call, secret), "signature of " + call.id());
        JsonObject data = call.json().getJsonObject("data");
        assertEquals(null, byJob.put(data.getString("jobId"), call.json()), "one message per job: " + data);
      }
      assertEquals(new HashSet<>(jobs), byJob.keySet(), "every accepted request's decision was announced");
      Map<String, Long> bookings = confirmedBookings(pgAgain, eventId);
      assertEquals(CAPACITY, bookings.size());
      bookings.forEach((job, bookingId) -> {
        assertEquals("booking.confirmed", byJob.get(job).getString("type"), job);
        assertEquals(bookingId, byJob.get(job).getJsonObject("data").getLong("bookingId"), job);
      });
      assertEquals(REQUESTS - CAPACITY, byJob.values().stream().filter(m -> "booking.failed".equals(m.getString("type"))).count());
      // The webhook-id of a message is the same before the kill and after it (receivers deduplicate by it).
      Set<String> refusedBefore = new HashSet<>();
      calls.stream().filter(c -> c.answered() == 503).forEach(c -> refusedBefore.add(c.id()));
      assertTrue(expected.containsAll(refusedBefore), "the refused attempts were of the same messages");
      awaitCondition("the deliveries recorded", Duration.ofSeconds(60), () -> count(pgAgain,
          "SELECT count(*) FROM notification_deliveries WHERE status = 'DELIVERED'") == REQUESTS);
    } finally {
      service.stop();
      receiver.stop(0);
    }
  }

  private static Map<String, String> env() {
    return Map.ofEntries(
        Map.entry("BOOKING_ADMIN_EMAIL", ADMIN_EMAIL), Map.entry("BOOKING_ADMIN_PASSWORD", ADMIN_PASSWORD),
        Map.entry("BOOKING_BENCH_MODE", "true"), Map.entry("BOOKING_BCRYPT_COST", "4"),
        // Every job is decided in PostgreSQL (the sold-out fast path's announcements are at most once, by design).
        Map.entry("BOOKING_SOLD_OUT_ANSWERS_PER_TAKE", "0"),
        Map.entry("BOOKING_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
        Map.entry("BOOKING_WEBHOOK_TIMEOUT_MILLIS", "2000"),
        Map.entry("BOOKING_NOTIFICATION_POLL_MILLIS", "50"),
        Map.entry("BOOKING_NOTIFICATION_RETRY_BASE_MILLIS", "200"),
        Map.entry("BOOKING_NOTIFICATION_RETRY_MAX_MILLIS", "1000"),
        Map.entry("BOOKING_NOTIFICATION_MAX_ATTEMPTS", "100"));
  }

  /** The webhook receiver: 503 until {@link #accepting}, then 204; accepted messages deduplicated by webhook-id. */
  private HttpServer receiver() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hook", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status = accepting.get() ? 204 : 503;
      WebhookReceiver.Call call = new WebhookReceiver.Call(exchange.getRequestURI().getPath(),
          exchange.getRequestHeaders().getFirst("webhook-id"), exchange.getRequestHeaders().getFirst("webhook-timestamp"),
          exchange.getRequestHeaders().getFirst("webhook-signature"), body, status);
      calls.add(call);
      if (status == 204) {
        accepted.putIfAbsent(call.id(), call);
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
    return server;
  }

  /** The crowd, at once; a 503 or 429 is sent again with its Idempotency-Key, as a client does. */
  private List<String> bookAll(String admin, long eventId) throws InterruptedException {
    JsonArray users = new JsonObject(post("/api/admin/bench/users", admin, new JsonObject().put("count", REQUESTS).encode()))
        .getJsonArray("users");
    Set<String> jobs = new HashSet<>();
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < users.size(); i++) {
      pending.add(i);
    }
    for (int attempt = 0; attempt < 20 && !pending.isEmpty(); attempt++) {
      Thread.sleep(250L * attempt); // a client's backoff before it retries, not a wait for a condition
      Map<Integer, CompletableFuture<HttpResponse<String>>> sent = new HashMap<>();
      for (int i : pending) {
        sent.put(i, http.sendAsync(HttpRequest.newBuilder(uri("/api/bookings/" + eventId + "/book"))
            .header("Authorization", "Bearer " + users.getJsonObject(i).getString("token"))
            .header("Idempotency-Key", "notification-crash-" + eventId + "-" + i)
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));
      }
      pending = new ArrayList<>();
      for (Map.Entry<Integer, CompletableFuture<HttpResponse<String>>> answer : sent.entrySet()) {
        HttpResponse<String> response = answer.getValue().join();
        if (response.statusCode() == 202 || response.statusCode() == 200) {
          jobs.add(new JsonObject(response.body()).getString("jobId"));
        } else {
          assertTrue(response.statusCode() == 503 || response.statusCode() == 429, response.statusCode() + " " + response.body());
          pending.add(answer.getKey());
        }
      }
    }
    return new ArrayList<>(jobs);
  }

  /** The outbox rows of the event: id to the job they announce. */
  private static Map<Long, String> outboxIds(int pgPort, long eventId) {
    Map<Long, String> rows = new HashMap<>();
    query(pgPort, "SELECT id, payload->'data'->>'jobId' FROM outbox WHERE payload->'data'->>'eventId' = '" + eventId + "'",
        rs -> rows.put(rs.getLong(1), rs.getString(2)));
    return rows;
  }

  private static Map<String, Long> confirmedBookings(int pgPort, long eventId) {
    Map<String, Long> rows = new HashMap<>();
    query(pgPort, "SELECT job_id, id FROM bookings WHERE status = 'CONFIRMED' AND event_id = " + eventId,
        rs -> rows.put(rs.getString(1), rs.getLong(2)));
    return rows;
  }

  private static long count(int pgPort, String sql) {
    long[] n = new long[1];
    query(pgPort, sql, rs -> n[0] = rs.getLong(1));
    return n[0];
  }

  @FunctionalInterface
  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private static void query(int pgPort, String sql, RowReader reader) {
    try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", null);
         PreparedStatement q = db.prepareStatement(sql); ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        reader.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e, e);
    }
  }

  private static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private String login() {
    return new JsonObject(post("/api/auth/login", null,
        new JsonObject().put("email", ADMIN_EMAIL).put("password", ADMIN_PASSWORD).encode())).getString("token");
  }

  private String post(String path, String token, String body) {
    return JdkHttp.postOk(http, uri(path), token, body);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
