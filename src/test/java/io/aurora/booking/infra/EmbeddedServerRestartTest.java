package io.aurora.booking.infra;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application on embedded servers of its own (as {@code java -jar} runs it), one of which is killed
 * ({@code kill -9}) in the middle of a burst of bookings: it is restarted on the same port and data,
 * {@code /health} stays up, and every accepted job is decided, with the seats adding up. A server that
 * cannot come back makes {@code /health} fail.
 */
@ExtendWith(VertxExtension.class)
class EmbeddedServerRestartTest {

  private static final int SEATS = 150;
  private static final int CROWD = 400;
  private static final Duration BACK = Duration.ofSeconds(60);
  /** Short leases: a job whose outcome could not be recorded while Redis was down comes back soon. */
  private static final Map<String, Object> SETTINGS = Map.of("leaseMillis", 2_000, "batchSize", 16, "maxAttempts", 8,
      "retryBaseMillis", 100, "embeddedRestartAttempts", 2);

  @TempDir
  Path dataDir;

  @Test
  void redisKilledMidBurstIsRestartedAndEveryAcceptedJobIsDecided(Vertx vertx) {
    try (TestApp app = TestApp.startEmbedded(vertx, dataDir, SETTINGS)) {
      killMidBurst(app, dataDir.resolve("redis").resolve("redis.pid"));
    }
  }

  @Test
  void postgresKilledMidBurstIsRestartedAndEveryAcceptedJobIsDecided(Vertx vertx) {
    try (TestApp app = TestApp.startEmbedded(vertx, dataDir, SETTINGS)) {
      killMidBurst(app, dataDir.resolve("postgres").resolve("postmaster.pid"));
    }
  }

  @Test
  void aServerThatCannotComeBackMakesHealthFail(Vertx vertx) throws IOException {
    try (TestApp app = TestApp.startEmbedded(vertx, dataDir, SETTINGS)) {
      assertEquals(200, app.get("/health", null).statusCode());
      // Its append-only file is damaged under it (a disk fault): it runs on, but cannot load it again.
      Files.writeString(dataDir.resolve("redis").resolve("appendonly.aof"), "this is not a Redis command\r\n",
          StandardOpenOption.APPEND);
      ProcessHandle redis = kill(dataDir.resolve("redis").resolve("redis.pid"));
      awaitCondition("/health to fail", BACK, () -> app.get("/health", null).statusCode() == 503);
      JsonObject health = app.get("/health", null).bodyAsJsonObject();
      assertEquals("DOWN", health.getString("status"));
      assertTrue(health.getJsonObject("failed").containsKey("redis"), health.encode());
      HttpResponse<Buffer> ready = app.get("/ready", null);
      assertEquals(503, ready.statusCode());
      assertEquals("NOT_READY", ready.bodyAsJsonObject().getString("status"));
      assertFalse(redis.isAlive());
    }
  }

  private static ProcessHandle kill(Path pidFile) {
    try {
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
      server.destroyForcibly();
      awaitCondition("pid " + pid + " to die", Duration.ofSeconds(10), () -> !server.isAlive());
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void killMidBurst(TestApp app, Path pidFile) {
    long eventId = app.createEvent(SEATS);
    List<TestUser> users = app.users(CROWD);
    long pidBefore = Long.parseLong(read(pidFile));
    AtomicBoolean healthFailed = new AtomicBoolean();
    long watcher = app.vertx.setPeriodic(100, id -> app.http.get("/health").send()
        .onSuccess(r -> healthFailed.compareAndSet(false, r.statusCode() != 200)));

    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (TestUser user : users) {
      burst.add(app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(user.token()).send());
    }
    awaitCondition("the burst to be under way", Duration.ofSeconds(30),
        () -> app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1", eventId) > 0);
    kill(pidFile);
    await(Future.join(new ArrayList<>(burst)).otherwiseEmpty());

    awaitCondition("the server to be restarted", BACK, () -> Files.exists(pidFile) && !read(pidFile).equals(Long.toString(pidBefore)));
    awaitCondition("/ready", BACK, () -> app.get("/ready", null).statusCode() == 200);
    Set<String> accepted = new java.util.HashSet<>();
    for (Future<HttpResponse<Buffer>> sent : burst) {
      if (sent.succeeded() && sent.result().statusCode() == 202) {
        accepted.add(sent.result().bodyAsJsonObject().getString("jobId"));
      } else if (sent.succeeded()) {
        assertEquals(503, sent.result().statusCode(), sent.result().bodyAsString());
      }
    }
    assertFalse(accepted.isEmpty());

    Map<String, JsonObject> outcomes = new HashMap<>();
    for (String jobId : accepted) {
      outcomes.put(jobId, app.awaitJob(jobId));
    }
    app.vertx.cancelTimer(watcher);
    assertFalse(healthFailed.get(), "/health stayed up while the server was restarted");
    assertNotEquals(Long.toString(pidBefore), read(pidFile));

    long confirmed = app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId);
    assertEquals(confirmed, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId), "seats add up");
    assertTrue(confirmed <= SEATS);
    for (Map.Entry<String, JsonObject> outcome : outcomes.entrySet()) {
      if ("completed".equals(outcome.getValue().getString("status"))) {
        List<Row> rows = app.queryRows("SELECT id FROM bookings WHERE job_id = $1 AND status = 'CONFIRMED'", outcome.getKey());
        assertEquals(1, rows.size(), "a completed job has its booking: " + outcome.getValue().encode());
        assertEquals(rows.get(0).getLong("id"), outcome.getValue().getJsonObject("result").getLong("bookingId"));
      }
    }
  }

  private static String read(Path pidFile) {
    try {
      return Files.readAllLines(pidFile).get(0).trim();
    } catch (IOException | IndexOutOfBoundsException e) {
      return "";
    }
  }
}
