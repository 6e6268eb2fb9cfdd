package io.aurora.booking.bus;

/**
 * Every event-bus address of the service, in one place. Requests to the queue verticle and the cluster
 * status stay on the node that received the HTTP request (every node runs both, on the same Redis);
 * wake-ups and cache invalidations are published to every node.
 */
public final class Addresses {

  /** HTTP -> queue: accept a booking request ({@link Messages.EnqueueRequest}). */
  public static final String ENQUEUE = "booking.enqueue";
  /** HTTP -> queue: a job's status ({@link Messages.StatusRequest}). */
  public static final String STATUS = "booking.status";
  /** Admin -> queue: stats, details, pause, resume, clean. */
  public static final String ADMIN_STATS = "booking.admin.stats";
  public static final String ADMIN_DETAILS = "booking.admin.details";
  public static final String ADMIN_PAUSE = "booking.admin.pause";
  public static final String ADMIN_RESUME = "booking.admin.resume";
  public static final String ADMIN_CLEAN = "booking.admin.clean";
  /** Published on pause/resume of the whole queue, so every queue verticle answers with the new state at once. */
  public static final String QUEUE_PAUSED = "booking.queue.paused";
  /** Published when an event changes, so every node drops its cached copy. Body: the event id. */
  public static final String EVENT_CHANGED = "events.changed";
  /** Admin -> the node's shard ownership: members, owners and depth of every shard. */
  public static final String CLUSTER_STATUS = "cluster.status";
  /**
   * Worker -> its node's shard ownership, local only: a newer owner claimed the shard, this worker has
   * stopped taking jobs ({@link Messages.ShardFenced}).
   */
  public static final String SHARD_FENCED = "cluster.shard.fenced";
  /**
   * Published by a node that is stopping gracefully, once its workers have finished their batches
   * ({@link Messages.NodeLeaving}): the others take its shards over without waiting for it to leave
   * the cluster.
   */
  public static final String NODE_LEAVING = "cluster.node.leaving";

  private static final String SHARD_PREFIX = "booking.shard.";

  private Addresses() {
  }

  /** Published after an enqueue so the shard's worker wakes at once instead of at its next poll. */
  public static String shard(int shard) {
    return SHARD_PREFIX + shard;
  }
}
