package io.aurora.booking.bench;

import io.aurora.booking.infra.EmbeddedServer;
import io.aurora.booking.infra.EmbeddedServices;
import io.aurora.booking.queue.ShardQueue;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.aurora.booking.bench.HotEventBench.await;
import static io.aurora.booking.bench.HotEventBench.sleep;

/**
 * The in-process server's Redis for {@code --redis-replica}: a master and one replica, redis-server processes
 * like the embedded one (same binary, same durable settings), on free loopback ports. The service's own
 * embedded Redis has no replica, and the service refuses {@code redisMinReplicas} there; this pair is what
 * lets the bench measure what waiting for a replica costs. Everything here blocks.
 */
final class ReplicatedRedis implements AutoCloseable {

  private static final long SYNC_WAIT_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Vertx vertx;
  private EmbeddedServer master;
  private EmbeddedServer replica;

  private ReplicatedRedis(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts both under {@code dataDir} and returns once the replica has synchronised with the master. */
  static ReplicatedRedis start(Vertx vertx, Path dataDir, boolean durable) throws IOException {
    ReplicatedRedis pair = new ReplicatedRedis(vertx);
    try {
      pair.master = EmbeddedServices.startRedis(dataDir.resolve("redis-master"), durable, null);
      // The first synchronisation streams the master's data at once instead of waiting 5 s for more replicas.
      pair.send(pair.masterUrl(), Request.cmd(Command.CONFIG).arg("SET").arg("repl-diskless-sync-delay").arg("0"));
      pair.replica = EmbeddedServices.startRedis(dataDir.resolve("redis-replica"), durable, pair.master.port());
      long deadline = System.nanoTime() + SYNC_WAIT_NANOS;
      while (!pair.replication(pair.replicaUrl()).contains("master_link_status:up")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("The bench's Redis replica did not synchronise with its master within a minute");
        }
        sleep(20);
      }
      return pair;
    } catch (RuntimeException | IOException e) {
      pair.close();
      throw e;
    }
  }

  String masterUrl() {
    return "redis://127.0.0.1:" + master.port() + "/0";
  }

  private String replicaUrl() {
    return "redis://127.0.0.1:" + replica.port() + "/0";
  }

  /**
   * How many of the accepted jobs ({@code jobIds}, null for a request that was not) the replica holds now,
   * read through the queue's own status script on the replica; the replication offsets of master and
   * replica just before, and how many {@code WAIT}s the master has answered so far (0 with {@code redisMinReplicas=0}).
   */
  JsonObject holding(String[] jobIds) {
    long masterOffset = field(replication(masterUrl()), "master_repl_offset:");
    long replicaOffset = field(replication(replicaUrl()), "slave_repl_offset:");
    String waits = send(masterUrl(), Request.cmd(Command.INFO).arg("commandstats")).lines()
        .filter(line -> line.startsWith("cmdstat_wait:")).findFirst().orElse("cmdstat_wait:calls=0,");
    long waitCalls = Long.parseLong(waits.substring(waits.indexOf("calls=") + 6, waits.indexOf(',')));
    Redis client = Redis.createClient(vertx, replicaUrl());
    try {
      ShardQueue onReplica = new ShardQueue(client);
      int[] accepted = new int[1];
      int[] held = new int[1];
      Throwable[] failure = new Throwable[1];
      // Within the client's default pool (6 connections), whose wait queue is short.
      await(InFlight.run(vertx, 4, jobIds.length, i -> {
        if (jobIds[i] == null) {
          return Future.succeededFuture();
        }
        accepted[0]++;
        return onReplica.status(jobIds[i]).map(record -> {
          held[0] += record.fields().isEmpty() ? 0 : 1;
          return (Void) null;
        }).onFailure(e -> failure[0] = e);
      }));
      if (failure[0] != null) {
        throw new IllegalStateException("Could not read a job on the bench's Redis replica: " + failure[0].getMessage(), failure[0]);
      }
      return new JsonObject().put("acceptedJobs", accepted[0]).put("acceptedJobsOnReplica", held[0])
          .put("masterOffset", masterOffset).put("replicaOffset", replicaOffset).put("waitCalls", waitCalls);
    } finally {
      client.close();
    }
  }

  private String replication(String url) {
    return send(url, Request.cmd(Command.INFO).arg("replication"));
  }

  private String send(String url, Request request) {
    Redis client = Redis.createClient(vertx, url);
    try {
      return await(client.send(request)).toString();
    } finally {
      client.close();
    }
  }

  private static long field(String info, String field) {
    return info.lines().filter(line -> line.startsWith(field)).mapToLong(line -> Long.parseLong(line.substring(field.length()).strip()))
        .findFirst().orElseThrow(() -> new IllegalStateException("INFO replication has no " + field));
  }

  /** Stops the replica, then the master, each cleanly. */
  @Override
  public void close() {
    if (replica != null) {
      replica.close();
    }
    if (master != null) {
      master.close();
    }
  }
}
