package io.aurora.booking.queue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** One shard's depth, counters and pause state, as read from Redis in one round trip. */
record ShardStats(int shard, long waiting, long processing, long enqueued, long completed, long failed,
                  long retried, long stalledRecovered, long soldOutFast, boolean paused, List<Long> pausedEvents) {

  /** The counters summed over shards, under these names, in {@code GET /api/admin/queue/stats}. */
  static final List<String> COUNTERS =
      List.of("waiting", "processing", "enqueued", "completed", "failed", "retried", "stalledRecovered",
          "soldOutFast");

  /** The shard's entry of {@code GET /api/admin/queue/stats}. */
  JsonObject toJson(double decidedPerSecond) {
    return new JsonObject()
        .put("shard", shard)
        .put("waiting", waiting)
        .put("processing", processing)
        .put("enqueued", enqueued)
        .put("completed", completed)
        .put("failed", failed)
        .put("retried", retried)
        .put("stalledRecovered", stalledRecovered)
        // Of the failed: jobs answered SOLD_OUT in the take, without PostgreSQL (the sold-out fast path).
        .put("soldOutFast", soldOutFast)
        .put("paused", paused)
        .put("pausedEvents", new JsonArray(pausedEvents))
        .put("decidedPerSecond", decidedPerSecond);
  }
}
