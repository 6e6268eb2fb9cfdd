package io.aurora.booking.infra;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * The Redis client of {@code redisMode=cluster}. The cluster client runs a batch on one node only and refuses
 * one whose keys live on several (CROSSSLOT), while the service batches independent commands of several
 * slots (the pause flags of every shard, the open-job releases of many users, the throttled counters): here a
 * batch is sent command by command, each to its node, all at once, and answered in order. Every command of
 * the service stands alone (no MULTI), so nothing depends on a batch running on one connection.
 */
final class NodeSplitBatches implements Redis {

  private final Redis cluster;

  NodeSplitBatches(Redis cluster) {
    this.cluster = cluster;
  }

  @Override
  public Future<RedisConnection> connect() {
    return cluster.connect();
  }

  @Override
  public Future<Void> close() {
    return cluster.close();
  }

  @Override
  public Future<Response> send(Request command) {
    return cluster.send(command);
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    List<Future<Response>> each = commands.stream().map(cluster::send).toList();
    return Future.all(each).map(all -> each.stream().map(Future::result).toList());
  }
}
