package io.aurora.booking.live;

import io.aurora.booking.bus.Addresses;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.queue.QueueHead;
import io.aurora.booking.queue.ShardQueue;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Once a second, per node: reads the head of each shard that has open status streams on this node (one
 * Redis call per such shard, whatever the number of streams) and hands the heads to the node's HTTP
 * verticles, which compute each of their streams' positions from them ({@link StatusStreams}). No call per
 * stream: 20,000 streams on one shard cost one read a second. One instance per node.
 */
public final class StreamTicker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StreamTicker.class);
  static final long TICK_MILLIS = 1_000;
  /**
   * Withdrawn jobs (refused requests) read per shard and tick at most; more than this many still ahead is a
   * storm of refusals, during which places further back read a little high until the take passes them.
   */
  private static final int MAX_WITHDRAWN = 10_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final StreamSlots slots;
  private Redis redis;
  private ShardQueue queue;
  private QueueHead[] none;
  private long timer;
  private long tick;
  private boolean reading;

  /** @param slots the node's open streams: which shards have some */
  public StreamTicker(StreamSlots slots) {
    this.slots = slots;
  }

  @Override
  public Future<?> start() {
    AppConfig config = new AppConfig(config());
    none = new QueueHead[config.shards()];
    redis = Clients.redis(vertx, config, "booking-stream-ticker");
    queue = new ShardQueue(redis);
    timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return redis.close().recover(e -> Future.succeededFuture());
  }

  private void tick() {
    List<Integer> open = slots.shardsWithStreams();
    if (reading || open.isEmpty()) {
      return; // a slow read is not stacked up: the next tick reads afresh
    }
    reading = true;
    long started = System.nanoTime();
    QueueHead[] heads = none.clone();
    List<Future<?>> reads = new ArrayList<>(open.size());
    for (int shard : open) {
      reads.add(queue.head(shard, MAX_WITHDRAWN)
          .onSuccess(head -> heads[shard] = head)
          .onFailure(e -> LOG.debug("Stream ticker: head of shard {} not read: {}", shard, e.toString())));
    }
    Future.join(reads).onComplete(done -> {
      reading = false;
      vertx.eventBus().publish(Addresses.STREAM_HEADS, new QueueHeads(++tick, started, heads), LOCAL);
    });
  }
}
