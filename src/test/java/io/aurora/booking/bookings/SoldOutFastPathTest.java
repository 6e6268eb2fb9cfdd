package io.aurora.booking.bookings;

import io.aurora.booking.limits.LimitKeys;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.bookings.CrowdBookingTest.awaitAllDecided;
import static io.aurora.booking.bookings.CrowdBookingTest.sendAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After a sell-out, the waiting crowd is answered SOLD_OUT by the queue without a PostgreSQL transaction,
 * and a seat that comes back (a cancellation, more capacity) while the crowd waits goes to the earliest
 * job still waiting. Real HTTP, real workers, real PostgreSQL and Redis.
 */
@ExtendWith(VertxExtension.class)
class SoldOutFastPathTest {

  private static final int SEATS = 10;
  private static final int BATCH = 8;
  private static final int CROWD = 100;
  private static final int LATE_CROWD = 50;

  @Test
  void aSeatCancelledWhileTheCrowdWaitsGoesToTheEarliestJobStillWaiting(Vertx vertx) {
    // Fixed batches (no growth), so the count of jobs that go to PostgreSQL below is exact.
    try (TestApp app = TestApp.start(vertx, Map.of("batchSize", BATCH, "maxBatchSize", 0))) {
      long eventId = app.createEvent(SEATS);
      List<TestUser> holders = app.users(SEATS);
      List<String> holderJobs = holders.stream().map(user -> app.bookJob(user.token(), eventId)).toList();
      holderJobs.forEach(job -> assertEquals("completed", app.awaitJob(job).getString("status")));

      // The crowd behind the sell-out: answered by the queue alone, not one more booking transaction.
      PrometheusText before = scrape(app);
      List<TestUser> crowdUsers = app.users(CROWD);
      List<String> crowd = queueWhilePaused(app, crowdUsers, eventId);
      Map<String, JsonObject> answered = awaitAllDecided(app, allJobs(holderJobs, crowd));
      crowd.forEach(job -> assertEquals("SOLD_OUT", answered.get(job).getString("error"), job));
      PrometheusText after = scrape(app);
      assertEquals(0, delta(after, before, "booking_transaction_duration_seconds_count"), "no PostgreSQL transaction");
      assertEquals(CROWD, delta(after, before, "booking_jobs_sold_out_fast_total"));
      assertEquals(CROWD, delta(after, before, "booking_jobs_finished_total", "outcome", "failed", "reason", "SOLD_OUT"));
      assertEquals(CROWD, app.queueStats().getJsonObject("total").getLong("soldOutFast"));

      // The answers came first; the records follow once the shard is idle: each job's own record says
      // SOLD_OUT, kept for the retention time, and its user's live-job mark and open-job place are let go.
      TestApp.awaitCondition("the answered crowd's records written", Duration.ofSeconds(60),
          () -> crowd.stream().allMatch(job -> "failed".equals(hget(app, job, "status"))));
      for (String job : crowd) {
        assertEquals("SOLD_OUT", hget(app, job, "error"), job);
        assertTrue(redisLong(app, Request.cmd(Command.TTL).arg(jobKey(job))) > 0, "retention of " + job);
      }
      assertEquals(0, redisLong(app, Request.cmd(Command.ZCARD).arg(answeredKey(crowd.get(0)))), "no answer left unwritten");
      for (TestUser user : crowdUsers) {
        assertEquals(0, redisLong(app, Request.cmd(Command.ZCARD).arg(LimitKeys.openJobs(user.id()))), "open jobs of " + user.id());
        assertEquals(0, redisLong(app, Request.cmd(Command.EXISTS).arg(shardTag(crowd.get(0)) + "live:" + user.id() + ":" + eventId)));
      }

      // A holder cancels while a later crowd waits: the seat goes to the first of them, only to the first.
      assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
      List<String> late = inLineOrder(sendAll(app, app.users(LATE_CROWD), eventId));
      long cancelled = answered.get(holderJobs.get(SEATS / 2)).getJsonObject("result").getLong("bookingId");
      HttpResponse<Buffer> cancel = app.delete("/api/bookings/" + cancelled + "/cancel", holders.get(SEATS / 2).token());
      assertEquals(200, cancel.statusCode(), cancel.bodyAsString());
      assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());

      Map<String, JsonObject> outcomes = awaitAllDecided(app, allJobs(holderJobs, crowd, late));
      assertEquals("completed", outcomes.get(late.get(0)).getString("status"), "the earliest job still waiting");
      late.subList(1, LATE_CROWD).forEach(job -> assertEquals("SOLD_OUT", outcomes.get(job).getString("error"), job));
      assertEquals(List.of(late.get(0)), app.queryRows(
              "SELECT job_id FROM bookings WHERE event_id = $1 AND created_at > (SELECT cancelled_at FROM bookings WHERE id = $2)",
              eventId, cancelled).stream().map(row -> row.getString("job_id")).toList(),
          "the one booking made after the cancellation is the earliest waiting job's");
      assertEquals("CANCELLED", app.queryRows("SELECT status FROM bookings WHERE id = $1", cancelled).get(0).getString("status"));
      assertEquals(SEATS, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
      assertEquals(SEATS, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
      // The first take after the cancellation went to PostgreSQL, which sold out again and re-marked the event;
      // so did the batch the worker took while that first one was decided, before the mark was back.
      assertEquals(CROWD + LATE_CROWD - 2 * BATCH, app.queueStats().getJsonObject("total").getLong("soldOutFast"));
    }
  }

  @Test
  void moreCapacityAfterASellOutGoesToTheEarliestJobsStillWaiting(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("batchSize", BATCH))) {
      long eventId = app.createEvent(1);
      String first = app.bookJob(app.user().token(), eventId);
      assertEquals("completed", app.awaitJob(first).getString("status"));
      List<String> crowd = queueWhilePaused(app, app.users(20), eventId);
      awaitAllDecided(app, allJobs(List.of(first), crowd));

      assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
      List<String> late = inLineOrder(sendAll(app, app.users(20), eventId));
      assertEquals(200, app.put("/api/events/" + eventId + "/update", app.adminToken(), new JsonObject().put("capacity", 3))
          .statusCode());
      assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());

