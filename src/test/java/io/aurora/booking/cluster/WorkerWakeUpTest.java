package io.aurora.booking.cluster;

import io.aurora.booking.BookingApp;
import io.aurora.booking.bookings.BookingWorker;
import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.JobQueue;
import io.aurora.booking.bookings.TakenBatch;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestServices;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A worker started on a clustered node while its shard's wake-ups keep coming (a take-over in the middle of
 * a burst: every accepted request wakes the shard). On a cluster, the wake-up consumer receives local
 * messages before its registration has reached the other members; a wake-up in that window once started a
 * second chain of takes beside the one the start begins, and two batches of one shard decided at once let a
 * later batch take the last seats before an earlier one (the cluster suite's kill story saw it).
 *
 * <p>The node is a real one-member Hazelcast cluster; the queue is the real one in Redis, its takes slowed
 * by 20 ms so that two chains would overlap for certain. A worker never has two takes in flight, and the
 * seats go to the first jobs in line.
 */
@ExtendWith(VertxExtension.class)
class WorkerWakeUpTest {

  private static final int CAPACITY = 30;
  private static final int JOBS = 120;
  private static final int ROUNDS = 3;

  @Test
  void aWorkerStartedUnderAStreamOfWakeUpsRunsOneChainOfTakesAndServesInQueueOrder(Vertx vertx) {
    // The app runs no workers of its own: this test deploys the shard's only one, on the clustered node.
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false, "batchSize", 8, "maxBatchSize", 8))) {
      int port = TestServices.freePort();
      AppConfig clustered = new AppConfig(app.config.toJson().copy().put("clusterEnabled", true)
          .put("clusterName", "wake-up-test-" + ProcessHandle.current().pid()).put("clusterHost", "127.0.0.1")
          .put("clusterPort", port).put("clusterMembers", "127.0.0.1:" + port));
      Vertx node = await(Vertx.builder().with(ClusterNode.vertxOptions(clustered))
          .withClusterManager(ClusterNode.clusterManager(clustered)).buildClustered());
      BookingApp.registerCodecs(node.eventBus());
      try {
        for (int round = 0; round < ROUNDS; round++) {
          oneRound(app, node, clustered);
        }
      } finally {
        await(node.close());
      }
    }
  }

  private void oneRound(TestApp app, Vertx node, AppConfig clustered) {
    long eventId = app.createEvent(CAPACITY);
    int shard = Sharding.shardOf(eventId, app.config.shards());
    List<String> inLine = new ArrayList<>();
    for (TestUser user : app.users(JOBS)) {
      inLine.add(app.bookJob(user.token(), eventId));
    }

    long waking = node.setPeriodic(1, id -> node.eventBus().publish(Addresses.shard(shard), null));
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostInFlight = new AtomicInteger();
    String worker = await(node.deployVerticle(new BookingWorker(shard, redis -> new SlowTakes(node, new ShardQueue(redis), inFlight, mostInFlight)),
        new DeploymentOptions().setConfig(clustered.toJson())));
    try {
      awaitCondition("all " + JOBS + " jobs of event " + eventId + " to be decided", Duration.ofSeconds(60), () ->
          inLine.stream().allMatch(id -> isFinal(app, id)));
    } finally {
      node.cancelTimer(waking);
      await(node.undeploy(worker));
    }

    assertEquals(1, mostInFlight.get(), "takes of one shard in flight at once");
    ShardQueue queue = new ShardQueue(app.redis);
    Set<String> booked = new HashSet<>();
    for (String jobId : inLine) {
      if ("completed".equals(await(queue.status(jobId)).fields().getString("status"))) {
        booked.add(jobId);
      }
    }
    assertEquals(Set.copyOf(inLine.subList(0, CAPACITY)), booked, "the seats go to the first " + CAPACITY + " in line");
    assertEquals(CAPACITY, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    assertEquals(CAPACITY, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
  }

  private static boolean isFinal(TestApp app, String jobId) {
    String status = await(new ShardQueue(app.redis).status(jobId)).fields().getString("status");
    return "completed".equals(status) || "failed".equals(status);
  }

  /** The real queue, each take 20 ms slower (a busy Redis), counting the takes in flight at once. */
  private record SlowTakes(Vertx vertx, JobQueue queue, AtomicInteger inFlight, AtomicInteger mostInFlight) implements JobQueue {

    @Override
    public Future<TakenBatch> take(int shard, int max, long leaseMillis, long fence, int soldOutAnswers) {
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      Promise<Void> later = Promise.promise();
      vertx.setTimer(20, id -> later.complete());
      return later.future().compose(v -> queue.take(shard, max, leaseMillis, fence, soldOutAnswers))
          .andThen(done -> inFlight.decrementAndGet());
    }

    @Override
    public Future<Integer> writeAnsweredRecords(int shard, int max, int resultTtlSeconds) {
      return queue.writeAnsweredRecords(shard, max, resultTtlSeconds);
    }

    @Override
    public Future<Boolean> markSoldOut(int shard, long eventId, long seatEpoch, Instant startsAt) {
      return queue.markSoldOut(shard, eventId, seatEpoch, startsAt);
    }

    @Override
    public Future<Void> renew(int shard, List<String> jobIds, long leaseMillis) {
      return queue.renew(shard, jobIds, leaseMillis);
    }

    @Override
    public Future<Void> releaseLeases(int shard, List<String> jobIds) {
      return queue.releaseLeases(shard, jobIds);
    }

    @Override
    public Future<Integer> ack(int shard, List<JobOutcome> outcomes, int resultTtlSeconds) {
      return queue.ack(shard, outcomes, resultTtlSeconds);
    }
  }
}
