package io.aurora.booking.testing;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;

/**
 * A real Redis Cluster on loopback: three masters ({@code redis-server --cluster-enabled yes}, Debian's
 * binary), their slots assigned by {@code redis-cli --cluster create}. Killed at {@link #close()}.
 */
public final class RedisClusterNodes implements AutoCloseable {

  private static final String REDIS_SERVER = "/usr/bin/redis-server";
  private static final String REDIS_CLI = "/usr/bin/redis-cli";

  private final List<Integer> ports = new ArrayList<>();
  private final List<Process> nodes = new ArrayList<>();

  private RedisClusterNodes() {
  }

  public static boolean available() {
    return Files.isExecutable(Path.of(REDIS_SERVER)) && Files.isExecutable(Path.of(REDIS_CLI));
  }

  public static RedisClusterNodes start(Vertx vertx, Path dir, int masters) {
    RedisClusterNodes cluster = new RedisClusterNodes();
    try {
      List<String> create = new ArrayList<>(List.of(REDIS_CLI, "--cluster", "create"));
      for (int i = 0; i < masters; i++) {
        int port = TestServices.freePort();
        Path nodeDir = Files.createDirectories(dir.resolve("node" + i));
        cluster.ports.add(port);
        cluster.nodes.add(new ProcessBuilder(REDIS_SERVER, "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
            "--save", "", "--appendonly", "no", "--dir", nodeDir.toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node" + i + ".log").toFile()))
            .start());
        create.add("127.0.0.1:" + port);
      }
      for (String url : cluster.urls()) {
        awaitCondition("Redis node " + url + " to answer", Duration.ofSeconds(30), () -> answers(vertx, url));
      }
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      Process created = new ProcessBuilder(create).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("create.log").toFile())).start();
      if (created.waitFor() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
      }
      for (String url : cluster.urls()) {
        awaitCondition("node " + url + " to see the cluster ok", Duration.ofSeconds(30), () -> clusterOk(vertx, url));
      }
      return cluster;
    } catch (IOException e) {
      cluster.close();
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      cluster.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  public List<String> urls() {
    return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
  }

  /** The port of the master serving {@code key}'s slot, as the first node tells it ({@code CLUSTER SHARDS} is 7.0+). */
  public int masterOf(Vertx vertx, String key) {
    Redis node = Redis.createClient(vertx, urls().get(0));
    try {
      long slot = await(node.send(Request.cmd(Command.CLUSTER).arg("KEYSLOT").arg(key))).toLong();
      for (var range : await(node.send(Request.cmd(Command.CLUSTER).arg("SLOTS")))) {
        if (range.get(0).toLong() <= slot && slot <= range.get(1).toLong()) {
          return range.get(2).get(1).toInteger();
        }
      }
      throw new IllegalStateException("No master serves slot " + slot);
    } finally {
      node.close();
    }
  }

  private static boolean answers(Vertx vertx, String url) {
    Redis node = Redis.createClient(vertx, url);
    try {
      await(node.send(Request.cmd(Command.PING)));
      return true;
    } catch (RuntimeException notYet) {
      return false;
    } finally {
      node.close();
    }
  }

  private static boolean clusterOk(Vertx vertx, String url) {
    Redis node = Redis.createClient(vertx, url);
    try {
      return await(node.send(Request.cmd(Command.CLUSTER).arg("INFO"))).toString().contains("cluster_state:ok");
    } catch (RuntimeException notYet) {
      return false;
    } finally {
      node.close();
    }
  }

  @Override
  public void close() {
    nodes.forEach(Process::destroyForcibly);
  }
}
