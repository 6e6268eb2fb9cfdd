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
 * binary), their slots assigned by {@code redis-cli --cluster create}, optionally with replicas that take
 * over a master killed with {@link #killMasterOf}. Killed at {@link #close()}.
 */
public final class RedisClusterNodes implements AutoCloseable {

  private static final String REDIS_SERVER = "/usr/bin/redis-server";
  private static final String REDIS_CLI = "/usr/bin/redis-cli";
  private static final int NODE_TIMEOUT_MILLIS = 2_000;

  private final List<Integer> ports = new ArrayList<>();
  private final List<Process> nodes = new ArrayList<>();

  private RedisClusterNodes() {
  }

  public static boolean available() {
    return Files.isExecutable(Path.of(REDIS_SERVER)) && Files.isExecutable(Path.of(REDIS_CLI));
  }

  public static RedisClusterNodes start(Vertx vertx, Path dir, int masters) {
    return start(vertx, dir, masters, 0);
  }

  /**
   * With {@code replicasEach} replicas per master: a node is judged failed after
   * {@value #NODE_TIMEOUT_MILLIS} ms without an answer ({@code cluster-node-timeout}), so that one of its
   * replicas takes over within seconds. Returns once every replica is in sync with its master.
   */
  public static RedisClusterNodes start(Vertx vertx, Path dir, int masters, int replicasEach) {
    RedisClusterNodes cluster = new RedisClusterNodes();
    try {
      List<String> create = new ArrayList<>(List.of(REDIS_CLI, "--cluster", "create"));
      for (int i = 0; i < masters * (1 + replicasEach); i++) {
        int port = TestServices.freePort();
        Path nodeDir = Files.createDirectories(dir.resolve("node" + i));
        cluster.ports.add(port);
        List<String> command = new ArrayList<>(List.of(REDIS_SERVER, "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
            "--save", "", "--appendonly", "no", "--dir", nodeDir.toString()));
        if (replicasEach > 0) {
          command.addAll(List.of("--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MILLIS), "--repl-diskless-sync-delay", "0"));
        }
        cluster.nodes.add(new ProcessBuilder(command)
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node" + i + ".log").toFile()))
            .start());
        create.add("127.0.0.1:" + port);
      }
      for (String url : cluster.urls()) {
        awaitCondition("Redis node " + url + " to answer", Duration.ofSeconds(30), () -> answers(vertx, url));
      }
      create.addAll(List.of("--cluster-replicas", Integer.toString(replicasEach), "--cluster-yes"));
      Process created = new ProcessBuilder(create).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("create.log").toFile())).start();
      if (created.waitFor() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
      }
      for (String url : cluster.urls()) {
        awaitCondition("node " + url + " to see the cluster ok", Duration.ofSeconds(30), () -> clusterOk(vertx, url));
        if (replicasEach > 0) {
          awaitCondition("node " + url + " to be a master or a replica in sync", Duration.ofSeconds(60), () -> inSync(vertx, url));
        }
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

  /**
   * {@code kill -9} of the master serving {@code key}'s slot; returns its port. Its replica is promoted once
   * the other masters judge it failed.
   */
  public int killMasterOf(Vertx vertx, String key) {
    int port = masterOf(vertx, key);
    Process master = nodes.get(ports.indexOf(port));
    master.destroyForcibly();
    try {
      master.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return port;
  }

  /**
   * Makes the replica of the master serving {@code key}'s slot fall behind, as {@link RedisSentinels#freezeReplica}
   * does: the replica is stopped ({@code SIGSTOP}) and a large value is written on the master (under
   * {@code key}'s hash tag), so that what the master accepts from now on waits in its own memory, unsent.
   * Returns the replica's port. Thawed by {@link #thaw}.
   */
  public int freezeReplicaOf(Vertx vertx, String key) {
    int master = masterOf(vertx, key);
    Redis node = Redis.createClient(vertx, "redis://127.0.0.1:" + master);
    try {
      String info = await(node.send(Request.cmd(Command.INFO).arg("replication"))).toString();
      String replica = info.lines().filter(line -> line.startsWith("slave0:")).findFirst()
          .orElseThrow(() -> new IllegalStateException("The master on " + master + " has no replica: " + info));
      int port = Integer.parseInt(replica.replaceAll(".*port=(\\d+).*", "$1"));
      RedisSentinels.signal(nodes.get(ports.indexOf(port)), "STOP");
      String tag = key.substring(0, key.indexOf('}') + 1);
      await(node.send(Request.cmd(Command.SET).arg(tag + ":ballast").arg(new byte[8 * 1024 * 1024])));
      return port;
    } finally {
      node.close();
    }
  }

  /** Lets the node on {@code port}, stopped by {@link #freezeReplicaOf}, run again. */
  public void thaw(int port) {
    RedisSentinels.signal(nodes.get(ports.indexOf(port)), "CONT");
  }

  public List<String> urls() {
    return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
  }

  /** The port of the master serving {@code key}'s slot, as the first live node tells it ({@code CLUSTER SHARDS} is 7.0+). */
  public int masterOf(Vertx vertx, String key) {
    Redis node = Redis.createClient(vertx, urls().get(firstLive()));
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

  private int firstLive() {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).isAlive()) {
        return i;
      }
    }
    throw new IllegalStateException("No Redis node of the cluster is alive");
  }

  private static boolean inSync(Vertx vertx, String url) {
    Redis node = Redis.createClient(vertx, url);
    try {
      String info = await(node.send(Request.cmd(Command.INFO).arg("replication"))).toString();
      return info.contains("role:master") || info.contains("master_link_status:up");
    } catch (RuntimeException notYet) {
      return false;
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
    nodes.stream().filter(Process::isAlive).forEach(node -> RedisSentinels.signal(node, "CONT"));
    nodes.forEach(Process::destroyForcibly);
  }
}
