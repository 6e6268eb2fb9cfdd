package io.aurora.booking.admin;

import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.List;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class QueueAdminTest {

  /** Watching a paused job this long, a few times a second, proves the pause held. */
  private static final Duration HELD = Duration.ofMillis(1_500);
  private static TestApp app;

  /**
   * Workers that poll on their own only every ten minutes: every job these tests see decided was woken for,
   * by its enqueue or by the resume that released it.
   */
  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("workerIdleMillis", 600_000));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @AfterEach
  void resumeEverything() {
    app.post("/api/admin/queue/resume", app.adminToken(), null);
  }

  private static String status(String jobId) {
    return app.get("/api/bookings/status/" + jobId, app.adminToken()).bodyAsJsonObject().getString("status");
  }

  /**
   * Watches a job for a while, gently (a request every 250 ms, not a loop that competes with the server
   * for the CPU), and asserts it stayed queued and was never taken: a job taken and handed back in between
   * two looks would have its attempts raised.
   */
  private static void assertStaysQueued(String jobId) {
    Awaitility.await("job " + jobId + " stays queued").during(HELD).atMost(HELD.plusSeconds(5))
        .pollInterval(Duration.ofMillis(250)).until(() -> status(jobId), "queued"::equals);
    assertNeverTaken(jobId);
  }

  private static void assertNeverTaken(String jobId) {
    JsonObject job = app.get("/api/bookings/status/" + jobId, app.adminToken()).bodyAsJsonObject();
    assertEquals("queued", job.getString("status"));
    assertEquals(0, job.getInteger("attempts"), "the job was never taken");
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
  }

  /**
   * The stats count decided jobs by outcome, cluster-wide from Redis: confirmed, and every reason a job ends
   * with. A sold-out answer, a waitlist place and a second booking refused are the system working, each under
   * its own name; none of them is INTERNAL.
   */
  @Test
  void theStatsCountDecidedJobsByReason() {
    JsonObject before = app.queueStats().getJsonObject("total").getJsonObject("outcomes");
    long eventId = app.createEvent(2);
    List<TestApp.TestUser> users = app.users(4);
    assertEquals("completed", app.awaitJob(app.bookJob(users.get(0).token(), eventId)).getString("status"));
    assertEquals("ALREADY_BOOKED", app.awaitJob(app.bookJob(users.get(0).token(), eventId)).getString("error"));
    assertEquals("completed", app.awaitJob(app.bookJob(users.get(1).token(), eventId)).getString("status"));
    assertEquals("SOLD_OUT", app.awaitJob(app.bookJob(users.get(2).token(), eventId)).getString("error"));
    String waitlisted = app.post("/api/bookings/" + eventId + "/book", users.get(3).token(),
        new JsonObject().put("waitlist", true)).bodyAsJsonObject().getString("jobId");
    assertEquals("waitlisted", app.awaitJob(waitlisted).getString("status"));

    JsonObject stats = app.queueStats();
    JsonObject after = stats.getJsonObject("total").getJsonObject("outcomes");
    Map<String, Long> expected = Map.of("CONFIRMED", 2L, "ALREADY_BOOKED", 1L, "SOLD_OUT", 1L, "WAITLISTED", 1L,
        "INTERNAL", 0L, "EVENT_STARTED", 0L, "EVENT_NOT_FOUND", 0L);
    expected.forEach((outcome, n) ->
        assertEquals(before.getLong(outcome, 0L) + n, after.getLong(outcome), outcome + " in " + after.encode()));
    assertTrue(after.containsKey("RATE_LIMITED"), "requests refused with 429 are an outcome too: " + after.encode());
    assertEquals(2, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));

    JsonObject shard = stats.getJsonArray("shards").getJsonObject(Sharding.shardOf(eventId, app.config.shards()));
    assertTrue(shard.getJsonObject("outcomes").getLong("SOLD_OUT") >= 1, "and per shard: " + shard.encode());
  }

  /**
   * The timeline a freshly opened console draws: a point a second, kept server-side, with the enqueues and
   * decisions of a few bookings and the p99 wait of the second they were decided in.
   */
  @Test
  void theTimelineHasAPointASecondWithTheDecisionsAndTheirWait() {
    // The first sample is the baseline the rates are reckoned from: the bookings come after it.
    TestApp.awaitCondition("the timeline's first point", Duration.ofSeconds(20), () ->
        !app.get("/api/admin/queue/timeline", app.adminToken()).bodyAsJsonObject().getJsonArray("at").isEmpty());
    long eventId = app.createEvent(3);
    List<String> jobs = app.users(5).stream().map(user -> app.bookJob(user.token(), eventId)).toList();
    jobs.forEach(app::awaitJob);

    JsonObject[] timeline = new JsonObject[1];
    TestApp.awaitCondition("the timeline to count the 5 decisions and their wait", Duration.ofSeconds(20), () -> {
      timeline[0] = app.get("/api/admin/queue/timeline", app.adminToken()).bodyAsJsonObject();
      return sum(timeline[0].getJsonArray("decidedPerSecond")) >= 5
          && timeline[0].getJsonArray("p99WaitMillis").stream().anyMatch(p99 -> p99 != null);
    });
    JsonObject body = timeline[0];
    assertTrue(sum(body.getJsonArray("enqueuedPerSecond")) >= 5, body.encode());
    JsonArray at = body.getJsonArray("at");
    assertTrue(at.size() >= 2 && at.size() <= 900, "a point a second, 15 minutes at most: " + at.size());
    for (int i = 1; i < at.size(); i++) {
      assertTrue(at.getLong(i) > at.getLong(i - 1), "oldest first");
    }
    assertEquals(app.config.shards(), body.getJsonArray("depthPerShard").size());
    assertEquals(at.size(), body.getJsonArray("depthPerShard").getJsonArray(0).size());
    assertEquals(3, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    assertError(app.get("/api/admin/queue/timeline", app.user().token()), 403, "FORBIDDEN");
  }

  private static long sum(JsonArray figures) {
    return figures.stream().mapToLong(n -> ((Number) n).longValue()).sum();
  }

  @Test
  void pauseHoldsEveryJobAndResumeReleasesThem() {
    long eventId = app.createEvent(10);
    JsonObject paused = app.post("/api/admin/queue/pause", app.adminToken(), null).bodyAsJsonObject();
    assertEquals(true, paused.getBoolean("paused"));
    assertTrue(app.queueStats().getBoolean("paused"));

    String jobId = app.bookJob(app.user().token(), eventId);
    assertStaysQueued(jobId);
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));

    JsonObject details = app.get("/api/admin/queue/details", app.adminToken()).bodyAsJsonObject();
    JsonObject waiting = details.getJsonArray("shards").stream().map(JsonObject.class::cast)
        .flatMap(shard -> shard.getJsonArray("waiting").stream().map(JsonObject.class::cast))
        .filter(job -> jobId.equals(job.getString("jobId"))).findFirst().orElseThrow();
    assertEquals(eventId, waiting.getLong("eventId"));
    assertEquals(0, waiting.getLong("attempts"));
    assertTrue(waiting.getLong("ageMillis") >= HELD.toMillis());

    app.post("/api/admin/queue/resume", app.adminToken(), null);
    assertEquals("completed", app.awaitJob(jobId).getString("status"));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
  }

  @Test
  void pausingOneEventHoldsOnlyItsJobs() {
    long held = app.createEvent(10);
    long open = eventOnTheShardOf(held);
    app.post("/api/admin/queue/pause?eventId=" + held, app.adminToken(), null);
    // The held job is ahead of the open one in the same FIFO: the open one can only have been taken by a
    // worker that looked at the held one first and left it in line. No time window needed.
    String heldJob = app.bookJob(app.user().token(), held);
    String openJob = app.bookJob(app.user().token(), open);
    assertEquals("completed", app.awaitJob(openJob).getString("status"));
    assertNeverTaken(heldJob);

    app.post("/api/admin/queue/resume?eventId=" + held, app.adminToken(), null);
    assertEquals("completed", app.awaitJob(heldJob).getString("status"));
  }

  /** A new event whose jobs share a shard (and so a FIFO) with {@code eventId}'s. */
  private static long eventOnTheShardOf(long eventId) {
    int shard = Sharding.shardOf(eventId, app.config.shards());
    for (int tries = 0; tries < 200; tries++) {
      long candidate = app.createEvent(10);
      if (Sharding.shardOf(candidate, app.config.shards()) == shard) {
        return candidate;
      }
    }
    throw new AssertionError("no event on shard " + shard + " in 200 tries");
  }

  @Test
  void cleanDropsFinishedRecordsButNeverWaitingJobs() {
    long eventId = app.createEvent(10);
    String finished = app.bookJob(app.user().token(), eventId);
    app.awaitJob(finished);
    app.post("/api/admin/queue/pause", app.adminToken(), null);
    String waiting = app.bookJob(app.user().token(), eventId);

    assertEquals(0, app.post("/api/admin/queue/clean?olderThan=3600", app.adminToken(), null)
        .bodyAsJsonObject().getLong("removed"), "nothing is an hour old");
    JsonObject cleaned = app.post("/api/admin/queue/clean?olderThan=0", app.adminToken(), null).bodyAsJsonObject();
    assertTrue(cleaned.getLong("removed") >= 1);
    assertError(app.get("/api/bookings/status/" + finished, app.adminToken()), 404, "NOT_FOUND");
    assertEquals("queued", status(waiting));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", finished), "the booking itself stays");

    app.post("/api/admin/queue/resume", app.adminToken(), null);
    assertEquals("completed", app.awaitJob(waiting).getString("status"));
  }

  @Test
  void statsCountOutcomesPerShardAndInTotal() {
    long eventId = app.createEvent(1);
    JsonObject before = app.queueStats().getJsonObject("total");
    app.awaitJob(app.bookJob(app.user().token(), eventId));
    app.awaitJob(app.bookJob(app.user().token(), eventId));
    JsonObject stats = app.queueStats();
    JsonObject total = stats.getJsonObject("total");
    assertEquals(before.getLong("enqueued") + 2, total.getLong("enqueued"));
    assertEquals(before.getLong("completed") + 1, total.getLong("completed"));
    assertEquals(before.getLong("failed") + 1, total.getLong("failed"));
    JsonArray shards = stats.getJsonArray("shards");
    assertEquals(app.config.shards(), shards.size());
    for (String counter : List.of("waiting", "processing", "completed", "failed", "retried", "stalledRecovered")) {
      long sum = shards.stream().map(JsonObject.class::cast).mapToLong(s -> s.getLong(counter)).sum();
      assertEquals(total.getLong(counter), sum, counter);
    }
  }

  @Test
  void analyticsReportsBookingsViewsAndUtilisation() {
    long eventId = app.createEvent("Analytics gig", 4, java.time.Instant.now().plusSeconds(86_400));
    for (int i = 0; i < 3; i++) {
      app.get("/api/events/" + eventId + "/view", null);
    }
    app.awaitJob(app.bookJob(app.user().token(), eventId));
    JsonObject analytics = app.get("/api/admin/analytics", app.adminToken()).bodyAsJsonObject();
    assertEquals(app.queryLong("SELECT count(*) FROM bookings WHERE status = 'CONFIRMED'"),
        analytics.getJsonObject("bookings").getLong("confirmed"));
    JsonObject utilisation = analytics.getJsonArray("capacityUtilisation").stream().map(JsonObject.class::cast)
        .filter(e -> e.getLong("id") == eventId).findFirst().orElseThrow();
    assertEquals(25.0, utilisation.getDouble("utilisation"));
    assertEquals(3, utilisation.getInteger("seatsLeft"));
    assertTrue(analytics.getJsonArray("mostViewed").stream().map(JsonObject.class::cast)
        .anyMatch(e -> e.getLong("id") == eventId && e.getLong("impressions") == 3));
  }

  /** What the console's events table needs: start, venue, waitlist length, and when a sold-out event sold out. */
  @Test
  void analyticsTellsWhenAnEventSoldOutAndHowLongItsWaitlistIs() {
    long eventId = app.createEvent("Sell-out gig", 2, java.time.Instant.now().plusSeconds(86_400));
    List<TestApp.TestUser> users = app.users(3);
    app.awaitJob(app.bookJob(users.get(0).token(), eventId));
    assertEquals(null, utilisationOf(eventId).getValue("soldOutAt"), "seats left: not sold out");
    app.awaitJob(app.bookJob(users.get(1).token(), eventId));
    String waitlisted = app.post("/api/bookings/" + eventId + "/book", users.get(2).token(),
        new JsonObject().put("waitlist", true)).bodyAsJsonObject().getString("jobId");
    assertEquals("waitlisted", app.awaitJob(waitlisted).getString("status"));

    JsonObject event = utilisationOf(eventId);
    java.time.Instant lastSeat = app.queryRows(
        "SELECT max(created_at) AS at FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId)
        .iterator().next().getOffsetDateTime("at").toInstant();
    assertEquals(lastSeat.toString(), event.getString("soldOutAt"), "sold out when its last seat was booked");
    assertEquals(0, event.getInteger("seatsLeft"));
    assertEquals(1, event.getInteger("waitlisted"));
    assertEquals("Test Hall", event.getString("venue"));
    assertTrue(event.getString("startsAt").endsWith("Z"), event.encode());
  }

  private static JsonObject utilisationOf(long eventId) {
    return app.get("/api/admin/analytics", app.adminToken()).bodyAsJsonObject().getJsonArray("capacityUtilisation")
        .stream().map(JsonObject.class::cast).filter(e -> e.getLong("id") == eventId).findFirst().orElseThrow();
  }

  @Test
  void badInputOnAdminRoutesIsA400() {
    String token = app.adminToken();
    assertError(app.post("/api/admin/queue/pause?eventId=abc", token, null), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/admin/queue/resume?eventId=0", token, null), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/admin/queue/clean?olderThan=-5", token, null), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/admin/queue/clean?olderThan=soon", token, null), 400, "VALIDATION_FAILED");
    assertError(app.get("/api/admin/queue/details?limit=0", token), 400, "VALIDATION_FAILED");
    assertError(app.get("/api/admin/queue/details?offset=-1", token), 400, "VALIDATION_FAILED");
    assertError(app.get("/api/admin/nothing-here", token), 404, "NOT_FOUND");
    assertEquals(false, app.queueStats().getBoolean("paused"), "a refused pause changed nothing");
  }
}
