package io.aurora.booking.queue;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.Clients;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Redis;

/**
 * A chore the queue needs done once per node, every {@link #PERIOD_MILLIS}, over all shards: a verticle
 * deployed once, on a Redis client of its own, so it neither runs once per queue verticle nor waits behind
 * their requests.
 */
abstract class ShardChore extends VerticleBase {

  static final long PERIOD_MILLIS = 1_000;

  private final String clientName;
  protected final QueueMeters metrics;
  protected AppConfig config;
  protected ShardQueue queue;
  private Redis redis;
  private long timer;

  ShardChore(String clientName, QueueMeters metrics) {
    this.clientName = clientName;
    this.metrics = metrics;
  }

  @Override
  public final Future<?> start() {
    config = new AppConfig(config());
    redis = Clients.redis(vertx, config, clientName);
    queue = new ShardQueue(redis);
    prepare();
    timer = vertx.setPeriodic(PERIOD_MILLIS, id -> round());
    return Future.succeededFuture();
  }

  @Override
  public final Future<?> stop() {
    vertx.cancelTimer(timer);
    return redis.close().recover(e -> Future.succeededFuture());
  }

  /** The chore's own Redis client. */
  protected Redis redis() {
    return redis;
  }

  /** Set-up once the configuration is known, before the first round. */
  void prepare() {
  }

  /** One round over all shards. */
  abstract void round();
}
