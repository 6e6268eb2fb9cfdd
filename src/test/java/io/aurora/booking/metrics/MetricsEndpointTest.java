package io.aurora.booking.metrics;

import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics endpoint's switches: off, on another path, behind a token. These apps run on the plain
 * Vert.x of vertx-junit5 (built without metrics), so they also prove the domain meters are served
 * without Vert.x's own.
 */
@ExtendWith(VertxExtension.class)
class MetricsEndpointTest {

  private static final String TOKEN = "scrape-token-0123456789";

  @Test
  void metricsTurnedOffAnswer404AndBookingStillWorks(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("metricsEnabled", false))) {
      assertError(app.get("/metrics", null), 404, "NOT_FOUND");
      long eventId = app.createEvent(1);
      assertEquals("completed", app.awaitJob(app.bookJob(app.user().token(), eventId)).getString("status"));
    }
  }

  @Test
  void aMetricsTokenIsRequiredWhenConfiguredAndThePathIsConfigurable(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("metricsToken", TOKEN, "metricsPath", "/internal/prometheus",
        "metricsSampleMillis", 200))) {
      assertError(app.get("/internal/prometheus", null), 401, "UNAUTHORIZED");
      assertError(app.get("/internal/prometheus", "not-the-token"), 401, "UNAUTHORIZED");
      assertError(app.get("/internal/prometheus", TOKEN + "x"), 401, "UNAUTHORIZED");
      assertError(app.get("/internal/prometheus", app.adminToken()), 401, "UNAUTHORIZED");
      assertError(app.get("/metrics", TOKEN), 404, "NOT_FOUND");
      // The header is read by the same rule as the users' tokens: any case of the scheme, nothing else.
      assertEquals(200, app.getWithAuthorization("/internal/prometheus", "bearer " + TOKEN).statusCode());
      assertError(app.getWithAuthorization("/internal/prometheus", "Basic " + TOKEN), 401, "UNAUTHORIZED");
      assertError(app.getWithAuthorization("/internal/prometheus", TOKEN), 401, "UNAUTHORIZED");

      long eventId = app.createEvent(5);
      assertEquals("completed", app.awaitJob(app.bookJob(app.user().token(), eventId)).getString("status"));
      PrometheusText[] scrape = new PrometheusText[1];
      awaitCondition("the domain meters", Duration.ofSeconds(30), () -> {
        HttpResponse<Buffer> response = app.get("/internal/prometheus", TOKEN);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        scrape[0] = PrometheusText.parse(response.bodyAsString());
        return scrape[0].sum("booking_jobs_finished_total", "outcome", "completed") == 1
            && scrape[0].sum("booking_event_seats_left", "event", Long.toString(eventId)) == 4;
      });
      assertEquals(1, scrape[0].sum("booking_jobs_enqueued_total"));
      assertEquals(1, scrape[0].sum("booking_job_latency_seconds_count"));
      assertTrue(scrape[0].has("booking_dependency_up", "dependency", "postgres"));
      assertFalse(scrape[0].has("vertx_http_server_requests_total"), "this Vert.x collects no metrics of its own");
    }
  }
}
