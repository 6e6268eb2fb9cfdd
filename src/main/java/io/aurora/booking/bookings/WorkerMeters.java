package io.aurora.booking.bookings;

/**
 * What a {@link BookingWorker} records about its work. Implemented by the metrics feature; recording is
 * in memory only, never I/O on the worker's path.
 */
public interface WorkerMeters {

  /** Records nothing: for workers deployed on their own (tests, tools). */
  WorkerMeters NONE = new WorkerMeters() {
    @Override
    public void jobFinished(JobOutcome outcome, long enqueuedAtMillis, long processingNanos) {
    }

    @Override
    public void jobsRetried(int jobs) {
    }

    @Override
    public void transaction(long nanos, int jobs, boolean committed) {
    }

    @Override
    public void jobsAnsweredSoldOut(int jobs) {
    }
  };

  /**
   * A job whose outcome has been recorded in the queue.
   *
   * @param enqueuedAtMillis when the job was accepted (wall clock of the accepting node; 0 if unknown)
   * @param processingNanos  from the worker taking the job to its outcome being recorded
   */
  void jobFinished(JobOutcome outcome, long enqueuedAtMillis, long processingNanos);

  /** Jobs whose decision is retried after a fault. */
  void jobsRetried(int jobs);

  /** Jobs the take answered {@code SOLD_OUT} without PostgreSQL (the sold-out fast path); each is also a {@link #jobFinished}. */
  void jobsAnsweredSoldOut(int jobs);

  /** One booking transaction of {@code jobs} jobs of one event; a fault is retried, so it is timed apart. */
  void transaction(long nanos, int jobs, boolean committed);

  /**
   * This node stood down from a shard because a newer owner had claimed it (fencing: a split cluster, or a
   * node paused past its death). Rare, and worth an operator's look when it happens.
   */
  default void shardFencedOff(int shard) {
  }
}
