package io.aurora.booking.queue;

import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.WorkerMeters;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The node's workers' meters, passed on unchanged, that also count each decided job's wait (from its enqueue to
 * its outcome) into a histogram the node's {@link QueueSampler} takes once a second: the p99 wait of the
 * operators' timeline ({@link QueueTimeline}). Counting is one atomic add, never I/O on the worker's path.
 */
public final class WaitTally implements WorkerMeters {

  private final WorkerMeters meters;
  private final AtomicLongArray counts = new AtomicLongArray(QueueTimeline.WAIT_BUCKETS);

  public WaitTally(WorkerMeters meters) {
    this.meters = meters;
  }

  @Override
  public void jobFinished(JobOutcome outcome, long enqueuedAtMillis, long processingNanos) {
    if (enqueuedAtMillis > 0) {
      counts.incrementAndGet(QueueTimeline.waitBucket(System.currentTimeMillis() - enqueuedAtMillis));
    }
    meters.jobFinished(outcome, enqueuedAtMillis, processingNanos);
  }

  @Override
  public void jobsRetried(int jobs) {
    meters.jobsRetried(jobs);
  }

  @Override
  public void jobsAnsweredSoldOut(int jobs) {
    meters.jobsAnsweredSoldOut(jobs);
  }

  @Override
  public void transaction(long nanos, int jobs, boolean committed) {
    meters.transaction(nanos, jobs, committed);
  }

  @Override
  public void shardFencedOff(int shard) {
    meters.shardFencedOff(shard);
  }

  /** The waits counted since the last call, by bucket; the tally starts again from zero. */
  long[] drain() {
    long[] out = new long[counts.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counts.getAndSet(i, 0);
    }
    return out;
  }
}
