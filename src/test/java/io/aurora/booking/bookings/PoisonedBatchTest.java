package io.aurora.booking.bookings;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One job of a batch that cannot be booked fails alone, with its own reason, and its batch-mates book in
 * queue order in the same pass: a deleted user (caught by the lookup inside the transaction) and a row the
 * database refuses for a reason no check foresaw (caught by splitting the batch).
 */
@ExtendWith(VertxExtension.class)
class PoisonedBatchTest {

  private static final int BATCH = 11;
  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("batchSize", 64));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void aBatchOfElevenWithOneDeletedUserConfirmsTenAndFailsThatOneAsUserNotFound() {
    long eventId = app.createEvent(100);
    List<TestUser> users = app.users(BATCH);
    List<String> jobs = enqueuePaused(eventId, users);
    TestUser gone = users.get(5);
    assertEquals(1, app.queryLong("WITH d AS (DELETE FROM users WHERE id = $1 RETURNING id) SELECT count(*) FROM d", gone.id()));
    resume(eventId);

    List<JsonObject> outcomes = jobs.stream().map(app::awaitJob).toList();
    assertDecidedAlone(eventId, jobs, outcomes, 5, "USER_NOT_FOUND");
  }

  @Test
  void aRowTheDatabaseRefusesForAnUnforeseenReasonFailsAloneAndTheRestStillBookInOrder() {
    long eventId = app.createEvent(100);
    List<TestUser> users = app.users(BATCH);
    // A rule the application knows nothing about: the batched insert is refused as a whole.
    TestApp.await(app.db.query("ALTER TABLE bookings ADD CONSTRAINT test_refuses_one_user CHECK (user_id <> "
        + users.get(3).id() + ")").execute());
    try {
      List<String> jobs = enqueuePaused(eventId, users);
      resume(eventId);
      List<JsonObject> outcomes = jobs.stream().map(app::awaitJob).toList();
      assertDecidedAlone(eventId, jobs, outcomes, 3, "BOOKING_REFUSED");
    } finally {
      TestApp.await(app.db.query("ALTER TABLE bookings DROP CONSTRAINT test_refuses_one_user").execute());
    }
  }

  /** The event's queue is paused while the jobs are accepted, so the worker takes them in one batch. */
  private static List<String> enqueuePaused(long eventId, List<TestUser> users) {
    assertEquals(200, app.post("/api/admin/queue/pause?eventId=" + eventId, app.adminToken(), null).statusCode());
    List<String> jobs = new ArrayList<>();
    for (TestUser user : users) {
      jobs.add(app.bookJob(user.token(), eventId));
    }
    return jobs;
  }

  private static void resume(long eventId) {
    assertEquals(200, app.post("/api/admin/queue/resume?eventId=" + eventId, app.adminToken(), null).statusCode());
  }

  private static void assertDecidedAlone(long eventId, List<String> jobs, List<JsonObject> outcomes, int poisoned, String reason) {
    for (int i = 0; i < jobs.size(); i++) {
      JsonObject outcome = outcomes.get(i);
      assertEquals(1, outcome.getInteger("attempts"), "decided in the first delivery: " + outcome.encode());
      if (i == poisoned) {
        assertEquals("failed", outcome.getString("status"), outcome.encode());
        assertEquals(reason, outcome.getString("error"), outcome.encode());
      } else {
        assertEquals("completed", outcome.getString("status"), outcome.encode());
      }
    }
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobs.get(poisoned)));
    assertEquals(BATCH - 1, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
    assertEquals(BATCH - 1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    // First come, first served: the booking rows were made in queue order.
    List<Row> rows = app.queryRows("SELECT job_id FROM bookings WHERE event_id = $1 ORDER BY id", eventId);
    List<String> booked = new ArrayList<>(jobs);
    booked.remove(poisoned);
    assertEquals(booked, rows.stream().map(row -> row.getString("job_id")).toList());
    assertTrue(outcomes.stream().allMatch(o -> o.getInteger("attempts") == 1));
  }
}
