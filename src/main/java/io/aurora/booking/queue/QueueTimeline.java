package io.aurora.booking.queue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The operators' timeline: the queue's last {@link #CAPACITY} seconds, one point a second, in a ring buffer
 * kept by each node's {@link QueueSampler}, so a console opened now already shows the last 15 minutes.
 * The figures are the cluster's, not the node's: rates are differences of the cluster-wide counters in Redis,
 * depths are read from Redis, and the p99 wait is taken from a histogram every node adds its workers' waits to
 * in Redis ({@link #waitsKey}). Any node's timeline therefore tells the same story, from its own start on.
 */
final class QueueTimeline {

  /** 15 minutes at one point a second. */
  static final int CAPACITY = 900;
  /** Wait buckets per doubling: the p99 is an upper bound within 1/8 of an octave (about 9 %). */
  private static final int PER_DOUBLING = 8;
  /** Bucket 0 holds waits under 1 ms; the last one everything from about 2^40 ms on. */
  static final int WAIT_BUCKETS = 40 * PER_DOUBLING + 2;

  /** One second of the queue, cluster-wide. {@code p99WaitMillis} is -1 in a second nothing was decided. */
  record Point(long atMillis, long enqueued, long decided, long throttled, long p99WaitMillis, long[] depth) {
  }

  private final int shards;
  private final Point[] points = new Point[CAPACITY];
  private int next;
  private int size;

  QueueTimeline(int shards) {
    this.shards = shards;
  }

  void add(Point point) {
    points[next] = point;
    next = (next + 1) % CAPACITY;
    size = Math.min(size + 1, CAPACITY);
  }

  /** The bucket of a wait: 0 under 1 ms, then {@link #PER_DOUBLING} buckets per doubling. */
  static int waitBucket(long waitMillis) {
    if (waitMillis < 1) {
      return 0;
    }
    int bucket = 1 + (int) Math.floor(Math.log(waitMillis) / Math.log(2) * PER_DOUBLING);
    return Math.min(bucket, WAIT_BUCKETS - 1);
  }

  /** The longest wait a bucket holds (rounded up to a whole millisecond). */
  static long bucketUpperMillis(int bucket) {
    return bucket == 0 ? 0 : (long) Math.ceil(Math.pow(2, (double) bucket / PER_DOUBLING));
  }

  /** The 99th percentile of a histogram of waits, as the upper bound of its bucket; -1 for an empty one. */
  static long p99(long[] histogram) {
    long total = 0;
    for (long n : histogram) {
      total += n;
    }
    if (total == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(total * 0.99);
    long seen = 0;
    for (int bucket = 0; bucket < histogram.length; bucket++) {
      seen += histogram[bucket];
      if (seen >= rank) {
        return bucketUpperMillis(bucket);
      }
    }
    return bucketUpperMillis(histogram.length - 1);
  }

  /**
   * The cluster's wait histogram of one second (epoch seconds), a Redis hash of bucket -> count. Not a shard's
   * key: only single-key commands touch it, so it works on Redis Cluster too.
   */
  static String waitsKey(long epochSecond) {
    return "{timeline}:waits:" + epochSecond;
  }

  /**
   * {@code GET /api/admin/queue/timeline}: oldest point first, one array per figure (what a chart library
   * draws), depths one array per shard.
   */
  JsonObject toJson() {
    JsonArray at = new JsonArray();
    JsonArray enqueued = new JsonArray();
    JsonArray decided = new JsonArray();
    JsonArray throttled = new JsonArray();
    JsonArray p99 = new JsonArray();
    JsonArray[] depth = new JsonArray[shards];
    for (int s = 0; s < shards; s++) {
      depth[s] = new JsonArray();
    }
    for (int i = 0; i < size; i++) {
      Point point = points[(next - size + i + CAPACITY) % CAPACITY];
      at.add(point.atMillis());
      enqueued.add(point.enqueued());
      decided.add(point.decided());
      throttled.add(point.throttled());
      p99.add(point.p99WaitMillis() < 0 ? null : point.p99WaitMillis());
      for (int s = 0; s < shards; s++) {
        depth[s].add(point.depth()[s]);
      }
    }
    return new JsonObject()
        .put("resolutionSeconds", 1)
        .put("capacity", CAPACITY)
        .put("at", at)
        .put("enqueuedPerSecond", enqueued)
        .put("decidedPerSecond", decided)
        .put("throttledPerSecond", throttled)
        .put("p99WaitMillis", p99)
        .put("depthPerShard", new JsonArray(java.util.List.of((Object[]) depth)));
  }
}
