package io.aurora.booking.queue;

import java.util.Arrays;

/**
 * Where a shard's line stands: its taken sequence and the sequence numbers of withdrawn jobs still ahead of
 * the line's end (sorted). One read of it ({@link ShardQueue#head}) gives the place of every waiting job of
 * the shard, which is what the live status streams of a node need once a second, without a call per job.
 */
public record QueueHead(long taken, long[] withdrawnAhead) {

  /**
   * The place in line of a waiting job whose enqueue sequence is {@code seq}, given the taken sequence
   * counted up to it ({@code takenAhead}: the taken sequence plus the withdrawn jobs between it and the job).
   * The one rule for a place, used for the status answer (status.lua's figures) and the streams alike.
   */
  public static long place(long seq, long takenAhead) {
    return Math.max(1, seq - takenAhead);
  }

  /** The place of the job with sequence {@code seq}; 0 once the take has passed it (it is in process or decided). */
  public long placeOf(long seq) {
    if (seq <= taken) {
      return 0;
    }
    // Withdrawn jobs strictly between the taken sequence and the job, as status.lua's ZCOUNT counts them.
    int below = Arrays.binarySearch(withdrawnAhead, seq);
    int between = below >= 0 ? below : -below - 1;
    return place(seq, taken + between);
  }
}
