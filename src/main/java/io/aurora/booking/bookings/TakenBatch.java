package io.aurora.booking.bookings;

import java.util.List;

/**
 * What one take from a shard's queue gave the worker: jobs to decide in PostgreSQL, and jobs the queue has
 * already answered {@code SOLD_OUT} because their event was marked sold out (the sold-out fast path).
 */
public record TakenBatch(List<TakenJob> jobs, List<AnsweredSoldOut> answeredSoldOut) {

  public static final TakenBatch EMPTY = new TakenBatch(List.of(), List.of());

  /** A job the queue failed as {@code SOLD_OUT} in the take itself: final, recorded and counted there. */
  public record AnsweredSoldOut(String jobId, long eventId, long enqueuedAt, long userId) {
  }

  /** Jobs taken or answered. */
  public int size() {
    return jobs.size() + answeredSoldOut.size();
  }
}
