package io.aurora.booking.infra;

import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.ReplicatedPostgres;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service on a real PostgreSQL primary with a real streaming replica ({@code pgReadUrl}): analytics are
 * read from the replica (shown by pausing its replay: they lag behind while a user's own history, read from
 * the primary, is right at once), a stopped replica sends them to the primary without an error while the lag
 * gauge grows, and a restarted one serves them again; a replica cut off from the primary shows its lag growing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadReplicaTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private Vertx vertx;
  private ReplicatedPostgres postgres;
  private TestApp app;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    postgres = ReplicatedPostgres.start();
    String redisUrl = TestServices.get().newRedisDb();
    JsonObject config = TestApp.baseConfig("", redisUrl)
        .put("pgUrl", postgres.primaryUrl(DatabaseRoles.APP, TestServices.APP_PASSWORD))
        .put("pgMigrationUrl", postgres.primaryUrl(DatabaseRoles.OWNER, TestServices.OWNER_PASSWORD))
        .put("pgReadUrl", postgres.replicaUrl(DatabaseRoles.APP, TestServices.APP_PASSWORD))
        // This test pauses replay for a while: a lag limit would send the analytics back to the primary.
        .put("pgReadMaxLagSeconds", 3_600);
    app = TestApp.start(vertx, config, postgres.primarySuperuserUrl(), redisUrl);
  }

  @AfterAll
  void stop() {
    try {
      if (app != null) {
        app.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
      await(vertx.close());
    }
  }

  @Test
  void analyticsComeFromTheReplicaWhileTheCallersOwnHistoryIsRightAtOnce() {
    long eventId = app.createEvent(10);
    TestUser user = app.user();
    awaitReplicaServing(eventId, 0);
    double servedByReplica = scrape().sum("booking_pg_replica_reads_total", "served_by", "replica");

    postgres.onReplica("SELECT pg_wal_replay_pause()");
    try {
      String jobId = app.bookJob(user.token(), eventId);
      assertEquals("completed", app.awaitJob(jobId).getString("status"));
      assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));

      // The caller's own history is read from the primary: the booking is there right after it completed.
      JsonArray history = app.get("/api/bookings/history", user.token()).bodyAsJsonObject().getJsonArray("bookings");
      assertEquals(1, history.size(), history.encode());
      assertEquals(jobId, history.getJsonObject(0).getString("jobId"));
      assertEquals(eventId, history.getJsonObject(0).getJsonObject("event").getLong("id"));

      // The analytics are read from the replica, whose replay is paused: they do not show it yet.
      assertEquals(0, bookedInReplicaAnalytics(eventId));
      assertTrue(scrape().sum("booking_pg_replica_reads_total", "served_by", "replica") > servedByReplica);
      awaitCondition("the lag gauge to show the paused replica behind", WAIT,
          () -> scrape().sum("booking_pg_replica_lag_seconds") > 0);
    } finally {
      postgres.onReplica("SELECT pg_wal_replay_resume()");
    }
    awaitCondition("the replica to replay the booking", WAIT, () -> bookedInAnalytics(eventId) == 1);
    awaitCondition("the lag gauge to fall back to 0", WAIT, () -> scrape().sum("booking_pg_replica_lag_seconds") == 0);
  }

  @Test
  void aStoppedReplicaSendsTheReadsToThePrimaryAndARestartedOneServesThemAgain() {
    long eventId = app.createEvent(10);
    awaitReplicaServing(eventId, 0);

    postgres.stopReplica();
    try {
      assertEquals("completed", app.awaitJob(app.bookJob(app.user().token(), eventId)).getString("status"));
      // No error and no stale answer: the first read after the stop already comes from the primary.
      double fallbacks = scrape().sum("booking_pg_replica_reads_total", "served_by", "primary");
      assertEquals(1, bookedInAnalytics(eventId));
      assertTrue(scrape().sum("booking_pg_replica_reads_total", "served_by", "primary") > fallbacks);
      awaitCondition("the replica to be reported down", WAIT,
          () -> scrape().sum("booking_dependency_up", "dependency", "postgres-replica") == 0);
      double lag = scrape().sum("booking_pg_replica_lag_seconds");
      awaitCondition("the lag gauge to grow while the replica is gone", WAIT,
          () -> scrape().sum("booking_pg_replica_lag_seconds") >= lag + 1);
    } finally {
      postgres.startReplica();
    }

    awaitCondition("the replica to be reported up", WAIT,
        () -> scrape().sum("booking_dependency_up", "dependency", "postgres-replica") == 1);
    // Served by the replica again: it caught up with the booking made while it was down, and a paused replay
    // shows in the analytics again.
    awaitReplicaServing(eventId, 1);
    postgres.onReplica("SELECT pg_wal_replay_pause()");
    try {
      assertEquals("completed", app.awaitJob(app.bookJob(app.user().token(), eventId)).getString("status"));
      assertEquals(1, bookedInReplicaAnalytics(eventId));
    } finally {
      postgres.onReplica("SELECT pg_wal_replay_resume()");
    }
    awaitCondition("the replica to replay the second booking", WAIT, () -> bookedInAnalytics(eventId) == 2);
  }

  @Test
  void aReplicaCutOffFromThePrimaryIsSeenFallingBehindThoughItHasReplayedAllItReceived() {
    long eventId = app.createEvent(10);
    awaitReplicaServing(eventId, 0);

    postgres.cutReplicaOff();
    try {
      assertEquals("completed", app.awaitJob(app.bookJob(app.user().token(), eventId)).getString("status"));
      assertEquals(0, bookedInReplicaAnalytics(eventId), "the replica, which did not receive the booking, still serves");
      awaitCondition("the lag gauge to grow while the replica gets no WAL", WAIT,
          () -> scrape().sum("booking_pg_replica_lag_seconds") >= 1);
      assertEquals(1, scrape().sum("booking_dependency_up", "dependency", "postgres-replica"));
    } finally {
      postgres.reconnectReplica();
    }
    awaitCondition("the replica to catch up once connected again", WAIT,
        () -> bookedInAnalytics(eventId) == 1 && scrape().sum("booking_pg_replica_lag_seconds") == 0);
  }

  /** Waits until the analytics show {@code booked} seats of the event while the replica answers with no lag. */
  private void awaitReplicaServing(long eventId, int booked) {
    awaitCondition("the replica to serve the analytics, caught up", WAIT, () -> {
      PrometheusText metrics = scrape();
      return metrics.sum("booking_dependency_up", "dependency", "postgres-replica") == 1
          && metrics.sum("booking_pg_replica_lag_seconds") == 0 && bookedInAnalytics(eventId) == booked;
    });
  }

  /**
   * The analytics as the replica serves them. A read the node sends to the primary instead (a probe of the
   * replica that timed out on a loaded machine makes it do so until the next probe answers) is not that
   * answer: it is asked again. A replica that serves a wrong figure still fails the caller's assertion.
   */
  private long bookedInReplicaAnalytics(long eventId) {
    long[] booked = {-1};
    awaitCondition("a read of the analytics that the replica serves", WAIT, () -> {
      double servedByReplica = scrape().sum("booking_pg_replica_reads_total", "served_by", "replica");
      booked[0] = bookedInAnalytics(eventId);
      return scrape().sum("booking_pg_replica_reads_total", "served_by", "replica") > servedByReplica;
    });
    return booked[0];
  }

  private long bookedInAnalytics(long eventId) {
    HttpResponse<Buffer> response = app.get("/api/admin/analytics", app.adminToken());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    JsonArray events = response.bodyAsJsonObject().getJsonArray("capacityUtilisation");
    for (int i = 0; i < events.size(); i++) {
      if (events.getJsonObject(i).getLong("id") == eventId) {
        return events.getJsonObject(i).getInteger("booked");
      }
    }
    return -1;
  }

  private PrometheusText scrape() {
    return PrometheusText.parse(app.get("/metrics", null).bodyAsString());
  }
}
