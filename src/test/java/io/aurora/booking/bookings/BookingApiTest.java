package io.aurora.booking.bookings;

import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class BookingApiTest {

  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("maxSeatsPerOrder", 4, "resultTtlSeconds", 3));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void aBookingIsAcceptedAtOnceAndCompletesWithABookingRow() {
    long eventId = app.createEvent(10);
    TestUser user = app.user();
    HttpResponse<Buffer> accepted = app.post("/api/bookings/" + eventId + "/book", user.token(), new JsonObject().put("seats", 3));
    assertEquals(202, accepted.statusCode(), accepted.bodyAsString());
    JsonObject body = accepted.bodyAsJsonObject();
    for (String field : List.of("message", "jobId", "queuePosition", "estimatedWaitTime", "statusEndpoint")) {
      assertTrue(body.containsKey(field), field);
    }
    assertEquals("/api/bookings/status/" + body.getString("jobId"), body.getString("statusEndpoint"));

    JsonObject outcome = app.awaitJob(body.getString("jobId"));
    assertEquals("completed", outcome.getString("status"));
    JsonObject result = outcome.getJsonObject("result");
    assertEquals(eventId, result.getLong("eventId"));
    assertEquals(3, result.getInteger("seats"));
    assertEquals(3, app.queryLong("SELECT seats FROM bookings WHERE id = $1 AND user_id = $2 AND status = 'CONFIRMED'",
        result.getLong("bookingId"), user.id()));
    assertEquals(3, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
  }

  @Test
  void theSameIdempotencyKeyGivesTheSameJobAndOneBooking() {
    long eventId = app.createEvent(10);
    TestUser user = app.user();
    List<Future<HttpResponse<Buffer>>> retries = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      retries.add(app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(user.token())
          .putHeader("Idempotency-Key", "order-42").send());
    }
    await(Future.all(retries));
    Set<String> jobIds = retries.stream().map(r -> r.result().bodyAsJsonObject().getString("jobId")).collect(Collectors.toSet());
    assertEquals(1, jobIds.size(), "one job for all retries");
    app.awaitJob(jobIds.iterator().next());
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1", user.id()));

    // Another user's identical key is their own.
    TestUser other = app.user();
    String otherJob = app.post("/api/bookings/" + eventId + "/book", other.token(), null).bodyAsJsonObject().getString("jobId");
    assertFalse(jobIds.contains(otherJob));
  }

  @Test
  void anIdempotencyKeyReusedForAnotherEventIs422OnTheSameShardAndOnAnother() {
    int shards = app.config.shards();
    long first = app.createEvent(10);
    long sameShard = first;
    long otherShard = first;
    while (sameShard == first || otherShard == first) {
      long next = app.createEvent(10);
      if (Sharding.shardOf(next, shards) == Sharding.shardOf(first, shards)) {
        sameShard = sameShard == first ? next : sameShard;
      } else {
        otherShard = otherShard == first ? next : otherShard;
      }
    }
    TestUser user = app.user();
    long enqueuedBefore = app.queueStats().getJsonObject("total").getLong("enqueued");
    HttpResponse<Buffer> original = await(app.http.post("/api/bookings/" + first + "/book").bearerTokenAuthentication(user.token())
        .putHeader("Idempotency-Key", "order-7").send());
    assertEquals(202, original.statusCode(), original.bodyAsString());
    String jobId = original.bodyAsJsonObject().getString("jobId");
    for (long other : List.of(sameShard, otherShard)) {
      HttpResponse<Buffer> reused = await(app.http.post("/api/bookings/" + other + "/book").bearerTokenAuthentication(user.token())
          .putHeader("Idempotency-Key", "order-7").send());
      assertError(reused, 422, "IDEMPOTENCY_KEY_REUSED");
    }
    // The same request again is still the first job; a new key books the other events.
    HttpResponse<Buffer> retry = await(app.http.post("/api/bookings/" + first + "/book").bearerTokenAuthentication(user.token())
        .putHeader("Idempotency-Key", "order-7").send());
    assertEquals(jobId, retry.bodyAsJsonObject().getString("jobId"), retry.bodyAsString());
    assertEquals("completed", app.awaitJob(jobId).getString("status"));
    for (long other : List.of(sameShard, otherShard)) {
      HttpResponse<Buffer> fresh = await(app.http.post("/api/bookings/" + other + "/book").bearerTokenAuthentication(user.token())
          .putHeader("Idempotency-Key", "order-8-" + other).send());
      assertEquals(202, fresh.statusCode(), fresh.bodyAsString());
      assertEquals("completed", app.awaitJob(fresh.bodyAsJsonObject().getString("jobId")).getString("status"));
    }
    // Nothing of the refused requests was booked or left waiting: one booking per event, three in all.
    assertEquals(3, app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1", user.id()));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1 AND event_id = $2", user.id(), first));
    JsonObject total = app.queueStats().getJsonObject("total");
    assertEquals(0, total.getLong("waiting") + total.getLong("processing"), total.encode());
    assertEquals(enqueuedBefore + 3, total.getLong("enqueued"), "the refused requests were not counted as enqueued: " + total.encode());
  }

  @Test
  void oneActiveBookingPerUserPerEventByDefault() {
    long eventId = app.createEvent(10);
    TestUser user = app.user();
    assertEquals("completed", app.awaitJob(app.bookJob(user.token(), eventId)).getString("status"));
    JsonObject second = app.awaitJob(app.bookJob(user.token(), eventId));
    assertEquals("ALREADY_BOOKED", second.getString("error"));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1", user.id()));
  }

  @Test
  void statusRevealsUserDataOnlyToTheOwnerAndAdmins() {
    long eventId = app.createEvent(10);
    TestUser owner = app.user();
    String jobId = app.bookJob(owner.token(), eventId);
    app.awaitJob(jobId);

    JsonObject mine = app.get("/api/bookings/status/" + jobId, owner.token()).bodyAsJsonObject();
    assertEquals(owner.id(), mine.getLong("userId"));
    assertTrue(mine.getJsonObject("result").containsKey("bookingId"));

    HttpResponse<Buffer> anonymous = app.get("/api/bookings/status/" + jobId, null);
    assertEquals(200, anonymous.statusCode());
    assertEquals("completed", anonymous.bodyAsJsonObject().getString("status"));
    assertNull(anonymous.bodyAsJsonObject().getValue("userId"));
    assertNull(anonymous.bodyAsJsonObject().getValue("result"));

    assertError(app.get("/api/bookings/status/" + jobId, app.user().token()), 404, "NOT_FOUND");
    assertEquals(200, app.get("/api/bookings/status/" + jobId, app.adminToken()).statusCode());
    assertError(app.get("/api/bookings/status/0-00000000000000000000000000000000", owner.token()), 404, "NOT_FOUND");
    assertError(app.get("/api/bookings/status/not-a-job", owner.token()), 404, "NOT_FOUND");
    assertError(app.get("/api/bookings/status/" + jobId, "garbage"), 401, "UNAUTHORIZED");
  }

  @Test
  void finishedJobsExpireAndOnlyTheBookingRemains() {
    long eventId = app.createEvent(10);
    String jobId = app.bookJob(app.user().token(), eventId);
    assertEquals("completed", app.awaitJob(jobId).getString("status"));
    awaitCondition("the job record to expire", Duration.ofSeconds(15),
        () -> app.get("/api/bookings/status/" + jobId, app.adminToken()).statusCode() == 404);
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
  }

  @Test
  void cancellingFreesTheSeatForTheNextJobAndIsHarmlessTwice() {
    long eventId = app.createEvent(1);
    TestUser first = app.user();
    TestUser second = app.user();
    long bookingId = app.awaitJob(app.bookJob(first.token(), eventId)).getJsonObject("result").getLong("bookingId");
    assertEquals("SOLD_OUT", app.awaitJob(app.bookJob(second.token(), eventId)).getString("error"));

    assertError(app.delete("/api/bookings/" + bookingId + "/cancel", second.token()), 404, "NOT_FOUND");
    HttpResponse<Buffer> cancelled = app.delete("/api/bookings/" + bookingId + "/cancel", first.token());
    assertEquals(200, cancelled.statusCode(), cancelled.bodyAsString());
    assertEquals("CANCELLED", cancelled.bodyAsJsonObject().getString("status"));
    assertEquals(200, app.delete("/api/bookings/" + bookingId + "/cancel", first.token()).statusCode());
    assertEquals(0, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE id = $1 AND status = 'CANCELLED' AND cancelled_at IS NOT NULL", bookingId));

    assertEquals("completed", app.awaitJob(app.bookJob(second.token(), eventId)).getString("status"));
    assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
  }

  @Test
  void historyListsTheCallersBookingsWithTheirEvents() {
    long eventId = app.createEvent("History gig", 5, java.time.Instant.now().plus(Duration.ofDays(3)));
    TestUser user = app.user();
    app.awaitJob(app.bookJob(user.token(), eventId));
    app.awaitJob(app.bookJob(app.user().token(), eventId));
    JsonArray bookings = app.get("/api/bookings/history", user.token()).bodyAsJsonObject().getJsonArray("bookings");
    assertEquals(1, bookings.size());
    assertEquals("History gig", bookings.getJsonObject(0).getJsonObject("event").getString("name"));
    assertEquals("CONFIRMED", bookings.getJsonObject(0).getString("status"));
  }

  @Test
  void eventsThatStartedOrDoNotExistAreRefused() {
    long started = app.createEvent(5);
    app.queryLong("UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = $1 RETURNING id", started);
    assertError(app.book(app.user().token(), started), 409, "EVENT_STARTED");
    assertError(app.book(app.user().token(), 999_999), 404, "NOT_FOUND");

    // Accepted before the start, decided after it: the worker refuses it.
    long startsWhileQueued = app.createEvent(5);
    app.post("/api/admin/queue/pause", app.adminToken(), null);
    String jobId;
    try {
      jobId = app.bookJob(app.user().token(), startsWhileQueued);
      app.queryLong("UPDATE events SET starts_at = now() - interval '1 minute' WHERE id = $1 RETURNING id", startsWhileQueued);
    } finally {
      app.post("/api/admin/queue/resume", app.adminToken(), null);
    }
    assertEquals("EVENT_STARTED", app.awaitJob(jobId).getString("error"));
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE event_id IN ($1, $2)", started, startsWhileQueued));
  }

  @Test
  void badInputOnEveryBookingRouteIsA400() {
    long eventId = app.createEvent(5);
    String token = app.user().token();
    assertError(app.post("/api/bookings/abc/book", token, null), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/bookings/-1/book", token, null), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/bookings/" + eventId + "/book", token, new JsonObject().put("seats", 0)), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/bookings/" + eventId + "/book", token, new JsonObject().put("seats", 5)), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/bookings/" + eventId + "/book", token, new JsonObject().put("seats", "two")), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/bookings/" + eventId + "/book", token, new JsonObject().put("seats", 1.5)), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/bookings/" + eventId + "/book", token, "{seats:"), 400, "INVALID_JSON");
    HttpResponse<Buffer> badKey = await(app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(token)
        .putHeader("Idempotency-Key", "x".repeat(200)).send());
    assertError(badKey, 400, "VALIDATION_FAILED");
    assertError(app.post("/api/bookings/" + eventId + "/book", null, null), 401, "UNAUTHORIZED");
    assertError(app.get("/api/bookings/history?limit=0", token), 400, "VALIDATION_FAILED");
    assertError(app.get("/api/bookings/history?offset=x", token), 400, "VALIDATION_FAILED");
    assertError(app.delete("/api/bookings/abc/cancel", token), 400, "VALIDATION_FAILED");
    assertError(app.delete("/api/bookings/123456789/cancel", token), 404, "NOT_FOUND");
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1", eventId));
  }
}
