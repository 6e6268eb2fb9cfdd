package io.aurora.booking.live;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The status streams open on this node, shared by its HTTP verticles (each holds its own streams on its own
 * event loop) and its {@link StreamTicker}: the cap {@code sseMaxStreams} counts them all, and the ticker
 * reads the heads of only the shards that have some. Thread-safe; one per node, made by the application root.
 */
public final class StreamSlots {

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicIntegerArray perShard;

  public StreamSlots(int max, int shards) {
    this.max = max;
    this.perShard = new AtomicIntegerArray(shards);
  }

  /** Takes a place for a stream of a job of {@code shard}; false when the node holds its most already. */
  boolean tryOpen(int shard) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return false;
    }
    perShard.incrementAndGet(shard);
    return true;
  }

  void release(int shard) {
    perShard.decrementAndGet(shard);
    open.decrementAndGet();
  }

  /** Streams open on this node now. */
  public int open() {
    return open.get();
  }

  /** The shards with at least one open stream on this node. */
  List<Integer> shardsWithStreams() {
    List<Integer> shards = new ArrayList<>();
    for (int shard = 0; shard < perShard.length(); shard++) {
      if (perShard.get(shard) > 0) {
        shards.add(shard);
      }
    }
    return shards;
  }
}
