package io.aurora.booking.testing;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

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
 * Real {@code redis-server} processes on loopback (Debian's binary): a master, one replica and three
 * Sentinels watching them with a quorum of two, quick to judge a master down. For failover trials: the test
 * kills the master with {@code kill -9} and starts it again, as a supervisor would; the Sentinels make it a
 * replica of the master they elected meanwhile.
 */
public final class RedisSentinels implements AutoCloseable {

  public static final String MASTER_NAME = "m";
  private static final String REDIS_SERVER = "/usr/bin/redis-server";

  private final Vertx vertx;
  private final Path dir;
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private final List<Process> sentinels = new ArrayList<>();
  private int masterPort;
  private int replicaPort;
  private Process master;
  private Process replica;

  private RedisSentinels(Vertx vertx, Path dir) {
    this.vertx = vertx;
    this.dir = dir;
  }

  public static boolean available() {
    return Files.isExecutable(Path.of(REDIS_SERVER));
  }

  /** Starts the five processes and returns once every Sentinel knows the replica and the other Sentinels. */
  public static RedisSentinels start(Vertx vertx, Path dir) {
    RedisSentinels set = new RedisSentinels(vertx, dir);
    try {
      set.masterPort = TestServices.freePort();
      set.replicaPort = TestServices.freePort();
      set.master = set.dataNode("a", set.masterPort, null);
      set.replica = set.dataNode("b", set.replicaPort, set.masterPort);
      for (int i = 0; i < 3; i++) {
        int port = TestServices.freePort();
        set.sentinelPorts.add(port);
        set.sentinels.add(set.sentinel(i, port));
      }
      awaitCondition("the Sentinels to know the replica and each other", Duration.ofSeconds(60), set::watching);
      return set;
    } catch (RuntimeException | Error e) {
      set.close();
      throw e;
    }
  }

  /** {@code redis://127.0.0.1:P} of each Sentinel, comma-separated: the {@code redisUrls} of sentinel mode. */
  public String sentinelUrls() {
    return String.join(",", sentinelPorts.stream().map(p -> "redis://127.0.0.1:" + p).toList());
  }

  public String masterUrl() {
    return "redis://127.0.0.1:" + masterPort + "/0";
  }

  /** The port of the master as the Sentinels see it now. */
  public int currentMasterPort() {
    Redis sentinel = Redis.createClient(vertx, "redis://127.0.0.1:" + sentinelPorts.get(0));
    try {
      Response address = await(sentinel.send(Request.cmd(Command.SENTINEL).arg("get-master-addr-by-name").arg(MASTER_NAME)));
      return address.get(1).toInteger();
    } finally {
      sentinel.close();
    }
  }

  /**
   * Makes the replica fall behind, as a slow network or a busy replica does: the replica is stopped
   * ({@code SIGSTOP}) and a large value is written on the master, so that the replication stream fills the
   * socket buffers and what the master accepts from now on waits in its own memory, unsent.
   */
  public void freezeReplica() {
    signal(replica, "STOP");
    Redis node = Redis.createClient(vertx, masterUrl());
    try {
      await(node.send(Request.cmd(Command.SET).arg("{ballast}:replication").arg(new byte[8 * 1024 * 1024])));
    } finally {
      node.close();
    }
  }

  public void thawReplica() {
    signal(replica, "CONT");
  }

  /** {@code kill -SIGNAL} of {@code process} (STOP, CONT), as a shell would send it. */
  static void signal(Process process, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + signal + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code kill -9} of the master the test started with. */
  public void killMaster() {
    master.destroyForcibly();
    try {
      master.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Once the Sentinels elected the replica, the killed node comes back empty (no persistence) on its port,
   * as a supervisor restarts it; the Sentinels turn it into a replica of the new master.
   */
  public void awaitFailoverAndRestartOldMaster(Duration timeout) {
    awaitCondition("the Sentinels to elect the replica", timeout, () -> currentMasterPort() == replicaPort);
    master = dataNode("a", masterPort, null);
    awaitCondition("the old master to serve as a replica of the new one", timeout, () -> {
      Redis node = Redis.createClient(vertx, masterUrl());
      try {
        String info = await(node.send(Request.cmd(Command.INFO).arg("replication"))).toString();
        return info.contains("role:slave") && info.contains("master_port:" + replicaPort) && info.contains("master_link_status:up");
      } catch (RuntimeException notYet) {
        return false;
      } finally {
        node.close();
      }
    });
  }

  private boolean watching() {
    for (int port : sentinelPorts) {
      Redis sentinel = Redis.createClient(vertx, "redis://127.0.0.1:" + port);
      try {
        Response replicas = await(sentinel.send(Request.cmd(Command.SENTINEL).arg("replicas").arg(MASTER_NAME)));
        Response others = await(sentinel.send(Request.cmd(Command.SENTINEL).arg("sentinels").arg(MASTER_NAME)));
        if (replicas.size() != 1 || others.size() != 2 || replicas.get(0).toString().contains("s_down")) {
          return false;
        }
      } catch (RuntimeException notYet) {
        return false;
      } finally {
        sentinel.close();
      }
    }
    return true;
  }

  private Process dataNode(String name, int port, Integer replicaOf) {
    List<String> command = new ArrayList<>(List.of(REDIS_SERVER, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", mkdir(name).toString()));
    if (replicaOf != null) {
      command.addAll(List.of("--replicaof", "127.0.0.1", replicaOf.toString()));
    }
    return launch(command, name);
  }

  private Process sentinel(int index, int port) {
    Path conf = mkdir("sentinel" + index).resolve("sentinel.conf");
    try {
      Files.writeString(conf, String.join("\n",
          "port " + port,
          "bind 127.0.0.1",
          "dir " + conf.getParent(),
          "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2",
          "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
          "sentinel failover-timeout " + MASTER_NAME + " 3000",
          "sentinel parallel-syncs " + MASTER_NAME + " 1", ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return launch(List.of(REDIS_SERVER, conf.toString(), "--sentinel"), "sentinel" + index);
  }

  private Path mkdir(String name) {
    try {
      return Files.createDirectories(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Process launch(List<String> command, String name) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (replica != null && replica.isAlive()) {
      signal(replica, "CONT");
    }
    List<Process> all = new ArrayList<>(sentinels);
    all.add(master);
    all.add(replica);
    for (Process process : all) {
      if (process != null) {
        process.destroyForcibly();
      }
    }
  }
}
