package io.aurora.booking.bookings;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A crowd arriving at once, over real HTTP, decided by the real workers against real PostgreSQL. */
@ExtendWith(VertxExtension.class)
class CrowdBookingTest {

  private static final int CROWD = 2_000;
  private static final int SEATS = 100;

  @ParameterizedTest(name = "batch size {0}")
  @ValueSource(ints = {1, 64})
  void twoThousandUsersAtOnceForAHundredSeatsNeverOversell(int batchSize, Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("batchSize", batchSize))) {
      long eventId = app.createEvent(SEATS);
      List<TestUser> users = app.users(CROWD);

      List<HttpResponse<Buffer>> responses = sendAll(app, users, eventId);
      Map<String, Long> jobOwner = new HashMap<>();
      for (int i = 0; i < CROWD; i++) {
        assertEquals(202, responses.get(i).statusCode(), responses.get(i).bodyAsString());
        jobOwner.put(responses.get(i).bodyAsJsonObject().getString("jobId"), users.get(i).id());
      }
      assertEquals(CROWD, jobOwner.size(), "every request got a job of its own");

      Map<String, JsonObject> outcomes = awaitAllDecided(app, jobOwner.keySet());
      long completed = outcomes.values().stream().filter(o -> "completed".equals(o.getString("status"))).count();
      long soldOut = outcomes.values().stream().filter(o -> "SOLD_OUT".equals(o.getString("error"))).count();
      assertEquals(SEATS, completed);
      assertEquals(CROWD - SEATS, soldOut);

      assertEquals(SEATS, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
      assertEquals(SEATS, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
      assertEquals(SEATS, app.queryLong("SELECT count(DISTINCT user_id) FROM bookings WHERE event_id = $1", eventId));
      for (Row booking : app.queryRows("SELECT id, job_id, user_id FROM bookings WHERE event_id = $1", eventId)) {
        JsonObject outcome = outcomes.get(booking.getString("job_id"));
        assertEquals("completed", outcome.getString("status"), "each booking row belongs to a completed job");
        assertEquals(booking.getLong("id"), outcome.getJsonObject("result").getLong("bookingId"));
        assertEquals(jobOwner.get(booking.getString("job_id")), booking.getLong("user_id"));
      }
    }
  }

  @Test
  void theFirstAcceptedRequestsAreTheOnesThatWin(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("batchSize", 16))) {
      long eventId = app.createEvent(SEATS);
      List<TestUser> users = app.users(3 * SEATS);
      // While paused, every request is queued and its position is its place in line.
      assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
      List<HttpResponse<Buffer>> responses = sendAll(app, users, eventId);
      Map<String, Long> positions = new HashMap<>();
      for (HttpResponse<Buffer> response : responses) {
        assertEquals(202, response.statusCode());
        JsonObject body = response.bodyAsJsonObject();
        assertTrue(body.getBoolean("queuePaused"));
        positions.put(body.getString("jobId"), body.getLong("queuePosition"));
      }
      assertEquals(Set.copyOf(range(1, 3 * SEATS)), new HashSet<>(positions.values()), "positions are 1..N, each once");

      assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());
      Map<String, JsonObject> outcomes = awaitAllDecided(app, positions.keySet());
      positions.forEach((jobId, position) -> assertEquals(position <= SEATS ? "completed" : "failed",
          outcomes.get(jobId).getString("status"), "job at position " + position));
      assertEquals(SEATS, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    }
  }

  /**
   * A deep queue is decided in batches that grow from {@code batchSize} to {@code maxBatchSize} while the
   * next batch is taken during the current transaction, and still strictly first come, first served: the
   * first {@code SEATS} places in line book, and booking ids rise with the place in line. Every booking of
   * one transaction has that transaction's {@code now()} as its {@code created_at}, so the rows per
   * timestamp are the batch sizes PostgreSQL saw.
   */
  @ParameterizedTest(name = "max batch size {0}")
  @ValueSource(ints = {0, 32})
  void aDeepQueueIsDecidedInGrowingBatchesInQueueOrder(int maxBatchSize, Vertx vertx) {
    int base = 4;
    try (TestApp app = TestApp.start(vertx, Map.of("batchSize", base, "maxBatchSize", maxBatchSize))) {
      long eventId = app.createEvent(SEATS);
      List<TestUser> users = app.users(3 * SEATS);
      assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
      Map<String, Long> positions = new HashMap<>();
      for (HttpResponse<Buffer> response : sendAll(app, users, eventId)) {
        assertEquals(202, response.statusCode());
        positions.put(response.bodyAsJsonObject().getString("jobId"), response.bodyAsJsonObject().getLong("queuePosition"));
      }

      assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());
      Map<String, JsonObject> outcomes = awaitAllDecided(app, positions.keySet());
      positions.forEach((jobId, position) -> assertEquals(position <= SEATS ? "completed" : "failed",
          outcomes.get(jobId).getString("status"), "job at position " + position));
      assertEquals(SEATS, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));

      long previous = 0;
      List<Row> byPlace = new ArrayList<>(app.queryRows("SELECT id, job_id FROM bookings WHERE event_id = $1", eventId));
      byPlace.sort((a, b) -> Long.compare(positions.get(a.getString("job_id")), positions.get(b.getString("job_id"))));
      for (Row booking : byPlace) {
        assertTrue(booking.getLong("id") > previous, "booking ids rise with the place in line");
        previous = booking.getLong("id");
      }

      long largest = app.queryLong("""
          SELECT max(n) FROM (SELECT count(*) AS n FROM bookings WHERE event_id = $1 GROUP BY created_at) AS t""", eventId);
      long transactions = app.queryLong("SELECT count(DISTINCT created_at) FROM bookings WHERE event_id = $1", eventId);
      if (maxBatchSize == 0) {
        assertEquals(base, largest, "fixed batches of " + base);
        assertEquals(SEATS / base, transactions);
      } else {
        assertTrue(largest > base && largest <= maxBatchSize, "batches grew, within the most: " + largest);
        assertTrue(transactions < SEATS / base, "fewer transactions than fixed batches: " + transactions);
      }
    }
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }

  /** All requests in flight together (the client keeps up to 128 connections busy). */
  static List<HttpResponse<Buffer>> sendAll(TestApp app, List<TestUser> users, long eventId) {
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (TestUser user : users) {
      sent.add(app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(user.token()).send());
    }
    await(Future.all(sent));
    return sent.stream().map(Future::result).toList();
  }

  /** Waits until the queue is drained, then reads every job's final status. */
  static Map<String, JsonObject> awaitAllDecided(TestApp app, Set<String> jobIds) {
    awaitCondition("all jobs to be decided", Duration.ofSeconds(120), () -> {
      JsonObject total = app.queueStats().getJsonObject("total");
      return total.getLong("waiting") == 0 && total.getLong("processing") == 0
          && total.getLong("completed") + total.getLong("failed") >= jobIds.size();
    });
    Map<String, Future<HttpResponse<Buffer>>> statuses = new HashMap<>();
    for (String jobId : jobIds) {
      statuses.put(jobId, app.http.get("/api/bookings/status/" + jobId).bearerTokenAuthentication(app.adminToken()).send());
    }
    await(Future.all(new ArrayList<>(statuses.values())));
    Map<String, JsonObject> out = new HashMap<>();
    statuses.forEach((jobId, response) -> {
      assertEquals(200, response.result().statusCode(), response.result().bodyAsString());
      JsonObject status = response.result().bodyAsJsonObject();
      assertTrue(Set.of("completed", "failed").contains(status.getString("status")), status.encode());
      out.put(jobId, status);
    });
    return out;
  }
}
