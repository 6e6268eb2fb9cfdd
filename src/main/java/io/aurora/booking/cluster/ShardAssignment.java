package io.aurora.booking.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Which node should own which shard, computed the same way on every node from nothing but the set of
 * node ids and the shard count, so nodes that see the same members agree without talking to each other.
 *
 * <p>Even: every node gets {@code shards / nodes} shards or one more (8 shards on 3 nodes: 3/3/2).
 * Sticky: each (shard, node) pair has a fixed pseudo-random score and shards go to their best-scoring
 * node that still has room (rendezvous hashing with capacities), so a node joining or leaving moves few
 * shards besides the ones that must move, unlike a round-robin over the sorted list.
 */
public final class ShardAssignment {

  private ShardAssignment() {
  }

  /** The owner (member id) of each shard (index = shard); all null when there are no members. */
  public static List<String> assign(Collection<String> memberIds, int shards) {
    List<String> nodes = new ArrayList<>(new TreeSet<>(memberIds));
    String[] owners = new String[shards];
    if (nodes.isEmpty()) {
      return Arrays.asList(owners);
    }
    int n = nodes.size();
    int base = shards / n;
    int extra = shards % n;
    long[] nodeHashes = nodes.stream().mapToLong(ShardAssignment::hash).toArray();
    List<long[]> pairs = new ArrayList<>(shards * n);
    for (int shard = 0; shard < shards; shard++) {
      for (int node = 0; node < n; node++) {
        pairs.add(new long[] {score(nodeHashes[node], shard), shard, node});
      }
    }
    // Best score first; ties (practically never) by shard, then by node order: still the same everywhere.
    pairs.sort(Comparator.<long[]>comparingLong(p -> p[0]).reversed()
        .thenComparingLong(p -> p[1]).thenComparingLong(p -> p[2]));
    int[] load = new int[n];
    int extrasGiven = 0;
    for (long[] pair : pairs) {
      int shard = (int) pair[1];
      int node = (int) pair[2];
      if (owners[shard] != null) {
        continue;
      }
      if (load[node] < base) {
        load[node]++;
        owners[shard] = nodes.get(node);
      } else if (load[node] == base && extrasGiven < extra) {
        load[node]++;
        extrasGiven++;
        owners[shard] = nodes.get(node);
      }
    }
    return Arrays.asList(owners);
  }

  /** The shards {@code assignment} gives to {@code memberId}, in order. */
  public static List<Integer> shardsOf(List<String> assignment, String memberId) {
    List<Integer> shards = new ArrayList<>();
    for (int s = 0; s < assignment.size(); s++) {
      if (memberId.equals(assignment.get(s))) {
        shards.add(s);
      }
    }
    return List.copyOf(shards);
  }

  /** FNV-1a over the id's bytes: fixed, unlike String.hashCode's freedom in principle and HashMap order in practice. */
  private static long hash(String id) {
    long h = 0xcbf29ce484222325L;
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** SplitMix64 finaliser of node hash and shard: an unbiased, fixed score per pair. */
  private static long score(long nodeHash, int shard) {
    long z = nodeHash ^ (shard * 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
