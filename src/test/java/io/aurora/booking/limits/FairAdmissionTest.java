package io.aurora.booking.limits;

import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile crowd at the front door: one account flooding, honest users alongside it, one account across
 * many events. Against the real application on real PostgreSQL and Redis, with the default booking limits.
 */
@ExtendWith(VertxExtension.class)
class FairAdmissionTest {

  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    // 3,000 requests at once on a shared two-core machine: the answer deadline (a 503 for a stuck backing
    // service) is lifted so that only the limits decide the answers here.
    app = TestApp.start(vertx, Map.of("maxOpenJobsPerUser", 3, "requestTimeoutMillis", 60_000));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void aFlooderHoldsOneJobAndTheHonestCrowdKeepsTheFirstHundredPlaces() {
    long eventId = app.createEvent(100);
    TestUser flooder = app.user();
    List<TestUser> honest = app.users(1_000);
    List<Future<HttpResponse<Buffer>>> flood = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> crowd = new ArrayList<>();
    // Paused while the crowd arrives, so the flooder's job is surely still in line for every repeat
    // (places in line are given at enqueue, so the pause changes no order).
    assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
    long floodStarted = System.nanoTime();
    for (int i = 0; i < 2_000; i++) {
      flood.add(app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(flooder.token()).send());
      if (i % 2 == 0) {
        crowd.add(app.bookRetryingBusy(honest.get(i / 2).token(), eventId));
      }
    }
    await(Future.join(new ArrayList<Future<?>>(flood)));
    double floodSeconds = (System.nanoTime() - floodStarted) / 1e9;
    await(Future.join(new ArrayList<Future<?>>(crowd)));
    assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());

    // The flooder: one job (202), repeats answered 200 with that same job, the rest refused with 429.
    List<HttpResponse<Buffer>> answers = flood.stream().map(Future::result).toList();
    List<HttpResponse<Buffer>> accepted = answers.stream().filter(r -> r.statusCode() == 202).toList();
    assertEquals(1, accepted.size(), "one job for the flooder");
    String floodJob = accepted.get(0).bodyAsJsonObject().getString("jobId");
    assertEquals(List.of(floodJob), QueueLeftovers.jobsOf(app, flooder.id(), eventId), "one job record in Redis");
    long repeats = answers.stream().filter(r -> r.statusCode() == 200).peek(r ->
        assertEquals(floodJob, r.bodyAsJsonObject().getString("jobId"), "a repeat answers with the live job")).count();
    List<HttpResponse<Buffer>> refused = answers.stream().filter(r -> r.statusCode() == 429).toList();
    // A machine too busy to answer some of the flood within the request's deadline says 503: not let through.
    long busy = answers.stream().filter(r -> r.statusCode() == 503).count();
    assertEquals(2_000, 1 + repeats + refused.size() + busy, "every flood request is 202, 200, 429 or 503");
    assertTrue(refused.size() > busy, "the limit refused the flood, not the machine's load: " + refused.size() + " 429s, " + busy + " 503s");
    // The limit lets through its burst plus what its rate refills while the flood lasts (longer on a loaded
    // machine): no more than that may pass.
    long allowed = app.config.bookingBurstPerUser() + (long) Math.ceil(floodSeconds * app.config.bookingRatePerUser() / 60.0) + 1;
    assertTrue(1 + repeats <= allowed, "at most " + allowed + " of the flood let through in " + floodSeconds + " s: " + (1 + repeats));
    for (HttpResponse<Buffer> r : refused) {
      assertEquals("RATE_LIMITED", r.bodyAsJsonObject().getString("error"));
      assertNotNull(r.bodyAsJsonObject().getString("message"));
      assertTrue(Long.parseLong(r.getHeader("Retry-After")) >= 1, "Retry-After in whole seconds");
      assertTrue(r.getHeader("RateLimit-Policy").startsWith("\"booking-user\";q=" + app.config.bookingBurstPerUser() + ";w="),
          r.getHeader("RateLimit-Policy"));
      assertTrue(r.getHeader("RateLimit").matches("\"booking-user\";r=0;t=\\d+"), r.getHeader("RateLimit"));
    }

    // Every honest user got a job of their own.
    Set<String> honestJobs = new HashSet<>();
    for (Future<HttpResponse<Buffer>> f : crowd) {
      assertEquals(202, f.result().statusCode(), f.result().bodyAsString());
      honestJobs.add(f.result().bodyAsJsonObject().getString("jobId"));
    }
    assertEquals(1_000, honestJobs.size());

