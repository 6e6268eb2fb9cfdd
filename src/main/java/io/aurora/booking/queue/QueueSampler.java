package io.aurora.booking.queue;

import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.QueueFigures;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures the queue once a second for the whole node: each shard's decisions per second (smoothed, from
 * the Redis counters), whether it is paused, and its depth. The depth goes to the meters; the rates and
 * pause flags go to this node's queue verticles ({@link Addresses#QUEUE_FIGURES}), which answer enqueues
 * with them without a Redis call of their own. One instance per node.
 */
public final class QueueSampler extends ShardChore {

  private static final double SMOOTHING = 0.3;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  /** Per shard: last decided count (-1 before the first sample) and the smoothed decisions per second. */
  private long[] lastDecided;
  private double[] rate;
  private boolean sampling;

  public QueueSampler(QueueMeters metrics) {
    super("booking-queue-sampler", metrics);
  }

  @Override
  void prepare() {
    lastDecided = new long[config.shards()];
    Arrays.fill(lastDecided, -1);
    rate = new double[config.shards()];
  }

  @Override
  void round() {
    if (sampling) {
      return; // the previous round still waits on Redis
    }
    sampling = true;
    boolean[] paused = new boolean[config.shards()];
    List<Future<?>> reads = new ArrayList<>();
    for (int s = 0; s < config.shards(); s++) {
      int shard = s;
      reads.add(queue.decided(shard).onSuccess(decided -> {
        long delta = lastDecided[shard] < 0 ? 0 : decided - lastDecided[shard];
        lastDecided[shard] = decided;
        rate[shard] = SMOOTHING * Math.max(0, delta) * 1000.0 / PERIOD_MILLIS + (1 - SMOOTHING) * rate[shard];
      }));
      reads.add(queue.shardStats(shard).onSuccess(stats -> {
        paused[shard] = stats.paused();
        metrics.queueDepth(shard, stats.waiting(), stats.processing());
      }));
    }
    Future.join(reads).onComplete(done -> {
      sampling = false;
      if (done.succeeded()) {
        vertx.eventBus().publish(Addresses.QUEUE_FIGURES, new QueueFigures(rate.clone(), paused), LOCAL);
      }
    });
  }
}
