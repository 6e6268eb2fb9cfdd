package io.aurora.booking.bus;

/**
 * Every event-bus address of the service, in one place, with the body each carries ({@link Messages}).
 * Requests to the queue verticles and the cluster status stay on the node that received the HTTP request
 * (every node runs both, on the same Redis); wake-ups, pause changes, cache invalidations and a node's
 * leaving are published to every node.
 */
public final class Addresses {

  /** HTTP -> queue, local: accept a booking ({@link Messages.EnqueueRequest} -> {@link Messages.EnqueueReply}). */
  public static final String ENQUEUE = "booking.enqueue";
  /** HTTP -> queue, local: a job's status ({@link Messages.StatusRequest} -> {@code bookings.JobStatus}). */
  public static final String STATUS = "booking.status";
  /** Admin -> queue, local: per shard and total counters (no body -> the JSON the API serves). */
  public static final String ADMIN_STATS = "booking.admin.stats";
  /** Admin -> queue, local: the jobs in line ({@link Messages.DetailsRequest} -> JSON). */
  public static final String ADMIN_DETAILS = "booking.admin.details";
  /** Admin -> queue, local: pause the queue or one event ({@link Messages.PauseScope} -> JSON). */
  public static final String ADMIN_PAUSE = "booking.admin.pause";
  /** Admin -> queue, local: resume the queue or one event ({@link Messages.PauseScope} -> JSON). */
  public static final String ADMIN_RESUME = "booking.admin.resume";
  /** Admin -> queue, local: drop old job records ({@link Messages.CleanRequest} -> JSON). */
  public static final String ADMIN_CLEAN = "booking.admin.clean";
  /** Admin -> queue, local: a user's jobs or those that failed INTERNAL ({@link Messages.JobsQuery} -> JSON). */
  public static final String ADMIN_JOBS = "booking.admin.jobs";
  /** Admin -> queue, local: retry a job that failed INTERNAL ({@link Messages.RetryRequest} -> JSON of the job). */
  public static final String ADMIN_RETRY = "booking.admin.retry";
  /** Admin -> the node's queue sampler, local: the last 15 minutes of the queue, a point a second (no body -> JSON). */
  public static final String ADMIN_TIMELINE = "booking.admin.timeline";
  /** Published on pause/resume of the whole queue (Boolean), so every queue verticle answers with the new state at once. */
  public static final String QUEUE_PAUSED = "booking.queue.paused";
  /** Sampler -> this node's queue verticles, local: rates and pause flags ({@link Messages.QueueFigures}). */
  public static final String QUEUE_FIGURES = "booking.queue.figures";
  /** Published when an event changes (its id, a Long), so every node drops its cached copy. */
  public static final String EVENT_CHANGED = "events.changed";
  /**
   * Published when a user's tokens are revoked (a JsonObject {@code {userId, generation}}: tokens of an
   * earlier generation are refused), so every node refuses them at once (auth.Revocations).
   */
  public static final String TOKENS_REVOKED = "auth.tokens.revoked";
  /**
   * Published when a login session ends (its id, a String: logout or a reused refresh token), so every
   * node refuses the session's access tokens at once (auth.Revocations).
   */
  public static final String SESSION_REVOKED = "auth.session.revoked";
  /** Admin -> the node's shard ownership, local: members, owners and depth of every shard (no body -> JSON). */
  public static final String CLUSTER_STATUS = "cluster.status";
  /**
   * Worker -> its node's shard ownership, local: a newer owner claimed the shard, this worker has stopped
   * taking jobs ({@link Messages.ShardFenced}).
   */
  public static final String SHARD_FENCED = "cluster.shard.fenced";
  /**
   * Published by a node that is stopping gracefully, once its workers have finished their batches
   * ({@link Messages.NodeLeaving}): the others take its shards over without waiting for it to leave the
   * cluster.
   */
  public static final String NODE_LEAVING = "cluster.node.leaving";

  /**
   * Published by a worker once per batch whose outcomes it recorded (and once per take that the sold-out fast
   * path answered), to every node ({@link Messages.JobsDecided}): the nodes' live status streams of those jobs
   * send their final event.
   */
  public static final String JOBS_DECIDED = "booking.jobs.decided";
  /**
   * The node's stream ticker -> its HTTP verticles, local, once a second: the heads of the shards that have
   * open status streams on this node ({@code live.QueueHeads}), from which each stream's position is computed.
   */
  public static final String STREAM_HEADS = "booking.stream.heads";

  private static final String SHARD_PREFIX = "booking.shard.";

  private Addresses() {
  }

  /** Published (no body) after an enqueue so the shard's worker wakes at once instead of at its next poll. */
  public static String shard(int shard) {
    return SHARD_PREFIX + shard;
  }
}
