package io.aurora.booking.queue;

import io.aurora.booking.bookings.FailureReason;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** One shard's depth, counters and pause state, as read from Redis in one round trip. */
record ShardStats(int shard, long waiting, long processing, long enqueued, long completed, long failed,
                  long retried, long stalledRecovered, long soldOutFast, boolean paused, List<Long> pausedEvents,
                  List<Long> byReason) {

  /** The counters summed over shards, under these names, in {@code GET /api/admin/queue/stats}. */
  static final List<String> COUNTERS =
      List.of("waiting", "processing", "enqueued", "completed", "failed", "retried", "stalledRecovered",
          "soldOutFast");

  /** The reasons jobs end with, in the order of {@link #byReason}. */
  static final List<FailureReason> REASONS = List.of(FailureReason.values());

  /** The outcome under which completed jobs are counted in {@code outcomes}. */
  static final String CONFIRMED = "CONFIRMED";

  /** The stats hash's field counting the jobs finished with {@code reason} (job_finish.lua, take.lua). */
  static String reasonField(FailureReason reason) {
    return "reason:" + reason.name();
  }

  /**
   * Decided jobs by outcome: CONFIRMED, then every failure reason. Most reasons are the system answering as
   * it should (SOLD_OUT, WAITLISTED, ALREADY_BOOKED...); only INTERNAL is a fault.
   */
  JsonObject outcomes() {
    JsonObject outcomes = new JsonObject().put(CONFIRMED, completed);
    for (int i = 0; i < REASONS.size(); i++) {
      outcomes.put(REASONS.get(i).name(), byReason.get(i));
    }
    return outcomes;
  }

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
        .put("outcomes", outcomes())
        .put("paused", paused)
        .put("pausedEvents", new JsonArray(pausedEvents))
        .put("decidedPerSecond", decidedPerSecond);
  }
}
