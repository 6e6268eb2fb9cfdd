package io.aurora.booking.bookings;

import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real PostgreSQL faults: another transaction holds the event row, so the worker's lock times out
 * (SQLSTATE 55P03), a fault it must retry, while business outcomes are never retried.
 */
@ExtendWith(VertxExtension.class)
class FaultRetryTest {

  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("lockTimeoutMillis", 300, "maxAttempts", 4, "retryBaseMillis", 20));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void aLockTimeoutIsRetriedAndTheBookingThenSucceeds() {
    long eventId = app.createEvent(10);
    long retriedBefore = app.queueStats().getJsonObject("total").getLong("retried");
    SqlConnection blocker = await(app.db.getConnection());
    Transaction tx = await(blocker.begin());
    await(blocker.preparedQuery("SELECT id FROM events WHERE id = $1 FOR UPDATE").execute(Tuple.of(eventId)));

    String jobId = app.bookJob(app.user().token(), eventId);
    // The worker waits for the lock, times out, and tries again: two separate waits on the row.
    awaitWaitingForLock(true);
    awaitWaitingForLock(false);
    awaitWaitingForLock(true);
    await(tx.rollback());
    blocker.close();

    JsonObject outcome = app.awaitJob(jobId);
    assertEquals("completed", outcome.getString("status"), outcome.encode());
    assertEquals(1, outcome.getInteger("attempts"), "retried in the worker, not redelivered");
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
    assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    long retried = app.queueStats().getJsonObject("total").getLong("retried") - retriedBefore;
    assertEquals(true, retried >= 1, "retries counted: " + retried);
  }

  @Test
  void aFaultThatOutlastsTheRetriesFailsTheJobAsInternalAndBooksNothing() {
    long eventId = app.createEvent(10);
    SqlConnection blocker = await(app.db.getConnection());
    Transaction tx = await(blocker.begin());
    await(blocker.preparedQuery("SELECT id FROM events WHERE id = $1 FOR UPDATE").execute(Tuple.of(eventId)));
    try {
      String jobId = app.bookJob(app.user().token(), eventId);
      JsonObject outcome = app.awaitJob(jobId);
      assertEquals("failed", outcome.getString("status"));
      assertEquals("INTERNAL", outcome.getString("error"));
      assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
    } finally {
      await(tx.rollback());
      blocker.close();
    }
    assertEquals(0, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
  }

  @Test
  void soldOutIsFinalAndNeverRetried() {
    long eventId = app.createEvent(1);
    long retriedBefore = app.queueStats().getJsonObject("total").getLong("retried");
    JsonObject first = app.awaitJob(app.bookJob(app.user().token(), eventId));
    JsonObject second = app.awaitJob(app.bookJob(app.user().token(), eventId));
    assertEquals("completed", first.getString("status"));
    assertEquals("SOLD_OUT", second.getString("error"));
    assertEquals(1, second.getInteger("attempts"));
    assertEquals(retriedBefore, app.queueStats().getJsonObject("total").getLong("retried"));
  }

  private static void awaitWaitingForLock(boolean waiting) {
    awaitCondition(waiting ? "a transaction waiting for the event lock" : "the lock wait to time out", Duration.ofSeconds(10),
        () -> (app.queryLong("SELECT count(*) FROM pg_stat_activity "
            + "WHERE wait_event_type = 'Lock' AND datname = current_database()") > 0) == waiting);
  }
}