    // Decided in order: the seats went to exactly the first 100 jobs by place in line.
    Set<String> allJobs = new HashSet<>(honestJobs);
    allJobs.add(floodJob);
    awaitCondition("all 1,001 jobs decided", Duration.ofSeconds(90),
        () -> app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1", eventId) == 100
            && decided() >= 1_001);
    List<String> byPlace = allJobs.stream().sorted(Comparator.comparingLong(FairAdmissionTest::seq)).toList();
    Set<String> booked = app.queryRows("SELECT job_id FROM bookings WHERE event_id = $1", eventId).stream()
        .map(row -> row.getString("job_id")).collect(Collectors.toSet());
    assertEquals(new HashSet<>(byPlace.subList(0, 100)), booked);
    assertTrue(app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1", flooder.id()) <= 1);
    assertEquals(100, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));

    // The refusals are counted cluster-wide for the console.
    JsonObject throttled = app.queueStats().getJsonObject("throttled");
    assertTrue(throttled.getLong("lastMinute") >= refused.size(), throttled.encode());
    assertTrue(throttled.getJsonObject("totalByLimit").getLong("booking-user") >= refused.size(), throttled.encode());
    // ... and in this node's metric, by limit.
    PrometheusText metrics = PrometheusText.parse(app.get("/metrics", null).bodyAsString());
    assertTrue(metrics.sum("booking_requests_throttled_total", "limit", "booking-user") >= refused.size());
  }

  @Test
  void theOpenJobQuotaHoldsAcrossEventsAndFreesWhenAJobIsDecided() {
    TestUser user = app.user();
    List<Long> events = List.of(app.createEvent(5), app.createEvent(5), app.createEvent(5), app.createEvent(5));
    assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
    try {
      List<String> jobs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        jobs.add(app.bookJob(user.token(), events.get(i)));
      }
      HttpResponse<Buffer> fourth = app.book(user.token(), events.get(3));
      assertEquals(429, fourth.statusCode(), fourth.bodyAsString());
      assertEquals("RATE_LIMITED", fourth.bodyAsJsonObject().getString("error"));
      assertNotNull(fourth.getHeader("Retry-After"));
      assertTrue(app.queueStats().getJsonObject("throttled").getJsonObject("totalByLimit").getLong("open-jobs") >= 1);
      // Its job, made in the same round trip as the limits, was withdrawn: nothing of the request is left.
      assertEquals(List.of(), QueueLeftovers.jobsOf(app, user.id(), events.get(3)), "no job record");
      assertFalse(QueueLeftovers.liveMarkExists(app, user.id(), events.get(3)), "no live-job mark");
      assertFalse(QueueLeftovers.holdsOpenJobPlace(app, user.id(), events.get(3)), "no place in the open-job quota");
      // A repeat for an event already in line is no new open job: same job, 200, not refused.
      HttpResponse<Buffer> repeat = app.book(user.token(), events.get(0));
      assertEquals(200, repeat.statusCode(), repeat.bodyAsString());
      assertEquals(jobs.get(0), repeat.bodyAsJsonObject().getString("jobId"));
      assertEquals(3L, await(app.redis.send(Request.cmd(Command.ZCARD).arg(LimitKeys.openJobs(user.id())))).toLong());
    } finally {
      assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());
    }
    awaitCondition("the three jobs decided", Duration.ofSeconds(30),
        () -> app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1", user.id()) == 3);
    awaitCondition("their places released", Duration.ofSeconds(30),
        () -> await(app.redis.send(Request.cmd(Command.ZCARD).arg(LimitKeys.openJobs(user.id())))).toLong() == 0);
    String fourthJob = app.bookJob(user.token(), events.get(3));
    assertEquals("completed", app.awaitJob(fourthJob).getString("status"));
    assertEquals(4, app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1 AND status = 'CONFIRMED'", user.id()));
  }

  @Test
  void afterItsJobIsDecidedAUserMayAskAgainAndTheBookingRuleDecides() {
    long eventId = app.createEvent(5);
    TestUser user = app.user();
    String first = app.bookJob(user.token(), eventId);
    assertEquals("completed", app.awaitJob(first).getString("status"));
    String second = app.bookJob(user.token(), eventId);
    assertTrue(!first.equals(second), "a new job once the first is decided");
    assertEquals("ALREADY_BOOKED", app.awaitJob(second).getString("error"));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1", user.id()));
  }

  private static long decided() {
    JsonObject total = app.queueStats().getJsonObject("total");
    return total.getLong("completed") + total.getLong("failed");
  }

  /** The job's place in line: its enqueue sequence, from its record in Redis. */
  private static long seq(String jobId) {
    int shard = Integer.parseInt(jobId.substring(0, jobId.indexOf('-')));
    return await(app.redis.send(Request.cmd(Command.HGET).arg("{s" + shard + "}:job:" + jobId).arg("seq"))).toLong();
  }

}
