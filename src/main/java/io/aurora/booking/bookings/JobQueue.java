package io.aurora.booking.bookings;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;

import java.util.List;

/**
 * What a {@link BookingWorker} needs of its shard's queue: jobs taken under lease, leases renewed or given
 * back, outcomes acknowledged. The queue implements it on Redis ({@code queue.ShardQueue}); the worker is
 * handed a factory for it, so the bookings feature does not depend on how the queue is kept.
 */
public interface JobQueue {

  /** The fence of a worker that is not guarded by an owner epoch (tests, tools): its takes are never refused. */
  long UNFENCED = 0;

  /**
   * Takes up to {@code max} jobs under lease, as the owner of epoch {@code fence}; fails with
   * {@link ShardFencedException} once a newer owner has claimed the shard.
   */
  Future<List<TakenJob>> take(int shard, int max, long leaseMillis, long fence);

  /** Extends the leases of jobs still being worked on; jobs already recovered by the reaper are left alone. */
  Future<Void> renew(int shard, List<String> jobIds, long leaseMillis);

  /** Gives leases back: the reaper returns these jobs to the front of their queue at its next round. */
  Future<Void> releaseLeases(int shard, List<String> jobIds);

  /** Records the outcomes of a batch and ends their leases; returns how many were recorded. */
  Future<Integer> ack(int shard, List<JobOutcome> outcomes, int resultTtlSeconds);

  /** Builds the queue on a worker's own Redis client. */
  @FunctionalInterface
  interface Factory {
    JobQueue on(Redis redis);
  }
}
