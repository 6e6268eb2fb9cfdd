package io.aurora.booking.bookings;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every booking decision leaves exactly one audit row, however it was decided (a batch, the sold-out fast path),
 * appended from its outbox row by the notification dispatcher (with the outbox off, the decision's transaction
 * writes it: NotificationsSwitchTest).
 */
@ExtendWith(VertxExtension.class)
class DecisionAuditTest {

  private static final int CROWD = 2_000;
  private static final int SEATS = 300;

  @Test
  void aCrowdOfTwoThousandLeavesExactlyOneDecisionRowPerJob(Vertx vertx) {
    // A generous deadline: this proves what the log records, not how fast the front door answers a loaded machine.
    try (TestApp app = TestApp.start(vertx, Map.of("batchSize", 64, "requestTimeoutMillis", 30_000))) {
      long eventId = app.createEvent(SEATS);
      List<TestUser> users = app.users(CROWD);
      List<HttpResponse<Buffer>> responses = CrowdBookingTest.sendAll(app, users, eventId);
      Map<String, Long> jobOwner = new HashMap<>();
      for (int i = 0; i < CROWD; i++) {
        assertEquals(202, responses.get(i).statusCode(), responses.get(i).bodyAsString());
        jobOwner.put(responses.get(i).bodyAsJsonObject().getString("jobId"), users.get(i).id());
      }
      Map<String, JsonObject> outcomes = CrowdBookingTest.awaitAllDecided(app, jobOwner.keySet());
      // The fast path's rows are written once the shard is idle, after its answers: wait for them.
      awaitCondition("a decision row for every job", Duration.ofSeconds(60), () ->
          app.queryLong("SELECT count(*) FROM audit_log WHERE action = 'booking.decided' AND event_id = $1", eventId) >= CROWD);

      List<Row> rows = app.queryRows("""
          SELECT job_id, actor_id, chain, after FROM audit_log WHERE action = 'booking.decided' AND event_id = $1""", eventId);
      assertEquals(CROWD, rows.size());
      Map<String, Row> byJob = new HashMap<>();
      rows.forEach(row -> byJob.put(row.getString("job_id"), row));
      assertEquals(jobOwner.keySet(), byJob.keySet(), "one row per job, none twice");
      long confirmed = 0;
      for (Map.Entry<String, Row> e : byJob.entrySet()) {
        Row row = e.getValue();
        JsonObject outcome = outcomes.get(e.getKey());
        assertEquals(jobOwner.get(e.getKey()), row.getLong("actor_id"));
        assertTrue(row.getString("chain").startsWith("shard-"), row.getString("chain"));
        String status = row.getJsonObject("after").getString("status");
        // Appended by the notification dispatcher from the decision's outbox row (the outbox is on): with the
        // decision's time, which the row's own time (its append) follows.
        assertTrue(row.getJsonObject("after").containsKey("decidedAt"), row.getJsonObject("after").encode());
        assertEquals("completed".equals(outcome.getString("status")) ? "CONFIRMED" : "FAILED", status, e.getKey());
        if ("CONFIRMED".equals(status)) {
          confirmed++;
          assertEquals(outcome.getJsonObject("result").getLong("bookingId"), row.getJsonObject("after").getLong("bookingId"));
        } else {
          assertEquals(outcome.getString("error"), row.getJsonObject("after").getString("reason"));
        }
      }
      assertEquals(SEATS, confirmed);
      assertEquals(SEATS, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1", eventId));

      JsonObject verified = app.get("/api/admin/audit/verify", app.adminToken()).bodyAsJsonObject();
      assertTrue(verified.getBoolean("valid"), verified.encode());
    }
  }
}
