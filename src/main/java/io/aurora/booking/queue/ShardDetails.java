package io.aurora.booking.queue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** A page of one shard's jobs, waiting and in process, with what an operator wants to see of each. */
record ShardDetails(int shard, List<QueuedJob> waiting, List<QueuedJob> processing) {

  /**
   * One job in line. {@code enqueuedAt} is 0 when unknown; {@code leaseDeadline} is null while the job
   * waits (no lease).
   */
  record QueuedJob(String jobId, long eventId, long userId, long seats, long enqueuedAt, long attempts,
                   String status, Long leaseDeadline) {

    JsonObject toJson(long now) {
      JsonObject entry = new JsonObject()
          .put("jobId", jobId)
          .put("eventId", eventId)
          .put("userId", userId)
          .put("seats", seats)
          .put("ageMillis", enqueuedAt > 0 ? now - enqueuedAt : null)
          .put("attempts", attempts)
          .put("status", status);
      if (leaseDeadline != null) {
        entry.put("leaseExpiresInMillis", leaseDeadline - now);
      }
      return entry;
    }
  }

  /** The shard's entry of {@code GET /api/admin/queue/details}. */
  JsonObject toJson(long now) {
    return new JsonObject()
        .put("shard", shard)
        .put("waiting", new JsonArray(waiting.stream().map(job -> job.toJson(now)).toList()))
        .put("processing", new JsonArray(processing.stream().map(job -> job.toJson(now)).toList()));
  }
}
