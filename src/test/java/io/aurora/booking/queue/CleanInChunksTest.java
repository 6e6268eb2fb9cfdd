package io.aurora.booking.queue;

import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A clean larger than one script call's chunk: the request goes on chunk after chunk (and says when it had
 * to stop with records left), every finished record goes, and a waiting job's record stays.
 */
@ExtendWith(VertxExtension.class)
class CleanInChunksTest {

  private static final int SHARD = 0;
  private static final int FINISHED = 12_345;

  @Test
  void aCleanOfMoreThanOneChunkRemovesEveryFinishedRecordAndNoWaitingOne(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx)) {
      // Finished records as job_finish.lua leaves them: a hash with a final status, indexed by finish time.
      Request index = Request.cmd(Command.ZADD).arg(ShardKeys.finished(SHARD));
      for (int i = 0; i < FINISHED; i++) {
        String id = SHARD + "-finished" + i;
        await(app.redis.send(Request.cmd(Command.HSET).arg(ShardKeys.jobPrefix(SHARD) + id).arg("status").arg("completed")));
        index.arg(1_000 + i).arg(id);
      }
      await(app.redis.send(index));
      long eventId = app.createEvent(10);
      app.post("/api/admin/queue/pause", app.adminToken(), null);
      String waiting = app.bookJob(app.user().token(), eventId);

      long removed = 0;
      JsonObject cleaned;
      int calls = 0;
      do {
        cleaned = app.post("/api/admin/queue/clean?olderThan=0", app.adminToken(), null).bodyAsJsonObject();
        removed += cleaned.getLong("removed");
        calls++;
      } while (cleaned.getBoolean("more") && calls < 50);

      assertEquals(FINISHED, removed);
      assertEquals(0, await(app.redis.send(Request.cmd(Command.ZCARD).arg(ShardKeys.finished(SHARD)))).toLong());
      assertEquals(0, await(app.redis.send(Request.cmd(Command.EXISTS).arg(ShardKeys.jobPrefix(SHARD) + SHARD + "-finished0"))).toLong());
      assertEquals("queued", app.get("/api/bookings/status/" + waiting, app.adminToken()).bodyAsJsonObject().getString("status"));
      assertTrue(calls >= 1);
      app.post("/api/admin/queue/resume", app.adminToken(), null);
    }
  }
}
