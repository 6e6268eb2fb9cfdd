package io.aurora.booking.bookings;

import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workers that die mid-job. The app runs without workers of its own; the test plays the worker that
 * takes a job and dies (before or after its commit), then starts real workers and watches the lease
 * run out and the job be redelivered.
 */
@ExtendWith(VertxExtension.class)
class WorkerCrashRecoveryTest {

  private static final long SHORT_LEASE_MILLIS = 300;

  @Test
  void jobsOfWorkersThatDiedBeforeOrAfterCommitAreRedeliveredAndBookedExactlyOnce(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      int shards = app.config.shards();

      // Dies before commit: takes the job, does nothing, never acknowledges.
      long eventBefore = app.createEvent(5);
      String jobBefore = app.bookJob(app.user().token(), eventBefore);
      List<TakenJob> takenBefore = await(queue.take(Sharding.shardOf(eventBefore, shards), 10, SHORT_LEASE_MILLIS));
      assertEquals(List.of(jobBefore), takenBefore.stream().map(TakenJob::jobId).toList());

      // Dies after commit: takes the job, books it in PostgreSQL, dies before acknowledging.
      long eventAfter = app.createEvent(5);
      String jobAfter = app.bookJob(app.user().token(), eventAfter);
      List<TakenJob> takenAfter = await(queue.take(Sharding.shardOf(eventAfter, shards), 10, SHORT_LEASE_MILLIS));
      assertEquals(List.of(jobAfter), takenAfter.stream().map(TakenJob::jobId).toList());
      List<JobOutcome> committed = await(new SeatLedger(app.db, 1).decide(eventAfter, takenAfter));
      long bookingIdOfDeadWorker = committed.get(0).result().getLong("bookingId");
      assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventAfter));

      assertEquals("processing", app.get("/api/bookings/status/" + jobBefore, app.adminToken()).bodyAsJsonObject().getString("status"));

      deployWorkers(vertx, app);
      JsonObject before = app.awaitJob(jobBefore);
      JsonObject after = app.awaitJob(jobAfter);

      assertEquals("completed", before.getString("status"));
      assertEquals(2, before.getInteger("attempts"), "delivered twice");
      assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobBefore));
      assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventBefore));

      assertEquals("completed", after.getString("status"));
      assertEquals(bookingIdOfDeadWorker, after.getJsonObject("result").getLong("bookingId"), "the same booking, found by job id");
      assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobAfter));
      assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventAfter));

      assertTrue(app.queueStats().getJsonObject("total").getLong("stalledRecovered") >= 2);
    }
  }

  private static void deployWorkers(Vertx vertx, TestApp app) {
    List<Future<String>> deployments = new ArrayList<>();
    for (int shard = 0; shard < app.config.shards(); shard++) {
      deployments.add(vertx.deployVerticle(new BookingWorker(shard, ShardQueue::new), new DeploymentOptions().setConfig(app.config.toJson())));
    }
    await(Future.all(deployments));
  }
}
