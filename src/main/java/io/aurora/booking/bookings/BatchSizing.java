package io.aurora.booking.bookings;

/**
 * How many jobs a worker's next take asks for. A take that comes back full says the shard's queue is at
 * least that deep, so the next one asks for twice as many, up to {@code max}: one row lock, one commit and
 * one take and acknowledgement per batch are then shared by more jobs while a crowd waits. A take that comes
 * back short says the queue is drained, so the next one asks for {@code base} again, and a quiet shard
 * keeps small batches (and the short Redis scripts and transactions that go with them).
 *
 * @param base the size of a take while the queue is short ({@code batchSize})
 * @param max  the largest take ({@code maxBatchSize}); equal to {@code base} for fixed batches
 */
public record BatchSizing(int base, int max) {

  public BatchSizing {
    if (base < 1 || max < base) {
      throw new IllegalArgumentException("batch sizes must satisfy 1 <= base <= max, got " + base + " and " + max);
    }
  }

  /** The size of the take after one that asked for {@code asked} jobs to decide and got {@code taken}. */
  public int next(int asked, int taken) {
    return taken >= asked ? (int) Math.min(max, 2L * asked) : base;
  }
}
