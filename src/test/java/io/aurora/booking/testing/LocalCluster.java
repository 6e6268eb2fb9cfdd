package io.aurora.booking.testing;

import io.aurora.booking.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;

/**
 * Several nodes of the service, each a JVM of its own on loopback, clustered through Hazelcast, sharing
 * one PostgreSQL database and one Redis database from {@link TestServices} (embedded, or the servers named
 * by BOOKING_TEST_PG_URL / BOOKING_TEST_REDIS_URL). The test talks to them over real HTTP, and reads
 * PostgreSQL and Redis directly to check what they did.
 */
public final class LocalCluster implements AutoCloseable {

  public static final String ADMIN_EMAIL = "admin@cluster.test";
  public static final String ADMIN_PASSWORD = "cluster-admin-password";

  public final Vertx vertx;
  public final WebClient http;
  public final Pool db;
  public final Redis redis;
  public final Tokens tokens;
  public final Path logDir;
  private final String pgUrl;
  private final List<Integer> clusterPorts = new ArrayList<>();
  private final Map<String, String> env = new HashMap<>();
  private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
  private String adminToken;
  private int users;

  /**
   * A cluster of up to {@code plannedNodes} nodes (each listed as a member from the start, so a node started
   * later joins the others); {@code overrides} are BOOKING_* variables for every node.
   */
  public LocalCluster(Vertx vertx, String name, int plannedNodes, Map<String, String> overrides) {
    this.vertx = vertx;
    TestServices services = TestServices.get();
    this.pgUrl = services.newDatabase();
    String redisUrl = services.newRedisDb();
    this.logDir = Path.of("target", "cluster-logs", name);
    this.http = ContractCheck.attach(vertx, WebClient.create(vertx, new WebClientOptions().setKeepAlive(true)
        .setConnectTimeout(2_000), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64)));
    this.db = PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(PgConnectOptions.fromUri(pgUrl)).using(vertx).build();
    this.redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl)
        .setMaxPoolSize(8).setMaxPoolWaiting(100_000).setMaxWaitingHandlers(100_000));
    this.tokens = new Tokens(vertx, TestApp.SECRET, 3600);
    await(redis.send(Request.cmd(Command.FLUSHDB)));
    for (int i = 0; i < plannedNodes; i++) {
      clusterPorts.add(TestServices.freePort());
    }
    env.put("BOOKING_PG_URL", pgUrl);
    env.put("BOOKING_REDIS_URL", redisUrl);
    env.put("BOOKING_JWT_SECRET", TestApp.SECRET);
    // The suite logs the admin in once and keeps the token for a run longer than an access token's default 15 minutes.
    env.put("BOOKING_ACCESS_TOKEN_TTL_SECONDS", "86400");
    env.put("BOOKING_ADMIN_EMAIL", ADMIN_EMAIL);
    env.put("BOOKING_ADMIN_PASSWORD", ADMIN_PASSWORD);
    env.put("BOOKING_BCRYPT_COST", "4");
    env.put("BOOKING_HTTP_HOST", "127.0.0.1");
    env.put("BOOKING_HTTP_INSTANCES", "1");
    env.put("BOOKING_PG_POOL_SIZE", "4");
    env.put("BOOKING_REDIS_POOL_SIZE", "8");
    env.put("BOOKING_WORKER_IDLE_MILLIS", "50");
    // Every test client is 127.0.0.1: the per-address limits would count the whole crowd as one client
    // (as in TestApp). The per-user limits and the open-job quota stay on.
    env.put("BOOKING_BOOKING_RATE_PER_IP", "60000000");
    env.put("BOOKING_BOOKING_BURST_PER_IP", "10000000");
    env.put("BOOKING_LOGIN_RATE_PER_IP", "60000000");
    env.put("BOOKING_LOGIN_BURST_PER_IP", "10000000");
    env.put("BOOKING_CLUSTER_ENABLED", "true");
    env.put("BOOKING_CLUSTER_NAME", "aurora-test-" + ProcessHandle.current().pid() + "-" + name);
    env.put("BOOKING_CLUSTER_HOST", "127.0.0.1");
    env.put("BOOKING_CLUSTER_MEMBERS", clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
    env.putAll(overrides);
  }

  /** Starts the next planned node; it is ready when {@link #awaitReady} says so. */
  public NodeProcess startNode() {
    int index = nodes.size();
    if (index >= clusterPorts.size()) {
      throw new IllegalStateException("Only " + clusterPorts.size() + " nodes were planned");
    }
    int httpPort = TestServices.freePort();
    Map<String, String> nodeEnv = new HashMap<>(env);
    nodeEnv.put("BOOKING_NODE_NAME", "node-" + index);
    nodeEnv.put("BOOKING_HTTP_PORT", Integer.toString(httpPort));
    nodeEnv.put("BOOKING_CLUSTER_PORT", Integer.toString(clusterPorts.get(index)));
    NodeProcess node = NodeProcess.start("node-" + index, httpPort, clusterPorts.get(index), nodeEnv, logDir);
    nodes.add(node);
    return node;
  }

  public List<NodeProcess> alive() {
    return nodes.stream().filter(NodeProcess::isAlive).toList();
  }

  /**
   * Waits until each node answers /ready (it has joined the cluster and deployed everything); a start on a
   * machine at load average 30 has taken over two minutes.
   */
  public void awaitReady(List<NodeProcess> starting) {
    for (NodeProcess node : starting) {
      try {
        awaitCondition(node + " to be ready", Duration.ofSeconds(300), () -> {
          if (!node.isAlive()) {
            throw new AssertionError(node + " exited:\n" + node.logTail(60));
          }
          return quietly(http.get(node.httpPort, "127.0.0.1", "/ready").send())
              .map(r -> r.statusCode() == 200).orElse(false);
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\n" + node.logTail(40), e);
      }
    }
  }

  /** GET /api/admin/cluster, asked of {@code node}. */
  public JsonObject clusterStatus(NodeProcess node) {
    HttpResponse<Buffer> response = await(http.get(node.httpPort, "127.0.0.1", "/api/admin/cluster")
        .bearerTokenAuthentication(adminToken()).send());
    if (response.statusCode() != 200) {
      throw new AssertionError("cluster status from " + node + ": " + response.statusCode() + " " + response.bodyAsString());
    }
    return response.bodyAsJsonObject();
  }

  /**
   * Whether {@code members} (and no one else) form the cluster as seen from the first of them, and every
   * shard is owned, by the node it is assigned to.
   */
  public boolean settledOn(List<NodeProcess> members) {
    JsonObject status;
    try {
      status = clusterStatus(members.get(0));
    } catch (RuntimeException | AssertionError e) {
      return false;
    }
    Set<String> names = members.stream().map(n -> n.name).collect(Collectors.toSet());
    JsonArray nodes = status.getJsonArray("nodes");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      JsonObject node = nodes.getJsonObject(i);
      seen.add(node.getString("name"));
      if (!node.getJsonArray("shards").equals(node.getJsonArray("assignedShards"))) {
        return false;
      }
    }
    return seen.equals(names) && status.getJsonArray("unownedShards").isEmpty();
  }

  public void awaitSettledOn(List<NodeProcess> members, Duration timeout) {
    awaitCondition("the cluster to settle on " + members, timeout, () -> settledOn(members));
  }

  /** Node name -> shards it owns, from the cluster status. */
  public Map<String, List<Integer>> ownersByName(NodeProcess via) {
    Map<String, List<Integer>> out = new HashMap<>();
    JsonArray nodes = clusterStatus(via).getJsonArray("nodes");
    for (int i = 0; i < nodes.size(); i++) {
      JsonObject node = nodes.getJsonObject(i);
      List<Integer> shards = new ArrayList<>();
      node.getJsonArray("shards").forEach(s -> shards.add((Integer) s));
      out.put(node.getString("name"), shards);
    }
    return out;
  }

  public String adminToken() {
    if (adminToken == null) {
      NodeProcess node = alive().get(0);
      HttpResponse<Buffer> login = await(http.post(node.httpPort, "127.0.0.1", "/api/auth/login")
          .sendJsonObject(new JsonObject().put("email", ADMIN_EMAIL).put("password", ADMIN_PASSWORD)));
      if (login.statusCode() != 200) {
        throw new IllegalStateException("Admin login failed: " + login.bodyAsString());
      }
      adminToken = login.bodyAsJsonObject().getString("token");
    }
    return adminToken;
  }

  /** GET /api/admin/queue/stats, total. */
  public JsonObject queueTotals(NodeProcess via) {
    return await(http.get(via.httpPort, "127.0.0.1", "/api/admin/queue/stats").bearerTokenAuthentication(adminToken()).send())
        .bodyAsJsonObject().getJsonObject("total");
  }

  public long createEvent(NodeProcess via, int capacity) {
    HttpResponse<Buffer> created = await(http.post(via.httpPort, "127.0.0.1", "/api/events/create")
        .bearerTokenAuthentication(adminToken())
        .sendJsonObject(new JsonObject().put("name", "Cluster event " + System.nanoTime()).put("venue", "Hall")
            .put("startsAt", Instant.now().plus(Duration.ofDays(30)).toString()).put("capacity", capacity)));
    if (created.statusCode() != 201) {
      throw new IllegalStateException("Event creation failed: " + created.bodyAsString());
    }
    return created.bodyAsJsonObject().getLong("id");
  }

  /** Users made straight in the database, with real tokens (see TestApp#users). */
  public List<TestApp.TestUser> users(int count) {
    return TestDb.users(db, tokens, count);
  }

  public long queryLong(String sql, Object... params) {
    return TestDb.queryLong(db, sql, params);
  }

  public List<Row> queryRows(String sql, Object... params) {
    return TestDb.queryRows(db, sql, params);
  }

  @Override
  public void close() {
    for (NodeProcess node : nodes) {
      if (node.isAlive()) {
        node.kill();
      }
    }
    http.close();
    redis.close();
    await(db.close());
    TestServices.get().dropDatabase(pgUrl);
  }

  private static <T> Optional<T> quietly(Future<T> future) {
    try {
      return Optional.of(future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
