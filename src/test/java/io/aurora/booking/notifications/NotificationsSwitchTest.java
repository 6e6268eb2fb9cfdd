package io.aurora.booking.notifications;

import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code notificationsEnabled=false}, the switch that measures what notifications cost: a decided booking
 * writes no outbox row, and its audit decision row is still written (once).
 */
@ExtendWith(VertxExtension.class)
class NotificationsSwitchTest {

  @Test
  void withNotificationsOffADecisionWritesNoOutboxRowButItsAuditRow(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("notificationsEnabled", false))) {
      long eventId = app.createEvent(1);
      String first = app.bookJob(app.user().token(), eventId);
      String second = app.bookJob(app.user().token(), eventId);
      assertEquals("completed", app.awaitJob(first).getString("status"));
      assertEquals("failed", app.awaitJob(second).getString("status"));

      assertEquals(0, app.queryLong("SELECT count(*) FROM outbox"));
      assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", first));
      assertEquals(1, app.queryLong("SELECT count(*) FROM audit_log WHERE action = 'booking.decided' AND job_id = $1", first));
      assertEquals(1, app.queryLong("SELECT count(*) FROM audit_log WHERE action = 'booking.decided' AND job_id = $1", second));
    }
  }
}
