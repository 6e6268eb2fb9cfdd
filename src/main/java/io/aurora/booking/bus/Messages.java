package io.aurora.booking.bus;

import io.aurora.booking.limits.Verdict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Bodies of the event-bus messages (see {@link Addresses} for who sends which). Requests between the HTTP
 * side and the queue stay on their node and pass the record itself; only {@link NodeLeaving} and {@link JobsDecided}
 * cross nodes, as JSON. Each record has its codec in {@link #codecs()}, registered once by the application root.
 */
public final class Messages {

  private Messages() {
  }

  /**
   * A booking request to accept into the queue, subject to the booking limits of its user and of its client
   * address (checked in the same pipeline as the enqueue). {@code waitlist}: when the event is sold out, the job
   * takes a place on its waitlist instead of failing (the flag travels in the job's record).
   */
  public record EnqueueRequest(long userId, long eventId, int seats, String idempotencyKey, String clientAddress,
                               boolean waitlist) {

    /** A request without the waitlist flag. */
    public EnqueueRequest(long userId, long eventId, int seats, String idempotencyKey, String clientAddress) {
      this(userId, eventId, seats, idempotencyKey, clientAddress, false);
    }
  }

  /**
   * The answer to a booking request: where the job stands and about how long it will wait. {@code duplicate}
   * for a repeated idempotency key; {@code alreadyLive} when no job was made because the user's job for the
   * event still waits or is in process (this is that job). {@code verdicts}: the limits' answers (user's,
   * then address's); when one refused, no job stands and {@code jobId} is null.
   */
  public record EnqueueReply(String jobId, long queuePosition, long estimatedWaitTime, boolean paused, boolean duplicate,
                             boolean alreadyLive, List<Verdict> verdicts) {

    /** A request a limit refused: nothing of it is left in the queue. */
    public static EnqueueReply refused(List<Verdict> verdicts) {
      return new EnqueueReply(null, 0, 0, false, false, false, verdicts);
    }
  }

  /** Where a job stands; answered with the job's {@code bookings.JobStatus}. */
  public record StatusRequest(String jobId) {
  }

  /** A page of the jobs waiting and in process, per shard. */
  public record DetailsRequest(int offset, int limit) {
  }

  /** What a pause or resume applies to: one event, or the whole queue when {@code eventId} is null. */
  public record PauseScope(Long eventId) {
  }

  /**
   * The jobs an operator looks for: a user's newest (by {@code userId}: the user's live jobs, found in the queue,
   * and {@code decided}, the ids of the user's decided jobs the database knows of), or, with no user, those that
   * failed INTERNAL.
   */
  public record JobsQuery(Long userId, int limit, List<String> decided) {
  }

  /** An operator's retry of a job that failed INTERNAL. */
  public record RetryRequest(String jobId) {
  }

  /** Drop the records of jobs that finished more than {@code olderThanSeconds} ago. */
  public record CleanRequest(long olderThanSeconds) {
  }

  /** A worker's report that its shard was claimed by a newer owner (epoch) and it stopped taking jobs. */
  public record ShardFenced(int shard, long epoch) {
  }

  /** A node stopping gracefully (its cluster member id): count it out of the shard assignment now. */
  public record NodeLeaving(String memberId) {
    JsonObject toJson() {
      return new JsonObject().put("memberId", memberId);
    }

    static NodeLeaving fromJson(JsonObject json) {
      return new NodeLeaving(json.getString("memberId"));
    }
  }

  /**
   * Jobs of one shard whose outcomes were just recorded: {@code outcomes.get(i)} is {@code completed} or the
   * failure reason of {@code jobIds.get(i)}. One message per batch, not per job: the booking path publishes it
   * whether or not anyone follows those jobs, so it must stay one small message however large the batch.
   */
  public record JobsDecided(int shard, List<String> jobIds, List<String> outcomes) {
    JsonObject toJson() {
      return new JsonObject().put("shard", shard).put("jobIds", new JsonArray(jobIds)).put("outcomes", new JsonArray(outcomes));
    }

    @SuppressWarnings("unchecked")
    static JobsDecided fromJson(JsonObject json) {
      return new JobsDecided(json.getInteger("shard"), json.getJsonArray("jobIds").getList(),
          json.getJsonArray("outcomes").getList());
    }
  }

  /**
   * The queue's figures as last sampled, per shard (index = shard): measured decisions per second and
   * whether the shard is paused. The sampler makes new arrays for every message; nobody changes them.
   */
  public record QueueFigures(double[] decidedPerSecond, boolean[] paused) {
  }

  /** The codec of every record above. */
  public static List<BusCodec<?>> codecs() {
    return List.of(
        BusCodec.local(EnqueueRequest.class),
        BusCodec.local(EnqueueReply.class),
        BusCodec.local(StatusRequest.class),
        BusCodec.local(DetailsRequest.class),
        BusCodec.local(PauseScope.class),
        BusCodec.local(CleanRequest.class),
        BusCodec.local(JobsQuery.class),
        BusCodec.local(RetryRequest.class),
        BusCodec.local(ShardFenced.class),
        BusCodec.wire(NodeLeaving.class, NodeLeaving::toJson, NodeLeaving::fromJson),
        BusCodec.wire(JobsDecided.class, JobsDecided::toJson, JobsDecided::fromJson),
        BusCodec.local(QueueFigures.class));
  }
}
