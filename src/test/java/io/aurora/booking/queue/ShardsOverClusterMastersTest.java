package io.aurora.booking.queue;

import io.aurora.booking.testing.RedisClusterNodes;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The redis-cluster run's own proof that it is one (the other classes of that run are the default suite's,
 * unchanged): the 8 shards' keys {@code {s0}}..{@code {s7}} fall on all three masters of the shared Redis
 * Cluster, and a paused queue's jobs, one per shard, are found waiting on every master, read on each master
 * by a connection of its own; resumed, each is booked once in PostgreSQL. Skipped outside that run.
 */
@ExtendWith(VertxExtension.class)
class ShardsOverClusterMastersTest {

  @Test
  void theEightShardsQueueTheirJobsOnAllThreeMasters(Vertx vertx) {
    TestServices services = TestServices.get();
    assumeTrue(services.redisCluster(), "only with " + TestServices.REDIS_MODE + "=cluster (./mvnw -Predis-cluster test)");
    RedisClusterNodes cluster = services.redisClusterNodes();
    try (TestApp app = TestApp.start(vertx)) {
      int shards = app.config.shards();
      assertEquals(8, shards, "a deployment's 8 shards");
      Map<Integer, Integer> masterOfShard = new HashMap<>();
      for (int shard = 0; shard < shards; shard++) {
        int master = cluster.masterOf(vertx, ShardKeys.waiting(shard));
        masterOfShard.put(shard, master);
        for (String key : List.of(ShardKeys.processing(shard), ShardKeys.stats(shard), ShardKeys.jobPrefix(shard) + "x")) {
          assertEquals(master, cluster.masterOf(vertx, key), "every key of shard " + shard + " in its slot");
        }
      }
      assertEquals(3, masterOfShard.values().stream().distinct().count(), "the shards spread over the 3 masters: " + masterOfShard);

      // One event per shard, their jobs held in line by a paused queue.
      assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
      Map<Integer, Long> eventOfShard = new TreeMap<>();
      while (eventOfShard.size() < shards) {
        long event = app.createEvent(1);
        eventOfShard.putIfAbsent(Sharding.shardOf(event, shards), event);
      }
      List<TestUser> users = app.users(shards);
      List<String> jobs = new ArrayList<>();
      eventOfShard.forEach((shard, event) -> jobs.add(app.bookJob(users.get(shard).token(), event)));

      Map<Integer, Long> waitingOnMaster = new TreeMap<>();
      for (int shard = 0; shard < shards; shard++) {
        int port = masterOfShard.get(shard);
        Redis master = Redis.createClient(vertx, "redis://127.0.0.1:" + port);
        try {
          // A plain connection to that master: it answers for its own slots only (MOVED for any other).
          long waiting = await(master.send(Request.cmd(Command.LLEN).arg(ShardKeys.waiting(shard)))).toLong();
          assertEquals(1, waiting, "shard " + shard + "'s job waits on master " + port);
          waitingOnMaster.merge(port, waiting, Long::sum);
        } finally {
          master.close();
        }
      }
      assertEquals(3, waitingOnMaster.size(), "jobs queued on every master: " + waitingOnMaster);

      assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());
      for (String job : jobs) {
        assertEquals("completed", app.awaitJob(job).getString("status"), job);
      }
      for (long event : eventOfShard.values()) {
        assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", event));
        assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", event));
      }
      assertTrue(jobs.stream().map(Sharding::shardOfJob).distinct().count() == shards, "one job per shard");
    }
  }
}
