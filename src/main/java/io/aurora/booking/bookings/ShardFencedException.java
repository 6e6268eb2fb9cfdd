package io.aurora.booking.bookings;

/**
 * A worker tried to take jobs of a shard that a newer owner has claimed since: it must stop. This is how a
 * paused or cut-off old owner is kept from taking the shard's jobs out of the new owner's hands.
 */
public final class ShardFencedException extends RuntimeException {

  private final int shard;
  private final long epoch;

  public ShardFencedException(int shard, long epoch) {
    super("Shard " + shard + " was claimed by a newer owner than epoch " + epoch, null, false, false);
    this.shard = shard;
    this.epoch = epoch;
  }

  public int shard() {
    return shard;
  }

  public long epoch() {
    return epoch;
  }
}