      Map<String, JsonObject> outcomes = awaitAllDecided(app, allJobs(List.of(first), crowd, late));
      for (int i = 0; i < late.size(); i++) {
        assertEquals(i < 2 ? "completed" : "failed", outcomes.get(late.get(i)).getString("status"), "place " + (i + 1));
      }
      assertEquals(3, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
      assertEquals(3, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
    }
  }

  /** Queues the users' requests while the whole queue is paused, resumes, and returns the jobs in line order. */
  private static List<String> queueWhilePaused(TestApp app, List<TestUser> users, long eventId) {
    assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
    List<String> jobs = inLineOrder(sendAll(app, users, eventId));
    assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());
    return jobs;
  }

  private static List<String> inLineOrder(List<HttpResponse<Buffer>> responses) {
    responses.forEach(response -> assertEquals(202, response.statusCode(), response.bodyAsString()));
    return responses.stream().map(HttpResponse::bodyAsJsonObject)
        .sorted(Comparator.comparingLong(body -> body.getLong("queuePosition")))
        .map(body -> body.getString("jobId")).toList();
  }

  @SafeVarargs
  private static java.util.Set<String> allJobs(List<String>... groups) {
    java.util.Set<String> all = new java.util.HashSet<>();
    for (List<String> group : groups) {
      all.addAll(group);
    }
    return all;
  }

  /** The job's record field as Redis holds it (the key layout of docs/queue.md), not as the status reads it. */
  private static String hget(TestApp app, String jobId, String field) {
    Response value = TestApp.await(app.redis.send(Request.cmd(Command.HGET).arg(jobKey(jobId)).arg(field)));
    return value == null ? null : value.toString();
  }

  private static long redisLong(TestApp app, Request request) {
    return TestApp.await(app.redis.send(request)).toLong();
  }

  private static String shardTag(String jobId) {
    return "{s" + Sharding.shardOfJob(jobId) + "}:";
  }

  private static String jobKey(String jobId) {
    return shardTag(jobId) + "job:" + jobId;
  }

  private static String answeredKey(String jobId) {
    return shardTag(jobId) + "answered";
  }

  private static PrometheusText scrape(TestApp app) {
    HttpResponse<Buffer> response = app.get("/metrics", null);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return PrometheusText.parse(response.bodyAsString());
  }

  private static double delta(PrometheusText after, PrometheusText before, String name, String... labels) {
    return after.sum(name, labels) - before.sum(name, labels);
  }
}
