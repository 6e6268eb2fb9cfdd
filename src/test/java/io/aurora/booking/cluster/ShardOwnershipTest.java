package io.aurora.booking.cluster;

import io.aurora.booking.bookings.BookingWorker;
import io.aurora.booking.bookings.ShardFencedException;
import io.aurora.booking.bookings.TakenJob;
import io.aurora.booking.bookings.WorkerMeters;
import io.aurora.booking.queue.OwnerRecords;
import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shard ownership on a node that runs alone: it owns every shard through the same claim a cluster node
 * makes; a claim waits until the owner has fallen silent, hands its in-hand jobs back at once, and its
 * fencing epoch stops the old owner's worker. (Ownership across JVMs, with kills, joins, leaves and a
 * frozen node, is proven by ClusterTest in the cluster profile.)
 */
@ExtendWith(VertxExtension.class)
class ShardOwnershipTest {

  @Test
  void aNodeOnItsOwnOwnsEveryShardAndShowsItsDepth(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx)) {
      assertEquals(403, app.get("/api/admin/cluster", app.user().token()).statusCode());
      JsonObject cluster = app.get("/api/admin/cluster", app.adminToken()).bodyAsJsonObject();
      assertFalse(cluster.getBoolean("clustered"));
      JsonArray nodes = cluster.getJsonArray("nodes");
      assertEquals(1, nodes.size());
      String self = cluster.getString("self");
      assertEquals(self, nodes.getJsonObject(0).getString("id"));
      List<Integer> every = IntStream.range(0, app.config.shards()).boxed().toList();
      assertEquals(new JsonArray(every), nodes.getJsonObject(0).getJsonArray("shards"));
      assertEquals(new JsonArray(), cluster.getJsonArray("unownedShards"));
      for (int s = 0; s < app.config.shards(); s++) {
        JsonObject shard = cluster.getJsonArray("shards").getJsonObject(s);
        assertEquals(s, shard.getInteger("shard"));
        assertEquals(self, shard.getString("owner"));
        assertTrue(shard.getBoolean("ownerAlive"));
        assertTrue(shard.getLong("epoch") >= 1);
        assertEquals(0, shard.getLong("waiting"));
        assertEquals(0, shard.getLong("processing"));
      }
    }
  }

  @Test
  void aWorkerWhoseShardWasClaimedByANewerOwnerStopsTakingJobs(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx)) {
      OwnerRecords owners = new OwnerRecords(app.redis);
      long fencedEvent = app.createEvent(10);
      int shard = Sharding.shardOf(fencedEvent, app.config.shards());
      long otherEvent = eventOnAnotherShard(app, shard);

      // A claim that does not wait for the owner to fall silent: as if made by a node cut off from this one.
      OwnerRecords.Claim intruder = await(owners.claim(shard, "intruder-node", "intruder", 0));
      String stuck = app.bookJob(app.user().token(), fencedEvent);
      awaitCondition("the node to stand down from shard " + shard, Duration.ofSeconds(10), () ->
          app.get("/api/admin/cluster", app.adminToken()).bodyAsJsonObject().getJsonArray("unownedShards").contains(shard));
      // The fenced-off worker is gone; the other shards' workers (and their shared pool) keep working.
      String free = app.bookJob(app.user().token(), otherEvent);
      assertEquals("completed", app.awaitJob(free).getString("status"), "other shards keep working");
      JsonObject status = app.get("/api/bookings/status/" + stuck, app.adminToken()).bodyAsJsonObject();
      assertEquals("queued", status.getString("status"), "the fenced-off worker took nothing");
      JsonObject owner = app.get("/api/admin/cluster", app.adminToken()).bodyAsJsonObject()
          .getJsonArray("shards").getJsonObject(shard);
      assertEquals("intruder-node", owner.getString("owner"));
      assertFalse(owner.getBoolean("ownerAlive"));
      assertEquals(1, owner.getLong("waiting"));

      // The new owner's worker, with the new epoch, decides the job.
      await(vertx.deployVerticle(new BookingWorker(shard, intruder.epoch(), WorkerMeters.NONE, ShardQueue::new), new DeploymentOptions().setConfig(app.config.toJson())));
      assertEquals("completed", app.awaitJob(stuck).getString("status"));
      assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", fencedEvent));
    }
  }

  @Test
  void aClaimWaitsForTheOwnerToFallSilentThenHandsBackAtOnceTheJobsItHadInHand(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      OwnerRecords owners = new OwnerRecords(app.redis);
      long eventId = app.createEvent(10);
      int shard = Sharding.shardOf(eventId, app.config.shards());
      OwnerRecords.Claim first = await(owners.claim(shard, "node-a", "a", ShardOwnership.OWNER_SILENCE_MILLIS));
      String first1 = app.bookJob(app.user().token(), eventId);
      String first2 = app.bookJob(app.user().token(), eventId);
      String later = app.bookJob(app.user().token(), eventId);
      // node-a takes two jobs with a long lease and dies with them in hand.
      List<TakenJob> inHand = await(queue.take(shard, 2, 3_600_000, first.epoch()));
      assertEquals(List.of(first1, first2), inHand.stream().map(TakenJob::jobId).toList());
      long recoveredBefore = app.queueStats().getJsonObject("total").getLong("stalledRecovered");

      OwnerRecords.Claim early = await(owners.claim(shard, "node-b", "b", ShardOwnership.OWNER_SILENCE_MILLIS));
      assertFalse(early.granted(), "node-a showed it was alive a moment ago");
      assertEquals("node-a", early.heldBy());
      OwnerRecords.Claim[] second = new OwnerRecords.Claim[1];
      awaitCondition("node-a to have been silent long enough", Duration.ofSeconds(10), () -> {
        second[0] = await(owners.claim(shard, "node-b", "b", ShardOwnership.OWNER_SILENCE_MILLIS));
        return second[0].granted();
      });
      assertEquals(first.epoch() + 1, second[0].epoch());
      assertEquals(2, second[0].handedBack());
      assertEquals(recoveredBefore + 2, app.queueStats().getJsonObject("total").getLong("stalledRecovered"));
      Throwable stale = assertThrowsAsync(() -> await(queue.take(shard, 10, 30_000, first.epoch())));
      assertInstanceOf(ShardFencedException.class, stale);
      assertFalse(await(owners.touch(shard, first.epoch(), "member-x", "node-x")), "the old owner learns it was fenced off");
      assertTrue(await(owners.touch(shard, second[0].epoch(), "member-x", "node-x")));

      List<TakenJob> retaken = await(queue.take(shard, 10, 30_000, second[0].epoch()));
      assertEquals(List.of(first1, first2, later), retaken.stream().map(TakenJob::jobId).toList(), "back in their places, first in line");

      assertEquals(false, await(owners.releaseOwnership(shard, first.epoch())), "a stale owner cannot drop the new claim");
      assertEquals(true, await(owners.releaseOwnership(shard, second[0].epoch())));
      assertNull(await(owners.read(shard)).memberId());
    }
  }

  private static long eventOnAnotherShard(TestApp app, int shard) {
    while (true) {
      long eventId = app.createEvent(10);
      if (Sharding.shardOf(eventId, app.config.shards()) != shard) {
        return eventId;
      }
    }
  }

  private static Throwable assertThrowsAsync(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      return e instanceof IllegalStateException && e.getCause() != null ? e.getCause() : e;
    }
    throw new AssertionError("expected a failure");
  }
}
