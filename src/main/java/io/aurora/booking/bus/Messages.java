package io.aurora.booking.bus;

import io.vertx.core.json.JsonObject;

/** Bodies of the event-bus messages, mapped to JSON so they cross cluster nodes unchanged. */
public final class Messages {

  private Messages() {
  }

  public record EnqueueRequest(long userId, long eventId, int seats, String idempotencyKey) {
    public JsonObject toJson() {
      return new JsonObject().put("userId", userId).put("eventId", eventId).put("seats", seats)
          .put("idempotencyKey", idempotencyKey);
    }

    public static EnqueueRequest fromJson(JsonObject json) {
      return new EnqueueRequest(json.getLong("userId"), json.getLong("eventId"), json.getInteger("seats"),
          json.getString("idempotencyKey"));
    }
  }

  /** The 202 answer: where the job stands and about how long it will wait. */
  public record EnqueueReply(String jobId, long queuePosition, long estimatedWaitTime, boolean paused, boolean duplicate) {
    public JsonObject toJson() {
      return new JsonObject().put("jobId", jobId).put("queuePosition", queuePosition)
          .put("estimatedWaitTime", estimatedWaitTime).put("paused", paused).put("duplicate", duplicate);
    }

    public static EnqueueReply fromJson(JsonObject json) {
      return new EnqueueReply(json.getString("jobId"), json.getLong("queuePosition"), json.getLong("estimatedWaitTime"),
          json.getBoolean("paused"), json.getBoolean("duplicate"));
    }
  }

  public record StatusRequest(String jobId) {
    public JsonObject toJson() {
      return new JsonObject().put("jobId", jobId);
    }

    public static StatusRequest fromJson(JsonObject json) {
      return new StatusRequest(json.getString("jobId"));
    }
  }

  /** A worker's report that its shard was claimed by a newer owner (epoch) and it stopped taking jobs. */
  public record ShardFenced(int shard, long epoch) {
    public JsonObject toJson() {
      return new JsonObject().put("shard", shard).put("epoch", epoch);
    }

    public static ShardFenced fromJson(JsonObject json) {
      return new ShardFenced(json.getInteger("shard"), json.getLong("epoch"));
    }
  }

  /** A node stopping gracefully: count it out of the shard assignment now. */
  public record NodeLeaving(String nodeId) {
    public JsonObject toJson() {
      return new JsonObject().put("nodeId", nodeId);
    }

    public static NodeLeaving fromJson(JsonObject json) {
      return new NodeLeaving(json.getString("nodeId"));
    }
  }
}
