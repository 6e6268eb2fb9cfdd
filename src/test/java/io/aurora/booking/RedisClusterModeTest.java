package io.aurora.booking;

import io.aurora.booking.testing.RedisClusterNodes;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code redisMode=cluster} on a real Redis Cluster of three masters: the 8 shards' queues spread over the
 * masters (their hash tags {@code {s0}}..{@code {s7}} fall in different slots), and a booking story runs end
 * to end through the cluster client: a crowd on events of several shards, with Idempotency-Keys and the
 * limits on, the sold-out ones answered, the admin's figures and pause read across the nodes; PostgreSQL
 * shows every seat sold once.
 */
@Tag("cluster")
@ExtendWith(VertxExtension.class)
class RedisClusterModeTest {

  private static final int SHARDS = 8;
  private static final int EVENTS = 4;
  private static final int SEATS = 10;
  private static final int USERS = 60;

  @TempDir
  Path work;

  @Test
  void aBookingStoryRunsOnThreeMastersWithTheShardsSpreadOverThem(Vertx vertx) {
    assumeTrue(RedisClusterNodes.available(), "needs /usr/bin/redis-server and /usr/bin/redis-cli");
    try (RedisClusterNodes cluster = RedisClusterNodes.start(vertx, work, 3)) {
      Set<Integer> masters = new HashSet<>();
      for (int shard = 0; shard < SHARDS; shard++) {
        masters.add(cluster.masterOf(vertx, "{s" + shard + "}:waiting"));
      }
      assertEquals(3, masters.size(), "the 8 shards' queues live on all three masters");

      String pgUrl = TestServices.get().newDatabase();
      JsonObject config = TestApp.baseConfig(pgUrl, "").put("redisMode", "cluster")
          .put("redisUrls", String.join(",", cluster.urls())).put("shards", SHARDS);
      try (TestApp app = TestApp.start(vertx, config, pgUrl, cluster.urls().get(0))) {
        List<Long> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
          events.add(app.createEvent(SEATS));
        }
        List<TestUser> users = app.users(USERS);
        List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
          sent.add(app.bookRetryingBusy(users.get(i).token(), events.get(i % EVENTS)));
        }
        await(Future.all(sent));
        List<String> jobs = new ArrayList<>();
        for (Future<HttpResponse<Buffer>> answer : sent) {
          assertEquals(202, answer.result().statusCode(), answer.result().bodyAsString());
          jobs.add(answer.result().bodyAsJsonObject().getString("jobId"));
        }
        long completed = jobs.stream().map(app::awaitJob).filter(j -> "completed".equals(j.getString("status"))).count();
        assertEquals(EVENTS * SEATS, completed, "each event sells its seats, no more");
        for (long event : events) {
          assertEquals(SEATS, app.queryLong("SELECT booked FROM events WHERE id = $1", event));
          assertEquals(SEATS, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", event));
        }

        JsonObject total = app.queueStats().getJsonObject("total");
        assertEquals(USERS, total.getLong("completed") + total.getLong("failed"), total.encode());
        assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
        assertTrue(app.queueStats().getBoolean("paused"), "every shard's pause flag set, on every master");
        assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());
        assertEquals(200, app.get("/api/admin/queue/details?offset=0&limit=10", app.adminToken()).statusCode());
      }
    }
  }
}
