package io.aurora.booking.admin;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operators' jobs: found by id or by the user's email, and a job whose retries ran out (INTERNAL, made
 * honestly: another transaction holds the event's row lock past every retry) listed and retried until it books.
 */
@ExtendWith(VertxExtension.class)
class JobsAdminTest {

  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("lockTimeoutMillis", 300, "maxAttempts", 2, "retryBaseMillis", 20));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void aJobIsFoundByIdAndByItsUsersEmail() {
    long eventId = app.createEvent(5);
    TestUser user = app.user();
    String first = app.bookJob(user.token(), eventId);
    assertEquals("completed", app.awaitJob(first).getString("status"));
    String second = app.bookJob(user.token(), app.createEvent(5));
    app.awaitJob(second);

    JsonObject byId = app.get("/api/admin/jobs/" + first, app.adminToken()).bodyAsJsonObject();
    assertEquals("completed", byId.getString("status"));
    assertEquals(user.id(), byId.getLong("userId"));
    assertEquals(eventId, byId.getLong("eventId"));
    assertEquals(1, byId.getInteger("attempts"));

    JsonArray jobs = app.get("/api/admin/jobs?email=" + user.email().toUpperCase(), app.adminToken())
        .bodyAsJsonObject().getJsonArray("jobs");
    assertEquals(List.of(second, first), jobs.stream().map(j -> ((JsonObject) j).getString("jobId")).toList(), "newest first");
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", first));

    // A job still waiting (its event paused) is found too, with its place; once decided, it is found as decided.
    long pausedEvent = app.createEvent(5);
    assertEquals(200, app.post("/api/admin/queue/pause?eventId=" + pausedEvent, app.adminToken(), null).statusCode());
    String waiting = app.bookJob(user.token(), pausedEvent);
    JsonArray withWaiting = app.get("/api/admin/jobs?email=" + user.email(), app.adminToken()).bodyAsJsonObject().getJsonArray("jobs");
    assertEquals(List.of(waiting, second, first), withWaiting.stream().map(j -> ((JsonObject) j).getString("jobId")).toList());
    assertEquals("queued", withWaiting.getJsonObject(0).getString("status"));
    assertEquals(200, app.post("/api/admin/queue/resume?eventId=" + pausedEvent, app.adminToken(), null).statusCode());
    assertEquals("completed", app.awaitJob(waiting).getString("status"));
    JsonArray afterwards = app.get("/api/admin/jobs?email=" + user.email(), app.adminToken()).bodyAsJsonObject().getJsonArray("jobs");
    assertEquals(waiting, afterwards.getJsonObject(0).getString("jobId"));
    assertEquals("completed", afterwards.getJsonObject(0).getString("status"));

    assertError(app.get("/api/admin/jobs?email=nobody-" + System.nanoTime() + "@test.local", app.adminToken()), 404, "NOT_FOUND");
    assertError(app.get("/api/admin/jobs?email=not-an-email", app.adminToken()), 400, "VALIDATION_FAILED");
    assertError(app.get("/api/admin/jobs", app.adminToken()), 400, "VALIDATION_FAILED");
    assertError(app.get("/api/admin/jobs/j0-unknown", app.adminToken()), 404, "NOT_FOUND");
    assertError(app.get("/api/admin/jobs/" + first, user.token()), 403, "FORBIDDEN");
  }

  @Test
  void aJobThatFailedInternalIsListedAndRetriedAndThenBooks() {
    long eventId = app.createEvent(10);
    TestUser user = app.user();
    String jobId;
    SqlConnection blocker = await(app.db.getConnection());
    Transaction tx = await(blocker.begin());
    await(blocker.preparedQuery("SELECT id FROM events WHERE id = $1 FOR UPDATE").execute(Tuple.of(eventId)));
    try {
      jobId = app.bookJob(user.token(), eventId);
      JsonObject failed = app.awaitJob(jobId);
      assertEquals("INTERNAL", failed.getString("error"), failed.encode());
    } finally {
      await(tx.rollback());
      blocker.close();
    }
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
    JsonObject outcomesBefore = app.queueStats().getJsonObject("total").getJsonObject("outcomes");
    assertTrue(outcomesBefore.getLong("INTERNAL") >= 1, outcomesBefore.encode());
    assertTrue(internalJobIds().contains(jobId), "listed for the operators");

    String completed = app.bookJob(app.user().token(), eventId);
    app.awaitJob(completed);
    assertError(app.post("/api/admin/jobs/" + completed + "/retry", app.adminToken(), null), 409, "CONFLICT");
    assertError(app.post("/api/admin/jobs/j0-unknown/retry", app.adminToken(), null), 404, "NOT_FOUND");
    assertError(app.post("/api/admin/jobs/" + jobId + "/retry", user.token(), null), 403, "FORBIDDEN");

    JsonObject retried = app.post("/api/admin/jobs/" + jobId + "/retry", app.adminToken(), null).bodyAsJsonObject();
    assertTrue(List.of("queued", "processing", "completed").contains(retried.getString("status")), retried.encode());
    JsonObject outcome = app.awaitJob(jobId);
    assertEquals("completed", outcome.getString("status"), outcome.encode());
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1 AND status = 'CONFIRMED'", jobId));
    assertEquals(2, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    assertTrue(!internalJobIds().contains(jobId), "no longer listed");
    assertEquals(outcomesBefore.getLong("INTERNAL") - 1,
        app.queueStats().getJsonObject("total").getJsonObject("outcomes").getLong("INTERNAL"), "no longer counted INTERNAL");
    assertEquals(1, app.queryLong("SELECT count(*) FROM audit_log WHERE action = 'job.retried' AND job_id = $1", jobId));
    assertError(app.post("/api/admin/jobs/" + jobId + "/retry", app.adminToken(), null), 409, "CONFLICT");
  }

  private static List<String> internalJobIds() {
    return app.get("/api/admin/jobs/internal", app.adminToken()).bodyAsJsonObject().getJsonArray("jobs").stream()
        .map(j -> ((JsonObject) j).getString("jobId")).toList();
  }
}
