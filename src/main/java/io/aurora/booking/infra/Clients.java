package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds the PostgreSQL pool and the Redis client every verticle uses, from the one config. */
public final class Clients {

  private static final Map<String, AtomicInteger> INSTANCES = new ConcurrentHashMap<>();

  private Clients() {
  }

  /**
   * Backstop for a server that falls silent without closing the connection (a frozen process, a cut
   * network path): a connection that reads nothing for this long is closed, failing what waits on it as a
   * fault. Longer than any statement may run ({@code statement_timeout}) and than a pooled connection
   * stays idle, so it only ever ends connections that are stuck. The front door does not wait this long:
   * {@code requestTimeoutMillis} answers it first.
   */
  static final int SILENT_SERVER_SECONDS = 35;
  private static final int STATEMENT_TIMEOUT_MILLIS = 30_000;
  private static final int IDLE_CONNECTION_SECONDS = 30;

  /**
   * {@code base-N}, a new N at each call: the client name of one instance of a verticle deployed several
   * times. Instances sharing a name would register their pool's gauges twice (Micrometer refuses the
   * second, with a warning) and misreport them.
   */
  public static String instanceName(String base) {
    return base + "-" + INSTANCES.computeIfAbsent(base, b -> new AtomicInteger()).incrementAndGet();
  }

  /**
   * A pool shared by name between the verticle instances of one JVM, so N HTTP instances do not open
   * N pools' worth of connections.
   */
  public static Pool pgPool(Vertx vertx, AppConfig config, String name) {
    return pgPool(vertx, config, config.pgUrl(), name);
  }

  /**
   * A pool on the read replica ({@code pgReadUrl}), built like the primary's and shared by name the same way;
   * null when no replica is configured. Only {@link ReplicaReads} should query it.
   */
  public static Pool pgReadPool(Vertx vertx, AppConfig config, String name) {
    return config.readReplica() ? pgPool(vertx, config, config.pgReadUrl(), name) : null;
  }

  private static Pool pgPool(Vertx vertx, AppConfig config, String url, String name) {
    PgConnectOptions connect = PgConnectOptions.fromUri(url)
        .setCachePreparedStatements(true)
        .setPipeliningLimit(16)
        .setReconnectAttempts(0);
    // Sent at connect time, so no transaction pays a round trip for them: a transaction that cannot get
    // its row lock, or hangs, fails fast as a retryable fault instead of holding a connection.
    connect.addProperty("lock_timeout", Integer.toString(config.lockTimeoutMillis()));
    connect.addProperty("statement_timeout", Integer.toString(STATEMENT_TIMEOUT_MILLIS));
    connect.addProperty("idle_in_transaction_session_timeout", "60000");
    PoolOptions pool = new PoolOptions()
        .setMaxSize(config.pgPoolSize())
        .setShared(true)
        // Per database, so two applications in one Vert.x (tests, tools) never share a pool by accident.
        // The name is a label of the pool metrics: host, port and database only, never the credentials.
        .setName(name + "@" + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase())
        .setMaxWaitQueueSize(10_000)
        // Waiting for a connection (a new one connecting, or one given back): a server that does not answer
        // the connection handshake (frozen) fails the wait as a fault instead of queueing work behind it.
        .setConnectionTimeout(config.connectTimeoutMillis())
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setIdleTimeout(IDLE_CONNECTION_SECONDS);
    return PgBuilder.pool().with(pool).with(network(config)).connectingTo(connect).using(vertx).build();
  }

  /**
   * A Redis client of its own; {@code name} names its pool in the metrics, so it must be unique in the
   * JVM (Vert.x registers each pool's gauges once per name). The one place where {@code redisMode} is read:
   * every client of the service reaches the same master (standalone, Sentinel) or the same cluster.
   */
  public static Redis redis(Vertx vertx, AppConfig config, String name) {
    RedisOptions options = new RedisOptions()
        .setPoolName(name)
        .setMaxPoolSize(config.redisPoolSize())
        .setMaxPoolWaiting(100_000)
        .setMaxWaitingHandlers(100_000)
        .setPoolRecycleTimeout(15_000)
        .setNetClientOptions(redisNetwork(config));
    switch (config.redisMode()) {
      case STANDALONE -> options.setConnectionString(config.redisUrl());
      case SENTINEL -> options.setType(RedisClientType.SENTINEL)
          .setEndpoints(config.redisUrls())
          .setMasterName(config.redisMasterName())
          // Writes go to the master only. Auto failover: on the Sentinels' switch-master the client closes its
          // connections to the old master (alive but demoted, it would answer READONLY) and opens new ones.
          .setRole(RedisRole.MASTER)
          .setAutoFailover(true);
      case CLUSTER -> options.setType(RedisClientType.CLUSTER)
          .setEndpoints(config.redisUrls())
          // Reads from replicas could be behind the writes they follow (a job's status right after its 202).
          .setUseReplicas(RedisReplicas.NEVER);
    }
    if (!config.redisPassword().isEmpty()) {
      options.setPassword(config.redisPassword());
    }
    if (!config.redisUser().isEmpty()) {
      options.setUser(config.redisUser());
    }
    Redis client = Redis.createClient(vertx, options);
    return config.redisMode() == AppConfig.RedisMode.CLUSTER ? new NodeSplitBatches(client) : client;
  }

  /** TCP connect timeout, and the silent-server backstop. */
  /**
   * With {@code redisTls}: the server's certificate must chain to {@code redisTlsCaFile} (else the JVM's trust
   * store) and name the host the URL names (HTTPS rules), so a stolen certificate of another host is refused.
   */
  private static NetClientOptions redisNetwork(AppConfig config) {
    NetClientOptions options = network(config).setSsl(config.redisTls());
    if (config.redisTls()) {
      options.setHostnameVerificationAlgorithm("HTTPS");
      if (!config.redisTlsCaFile().isBlank()) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(config.redisTlsCaFile()));
      }
    }
    return options;
  }

  private static NetClientOptions network(AppConfig config) {
    return new NetClientOptions()
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true)
        .setConnectTimeout(config.connectTimeoutMillis())
        .setReadIdleTimeout(SILENT_SERVER_SECONDS)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }
}
