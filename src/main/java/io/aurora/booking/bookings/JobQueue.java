package io.aurora.booking.bookings;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;

import java.time.Instant;
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
   * {@link ShardFencedException} once a newer owner has claimed the shard. In the same atomic step, answers
   * up to {@code soldOutAnswers} jobs of events marked sold out ({@link #markSoldOut}) {@code SOLD_OUT}, as
   * final and as visible as the worker's own answers; 0 decides every job in PostgreSQL. Their records are
   * written later, in bulk ({@link #writeAnsweredRecords}).
   */
  Future<TakenBatch> take(int shard, int max, long leaseMillis, long fence, int soldOutAnswers);

  /**
   * Writes the records of up to {@code max} jobs the take answered {@code SOLD_OUT}, oldest first (kept
   * {@code resultTtlSeconds} from their answer), and lets go of what they held (live-job mark, open-job
   * quota). Returns how many answers it handled: 0 when none is left.
   */
  Future<Integer> writeAnsweredRecords(int shard, int max, int resultTtlSeconds);

  /**
   * Marks an event sold out, after a committed decision left it no seat, so that its next jobs are answered
   * in the take. Only under the seat epoch its jobs were taken with ({@link TakenJob#seatEpoch}): true when
   * marked, false when a seat may have come back since. The mark ends at the event's start.
   */
  Future<Boolean> markSoldOut(int shard, long eventId, long seatEpoch, Instant startsAt);

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
