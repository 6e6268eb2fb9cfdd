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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workers that die mid-job. The app runs without workers of its own; the test plays the worker that
 * takes a job and dies (before or after its commit), then starts real workers and watches the lease
 * run out and the job be redelivered.
 *
 * <p>The test's takes hold a long lease, ended on purpose before the real workers start: with a short one,
 * a machine slow enough to let it run out between the two takes had the reaper hand the first job back
 * into the second take. A take is tried again until it finds its job: a job is taken only once its
 * request's limits are confirmed, which may come a moment after its 202.
 */
@ExtendWith(VertxExtension.class)
class WorkerCrashRecoveryTest {

  private static final long LEASE_MILLIS = 120_000;

  @Test
  void jobsOfWorkersThatDiedBeforeOrAfterCommitAreRedeliveredAndBookedExactlyOnce(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      int shards = app.config.shards();

      // Dies before commit: takes the job, does nothing, never acknowledges.
      long eventBefore = app.createEvent(5);
      String jobBefore = app.bookJob(app.user().token(), eventBefore);
      int shardBefore = Sharding.shardOf(eventBefore, shards);
      List<TakenJob> takenBefore = take(queue, shardBefore);
      assertEquals(List.of(jobBefore), takenBefore.stream().map(TakenJob::jobId).toList());

      // Dies after commit: takes the job, books it in PostgreSQL, dies before acknowledging.
      long eventAfter = app.createEvent(5);
      String jobAfter = app.bookJob(app.user().token(), eventAfter);
      int shardAfter = Sharding.shardOf(eventAfter, shards);
      List<TakenJob> takenAfter = take(queue, shardAfter);
      assertEquals(List.of(jobAfter), takenAfter.stream().map(TakenJob::jobId).toList());
      List<JobOutcome> committed = await(new SeatLedger(app.db, 1).decide(eventAfter, takenAfter));
      long bookingIdOfDeadWorker = committed.get(0).result().getLong("bookingId");
      assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventAfter));

      assertEquals("processing", app.get("/api/bookings/status/" + jobBefore, app.adminToken()).bodyAsJsonObject().getString("status"));

      // Both "dead" workers' leases run out now.
      await(queue.releaseLeases(shardBefore, List.of(jobBefore)));
      await(queue.releaseLeases(shardAfter, List.of(jobAfter)));
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

  /** The first non-empty take of the shard (nothing else is queued there but the job the test waits for). */
  private static List<TakenJob> take(ShardQueue queue, int shard) {
    List<List<TakenJob>> taken = new ArrayList<>();
    awaitCondition("the job to be taken from shard " + shard, Duration.ofSeconds(30), () -> {
      List<TakenJob> jobs = await(queue.take(shard, 10, LEASE_MILLIS));
      taken.add(jobs);
      return !jobs.isEmpty();
    });
    return taken.get(taken.size() - 1);
  }

  private static void deployWorkers(Vertx vertx, TestApp app) {
    List<Future<String>> deployments = new ArrayList<>();
    for (int shard = 0; shard < app.config.shards(); shard++) {
      deployments.add(vertx.deployVerticle(new BookingWorker(shard, ShardQueue::new), new DeploymentOptions().setConfig(app.config.toJson())));
    }
    await(Future.all(deployments));
  }
}
