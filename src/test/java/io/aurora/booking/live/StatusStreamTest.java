package io.aurora.booking.live;

import io.aurora.booking.bookings.BookingWorker;
import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.FailureReason;
import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.EventStreamClient;
import io.aurora.booking.testing.EventStreamClient.Event;
import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live status stream (Server-Sent Events) against the real application, PostgreSQL and Redis. This node
 * runs no shard workers ({@code localWorkers=false}): a test moves the line itself, by taking jobs from the
 * queue as a worker would, and deploys a real worker when the job is to be decided. That makes each place
 * in line a state the test chose, not a race with a worker.
 */
@ExtendWith(VertxExtension.class)
class StatusStreamTest {

  private static final int MAX_STREAMS = 3;
  private static TestApp app;
  private static ShardQueue queue;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("localWorkers", false, "sseMaxStreams", MAX_STREAMS, "sseHeartbeatMillis", 300));
    queue = new ShardQueue(app.redis);
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void aStreamFollowsItsJobDownTheLineToItsOutcomeAndEnds() {
    InLine line = behind(5);
    int shard = line.shard();
    TestUser owner = line.owner();
    String jobId = line.jobId();

    try (EventStreamClient stream = open(jobId, Map.of("Authorization", "Bearer " + owner.token()))) {
      assertEquals(200, stream.status());
      assertEquals("text/event-stream", stream.header("Content-Type"));
      Event first = stream.awaitEvent("the current state", e -> true);
      assertEquals("status", first.event());
      // Other tests' jobs of this shard may be in line too (nothing decides them): 6 or more ahead.
      long place = first.data().getLong("queuePosition");
      assertTrue(place >= 6, first.toString());
      assertEquals(app.get(statusPath(jobId), owner.token()).bodyAsJsonObject(), first.data(),
          "the first event is the status answer");

      take(shard, 2);
      Event moved = stream.awaitEvent("place - 2", e -> "position".equals(e.event())
          && e.data().getLong("queuePosition") == place - 2);
      take(shard, 2);
      stream.awaitEvent("place - 4", e -> "position".equals(e.event()) && e.data().getLong("queuePosition") == place - 4);
      assertTrue(moved.id() > first.id());

      String worker = await(app.vertx.deployVerticle(new BookingWorker(shard, ShardQueue::new),
          new DeploymentOptions().setConfig(app.config.toJson())));
      try {
        Event outcome = stream.awaitEvent("the outcome", e -> "completed".equals(e.event()));
        stream.awaitEnd();
        assertEquals(app.get(statusPath(jobId), owner.token()).bodyAsJsonObject(), outcome.data(),
            "the final event is the status answer");
        long bookingId = outcome.data().getJsonObject("result").getLong("bookingId");
        assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE id = $1 AND job_id = $2 AND user_id = $3"
            + " AND status = 'CONFIRMED'", bookingId, jobId, owner.id()));
      } finally {
        await(app.vertx.undeploy(worker));
      }
      List<Long> ids = stream.events().stream().map(Event::id).toList();
      for (int i = 1; i < ids.size(); i++) {
        assertTrue(ids.get(i) > ids.get(i - 1), "ids only grow: " + ids);
      }
      List<Long> places = stream.events().stream().filter(e -> e.data().containsKey("queuePosition"))
          .map(e -> e.data().getLong("queuePosition")).toList();
      assertEquals(List.of(place, place - 2, place - 4), places, "each place once, going down");
    }
  }

  @Test
  void aReconnectWithLastEventIdResumesWithoutRepeatsAndAfterTheEndGetsTheOutcomeAgain() {
    InLine line = behind(4);
    int shard = line.shard();
    TestUser owner = line.owner();
    String jobId = line.jobId();
    Map<String, String> auth = Map.of("Authorization", "Bearer " + owner.token());

    long seen;
    long place;
    try (EventStreamClient stream = open(jobId, auth)) {
      Event first = stream.awaitEvent("the current state", e -> true);
      seen = first.id();
      place = first.data().getLong("queuePosition");
    }
    // Reconnected with nothing new: no event at all (the client has it), only the stream's head and comments.
    try (EventStreamClient stream = open(jobId, with(auth, "Last-Event-ID", Long.toString(seen)))) {
      assertEquals(200, stream.status());
      awaitCondition("a heartbeat", Duration.ofSeconds(10), () -> stream.comments().contains("hb"));
      assertTrue(stream.events().isEmpty(), stream.events().toString());
    }
    take(shard, 3);
    try (EventStreamClient stream = open(jobId, with(auth, "Last-Event-ID", Long.toString(seen)))) {
      Event now = stream.awaitEvent("the state now", e -> true);
      assertEquals("status", now.event());
      assertEquals(place - 3, now.data().getLong("queuePosition"));
      assertTrue(now.id() > seen);
    }

    String worker = await(app.vertx.deployVerticle(new BookingWorker(shard, ShardQueue::new),
        new DeploymentOptions().setConfig(app.config.toJson())));
    long finalId;
    try (EventStreamClient stream = open(jobId, auth)) {
      finalId = stream.awaitEvent("the outcome", e -> "completed".equals(e.event())).id();
      stream.awaitEnd();
    } finally {
      await(app.vertx.undeploy(worker));
    }
    // After the end: the final event again, at once, with the same id, and the end.
    try (EventStreamClient stream = open(jobId, with(auth, "Last-Event-ID", Long.toString(finalId)))) {
      stream.awaitEnd();
      assertEquals(1, stream.events().size());
      assertEquals(finalId, stream.events().get(0).id());
      assertEquals("completed", stream.events().get(0).event());
    }
    // A plain client (the contract-checked one) reads the whole, ended stream.
    HttpResponse<Buffer> whole = app.get(streamPath(jobId) + "?lastEventId=" + finalId, owner.token());
    assertEquals(200, whole.statusCode());
    assertTrue(whole.bodyAsString().contains("id: " + finalId + "\nevent: completed\ndata: {"), whole.bodyAsString());
  }

  @Test
  void aTicketOpensTheOwnersStreamOnceAndOnlyForItsJob() {
    long eventId = app.createEvent(100);
    TestUser owner = app.user();
    TestUser stranger = app.user();
    String jobId = app.bookJob(owner.token(), eventId);
    String otherJob = app.bookJob(stranger.token(), eventId);

    HttpResponse<Buffer> issued = app.post(ticketPath(jobId), owner.token(), null);
    assertEquals(200, issued.statusCode(), issued.bodyAsString());
    String ticket = issued.bodyAsJsonObject().getString("ticket");
    assertEquals(StreamTickets.TTL_SECONDS, issued.bodyAsJsonObject().getInteger("expiresIn"));
    assertNotNull(ticket);

    try (EventStreamClient stream = EventStreamClient.open(app.vertx, app.config.httpPort(),
        streamPath(jobId) + "?ticket=" + ticket, Map.of())) {
      assertEquals(200, stream.status());
      Event first = stream.awaitEvent("the current state", e -> true);
      assertEquals(owner.id(), first.data().getLong("userId"), "the ticket stands for its owner: the owner's view");
    }
    assertError(app.get(streamPath(jobId) + "?ticket=" + ticket, null), 401, "UNAUTHORIZED"); // spent
    assertError(app.get(streamPath(jobId) + "?ticket=not-a-ticket", null), 401, "UNAUTHORIZED");
    assertError(app.get(streamPath(jobId) + "?ticket=" + "A".repeat(43), null), 401, "UNAUTHORIZED");

    String forOwnJob = app.post(ticketPath(jobId), owner.token(), null).bodyAsJsonObject().getString("ticket");
    assertError(app.get(streamPath(otherJob) + "?ticket=" + forOwnJob, null), 401, "UNAUTHORIZED");
    assertError(app.get(streamPath(jobId) + "?ticket=" + forOwnJob, null), 401, "UNAUTHORIZED"); // spent by that try

    assertError(app.post(ticketPath(jobId), stranger.token(), null), 404, "NOT_FOUND");
    assertError(app.post(ticketPath(jobId), null, null), 401, "UNAUTHORIZED");
    assertError(app.post(ticketPath("0-" + "0".repeat(32)), owner.token(), null), 404, "NOT_FOUND");
    assertEquals(200, app.post(ticketPath(jobId), app.adminToken(), null).statusCode());
  }

  @Test
  void theStatusRulesDecideWhatAStreamShows() {
    long eventId = app.createEvent(100);
    TestUser owner = app.user();
    TestUser stranger = app.user();
    String jobId = app.bookJob(owner.token(), eventId);

    assertError(app.get(streamPath(jobId), stranger.token()), 404, "NOT_FOUND");
    assertError(app.get(streamPath(jobId), "not.a.token"), 401, "UNAUTHORIZED");
    assertError(app.get(streamPath("no-such-job"), null), 404, "NOT_FOUND");
    assertError(app.get(streamPath(jobId) + "?lastEventId=-1", owner.token()), 400, "VALIDATION_FAILED");

    try (EventStreamClient anonymous = open(jobId, Map.of())) {
      JsonObject view = anonymous.awaitEvent("the current state", e -> true).data();
      assertEquals(app.get(statusPath(jobId), null).bodyAsJsonObject(), view);
      assertFalse(view.containsKey("userId"), view.encode());
      assertTrue(view.containsKey("queuePosition"), view.encode());
    }
    try (EventStreamClient admin = open(jobId, Map.of("Authorization", "Bearer " + app.adminToken()))) {
      assertEquals(owner.id(), admin.awaitEvent("the current state", e -> true).data().getLong("userId"));
    }
  }

  @Test
  void aNodeHoldsAtMostItsStreamsAndLetsGoOfTheClientsThatLeave() {
    long eventId = app.createEvent(100);
    TestUser owner = app.user();
    String jobId = app.bookJob(owner.token(), eventId);
    awaitCondition("no stream left open by other tests", Duration.ofSeconds(10), () -> openGauge() == 0);

    List<EventStreamClient> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_STREAMS; i++) {
        EventStreamClient stream = open(jobId, Map.of());
        stream.awaitEvent("the current state", e -> true);
        held.add(stream);
      }
      assertEquals(MAX_STREAMS, openGauge());
      HttpResponse<Buffer> refused = app.get(streamPath(jobId), null);
      assertError(refused, 503, "SERVICE_UNAVAILABLE");
      assertNotNull(refused.getHeader("Retry-After"));
      held.remove(0).close();
      awaitCondition("the stream of the client that left to be let go", Duration.ofSeconds(10),
          () -> openGauge() == MAX_STREAMS - 1);
      try (EventStreamClient again = open(jobId, Map.of())) {
        assertEquals(200, again.status());
      }
    } finally {
      held.forEach(EventStreamClient::close);
    }
    awaitCondition("every stream let go", Duration.ofSeconds(10), () -> openGauge() == 0);
  }

  /**
   * The node that decided a job died before announcing it: the job's streams see it taken, and after a few
   * ticks read its status themselves.
   */
  @Test
  void aJobDecidedWithoutAnnouncementStillReachesItsStream() {
    long eventId = app.createEvent(100);
    int shard = Sharding.shardOf(eventId, app.config.shards());
    TestUser owner = app.user();
    String jobId = app.bookJob(owner.token(), eventId);
    try (EventStreamClient stream = open(jobId, Map.of("Authorization", "Bearer " + owner.token()))) {
      stream.awaitEvent("the current state", e -> true);
      // Whatever other tests left in this shard's line is taken with it; only this job is acknowledged.
      List<String> taken = await(queue.take(shard, 100, 60_000)).stream().map(t -> t.jobId()).toList();
      assertTrue(taken.contains(jobId), taken.toString());
      await(queue.ack(shard, List.of(JobOutcome.failed(jobId, FailureReason.EVENT_STARTED)), 600));
      Event outcome = stream.awaitEvent("the outcome", e -> "failed".equals(e.event()));
      assertEquals("EVENT_STARTED", outcome.data().getString("error"));
      stream.awaitEnd();
    }
  }

  /** A job of a new event, with {@code ahead} jobs of other users before it in line. */
  private record InLine(int shard, TestUser owner, String jobId) {
  }

  private static InLine behind(int ahead) {
    long eventId = app.createEvent(100);
    for (TestUser user : app.users(ahead)) {
      app.bookJob(user.token(), eventId);
    }
    TestUser owner = app.user();
    return new InLine(Sharding.shardOf(eventId, app.config.shards()), owner, app.bookJob(owner.token(), eventId));
  }

  /** A node stopping ends its streams (their clients reconnect elsewhere) instead of leaving them hanging. */
  @Test
  void aStoppingNodeEndsItsStreams() {
    long eventId = app.createEvent(100);
    TestUser owner = app.user();
    String jobId = app.bookJob(owner.token(), eventId);
    try (EventStreamClient stream = open(jobId, Map.of("Authorization", "Bearer " + owner.token()))) {
      stream.awaitEvent("the current state", e -> true);
      app.stopServer();
      try {
        stream.awaitEnd();
        assertTrue(stream.events().stream().noneMatch(e -> "completed".equals(e.event()) || "failed".equals(e.event())),
            "ended, not decided: " + stream.events());
      } finally {
        app.restartServer();
      }
    }
    try (EventStreamClient again = open(jobId, Map.of("Authorization", "Bearer " + owner.token()))) {
      assertEquals("queued", again.awaitEvent("the state after the restart", e -> true).data().getString("status"));
    }
  }

  private static void take(int shard, int jobs) {
    assertEquals(jobs, await(queue.take(shard, jobs, 60_000)).size());
  }

  private static double openGauge() {
    return PrometheusText.parse(app.get(app.config.metricsPath(), null).bodyAsString()).sum("booking_status_streams_open");
  }

  private static EventStreamClient open(String jobId, Map<String, String> headers) {
    return EventStreamClient.open(app.vertx, app.config.httpPort(), streamPath(jobId), headers);
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> all = new java.util.HashMap<>(headers);
    all.put(name, value);
    return all;
  }

  private static String statusPath(String jobId) {
    return "/api/bookings/status/" + jobId;
  }

  private static String streamPath(String jobId) {
    return "/api/bookings/status/" + jobId + "/stream";
  }

  private static String ticketPath(String jobId) {
    return "/api/bookings/status/" + jobId + "/stream-ticket";
  }
}
