package io.aurora.booking.queue;

import io.aurora.booking.bookings.WorkerMeters;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.QueueFigures;
import io.aurora.booking.limits.RateLimiter;
import io.aurora.booking.limits.ThrottleMeters;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures the queue once a second for the whole node: each shard's decisions per second (smoothed, from
 * the Redis counters), whether it is paused, and its depth. The depth goes to the meters; the rates and
 * pause flags go to this node's queue verticles ({@link Addresses#QUEUE_FIGURES}), which answer enqueues
 * with them without a Redis call of their own. It also keeps the operators' timeline ({@link QueueTimeline}) of
 * the last 15 minutes and answers {@link Addresses#ADMIN_TIMELINE} with it. One instance per node.
 */
public final class QueueSampler extends ShardChore {

  private static final double SMOOTHING = 0.3;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  /** Per shard: last decided count (-1 before the first sample) and the smoothed decisions per second. */
  private long[] lastDecided;
  private double[] rate;
  private boolean sampling;
  private final WaitTally waits;
  private QueueTimeline timeline;
  private RateLimiter limiter;
  /** Cluster-wide totals at the last round (-1 before the first): the timeline's rates are their differences. */
  private long lastEnqueued = -1;
  private long lastDecidedTotal = -1;
  private long lastThrottled = -1;

  public QueueSampler(QueueMeters metrics) {
    this(metrics, new WaitTally(WorkerMeters.NONE));
  }

  /** {@code waits}: the tally this node's workers count their jobs' waits in (they record through it). */
  public QueueSampler(QueueMeters metrics, WaitTally waits) {
    super("booking-queue-sampler", metrics);
    this.waits = waits;
  }

  @Override
  void prepare() {
    lastDecided = new long[config.shards()];
    Arrays.fill(lastDecided, -1);
    rate = new double[config.shards()];
    timeline = new QueueTimeline(config.shards());
    limiter = new RateLimiter(redis(), ThrottleMeters.NONE, true);
    vertx.eventBus().localConsumer(Addresses.ADMIN_TIMELINE, msg -> msg.reply(timeline.toJson()));
  }

  @Override
  void round() {
    if (sampling) {
      return; // the previous round still waits on Redis
    }
    sampling = true;
    long now = System.currentTimeMillis();
    boolean[] paused = new boolean[config.shards()];
    long[] decidedNow = new long[config.shards()];
    long[] enqueued = new long[config.shards()];
    long[] depth = new long[config.shards()];
    List<Future<?>> reads = new ArrayList<>();
    for (int s = 0; s < config.shards(); s++) {
      int shard = s;
      reads.add(queue.decided(shard).onSuccess(decided -> {
        long delta = lastDecided[shard] < 0 ? 0 : decided - lastDecided[shard];
        lastDecided[shard] = decided;
        decidedNow[shard] = decided;
        rate[shard] = SMOOTHING * Math.max(0, delta) * 1000.0 / PERIOD_MILLIS + (1 - SMOOTHING) * rate[shard];
      }));
      reads.add(queue.shardStats(shard).onSuccess(stats -> {
        paused[shard] = stats.paused();
        enqueued[shard] = stats.enqueued();
        depth[shard] = stats.waiting();
        metrics.queueDepth(shard, stats.waiting(), stats.processing());
      }));
    }
    Future<Long> throttled = limiter.throttledFigures().map(figures -> figures.getLong("total", 0L));
    reads.add(throttled);
    Future<Long> p99 = shareWaits(now / 1000);
    reads.add(p99);
    Future.join(reads).onComplete(done -> {
      sampling = false;
      if (done.succeeded()) {
        vertx.eventBus().publish(Addresses.QUEUE_FIGURES, new QueueFigures(rate.clone(), paused), LOCAL);
        addPoint(now, Arrays.stream(enqueued).sum(), Arrays.stream(decidedNow).sum(), throttled.result(),
            p99.result(), depth);
      }
    });
  }

  /** One point of the timeline: rates are this round's totals less the last round's (none at the first round). */
  private void addPoint(long now, long enqueued, long decided, long throttled, long p99, long[] depth) {
    if (lastEnqueued >= 0) {
      timeline.add(new QueueTimeline.Point(now, Math.max(0, enqueued - lastEnqueued), Math.max(0, decided - lastDecidedTotal),
          Math.max(0, throttled - lastThrottled), p99, depth));
    }
    lastEnqueued = enqueued;
    lastDecidedTotal = decided;
    lastThrottled = throttled;
  }

  /**
   * Adds this node's waits of the last second to the cluster's histogram of this second, and reads the cluster's
   * histogram of two seconds ago (by then every node has added its share) for its p99: the timeline's p99 wait
   * trails by two seconds.
   */
  private Future<Long> shareWaits(long epochSecond) {
    long[] mine = waits.drain();
    List<Request> commands = new ArrayList<>();
    String key = QueueTimeline.waitsKey(epochSecond);
    for (int bucket = 0; bucket < mine.length; bucket++) {
      if (mine[bucket] > 0) {
        commands.add(Request.cmd(Command.HINCRBY).arg(key).arg(bucket).arg(mine[bucket]));
      }
    }
    if (!commands.isEmpty()) {
      commands.add(Request.cmd(Command.EXPIRE).arg(key).arg(60));
    }
    commands.add(Request.cmd(Command.HGETALL).arg(QueueTimeline.waitsKey(epochSecond - 2)));
    return redis().batch(commands).map(answers -> {
      Response cluster = answers.get(answers.size() - 1);
      long[] histogram = new long[QueueTimeline.WAIT_BUCKETS];
      if (cluster != null) {
        for (String bucket : cluster.getKeys()) {
          histogram[Integer.parseInt(bucket)] = cluster.get(bucket).toLong();
        }
      }
      return QueueTimeline.p99(histogram);
    });
  }
}
