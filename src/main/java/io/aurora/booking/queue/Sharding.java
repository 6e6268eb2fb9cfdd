package io.aurora.booking.queue;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Which shard an event belongs to, and the job ids that carry their shard. The hash is fixed (not
 * {@code Long.hashCode}, which a JVM may not promise) so every node and every restart agree.
 */
public final class Sharding {

  private static final Pattern JOB_ID = Pattern.compile("^([0-9]{1,4})-[0-9a-f]{32}$");
  private static final SecureRandom RANDOM = new SecureRandom();

  private Sharding() {
  }

  public static int shardOf(long eventId, int shards) {
    // SplitMix64 finaliser: consecutive event ids spread evenly over the shards.
    long z = eventId + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (int) Long.remainderUnsigned(z, shards);
  }

  /** A new job id: the shard, then 128 random bits. The id alone says where its record lives. */
  public static String newJobId(int shard) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return shard + "-" + HexFormat.of().formatHex(bytes);
  }

  /** The shard of a well-formed job id, or -1. */
  public static int shardOfJob(String jobId) {
    if (jobId == null) {
      return -1;
    }
    var m = JOB_ID.matcher(jobId);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }
}
