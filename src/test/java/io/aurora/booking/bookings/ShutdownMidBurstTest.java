package io.aurora.booking.bookings;

import io.aurora.booking.testing.ContractCheck;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shutting down in the middle of a burst loses nothing: after a restart every accepted job is decided. */
@ExtendWith(VertxExtension.class)
class ShutdownMidBurstTest {

  @Test
  void stoppingTheServerMidBurstLosesNoAcceptedBooking(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("batchSize", 8))) {
      long eventId = app.createEvent(300);
      List<TestUser> users = app.users(1_500);

      List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
      for (TestUser user : users) {
        burst.add(app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(user.token()).send());
      }
      awaitCondition("the burst to be under way", Duration.ofSeconds(30),
          () -> app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1", eventId) > 0);
      // A client of its own: the burst's client has all its connections busy.
      WebClient probe = ContractCheck.attach(vertx, WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(app.config.httpPort()).setKeepAlive(false)));
      Future<Void> stopping = app.stopServerAsync();
      awaitCondition("/ready to report draining", Duration.ofSeconds(5), () -> {
        HttpResponse<Buffer> ready = await(probe.get("/ready").send().recover(e -> Future.succeededFuture()));
        return ready != null && ready.statusCode() == 503 && "DRAINING".equals(ready.bodyAsJsonObject().getString("status"));
      });
      await(stopping);
      await(Future.join(new ArrayList<>(burst)).otherwiseEmpty());

      Set<String> accepted = new HashSet<>();
      int refused = 0;
      int unanswered = 0;
      for (Future<HttpResponse<Buffer>> sent : burst) {
        if (sent.failed()) {
          unanswered++; // the connection closed under it: the client cannot know (Idempotency-Key is for this)
        } else if (sent.result().statusCode() == 202) {
          accepted.add(sent.result().bodyAsJsonObject().getString("jobId"));
        } else {
          refused++;
          assertEquals(503, sent.result().statusCode(), sent.result().bodyAsString());
        }
      }
      assertTrue(refused > 0, "the stop came in the middle of the burst");
      assertTrue(!accepted.isEmpty());

      app.restartServer();
      Map<String, JsonObject> outcomes = CrowdBookingTest.awaitAllDecided(app, accepted);
      long completed = outcomes.values().stream().filter(o -> "completed".equals(o.getString("status"))).count();
      long confirmed = app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId);
      assertEquals(confirmed, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId), "seats add up");
      assertEquals(completed, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND job_id = ANY($2)",
          eventId, accepted.toArray(String[]::new)), "every completed job has its booking, and only one");
      assertTrue(completed == Math.min(300, accepted.size()) || confirmed == 300, "seats went to accepted jobs first in line");
      for (String jobId : accepted) {
        assertTrue(Set.of("completed", "failed").contains(outcomes.get(jobId).getString("status")));
      }
      assertTrue(app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND NOT (job_id = ANY($2))",
          eventId, accepted.toArray(String[]::new)) <= unanswered, "no booking for a request that was refused with 503");
    }
  }
}
