package io.aurora.booking.config;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one configuration object of the service. It is loaded once ({@link ConfigLoader}) and handed to
 * every verticle as its deployment config, so verticles on other cluster nodes read the same values.
 *
 * <p>Every key has a default here; an empty string means "not set" (for the PostgreSQL and Redis URLs
 * that selects the embedded servers).
 */
public final class AppConfig {

  /** Defaults, also the list of known keys. The environment variable of {@code fooBar} is {@code BOOKING_FOO_BAR}. */
  static final JsonObject DEFAULTS = new JsonObject()
      .put("httpHost", "0.0.0.0")
      .put("httpPort", 8080)
      .put("httpInstances", 0)
      .put("httpBodyLimit", 65_536)
      .put("pgUrl", "")
      .put("pgMigrationUrl", "")
      .put("pgReadUrl", "")
      .put("pgReadMaxLagSeconds", 30)
      .put("pgPoolSize", 0)
      .put("redisUrl", "")
      .put("redisPoolSize", 0)
      .put("redisMode", "standalone")
      .put("redisUrls", "")
      .put("redisMasterName", "")
      .put("redisUser", "")
      .put("redisPassword", "")
      .put("redisTls", false)
      .put("redisTlsCaFile", "")
      .put("redisMinReplicas", 0)
      .put("redisReplicaWaitMillis", 1_000)
      .put("dataDir", "data")
      .put("embeddedDurable", true)
      .put("embeddedRestartAttempts", 5)
      .put("requireDurableServers", false)
      .put("connectTimeoutMillis", 2_000)
      .put("requestTimeoutMillis", 3_000)
      .put("httpBodyTimeoutMillis", 10_000)
      .put("jwtSecret", "")
      .put("jwtKeys", "")
      .put("accessTokenTtlSeconds", 900)
      .put("refreshTokenTtlSeconds", 2_592_000)
      .put("tokenCacheSize", 10_000)
      .put("adminEmail", "admin@aurora.local")
      .put("adminPassword", "")
      .put("shards", 8)
      .put("batchSize", 64)
      .put("maxBatchSize", 1_024)
      .put("soldOutAnswersPerTake", 1_000)
      .put("maxSeatsPerOrder", 1)
      .put("maxBookingsPerUserPerEvent", 1)
      .put("leaseMillis", 30_000)
      .put("maxAttempts", 5)
      .put("retryBaseMillis", 50)
      .put("lockTimeoutMillis", 2_000)
      .put("resultTtlSeconds", 86_400)
      .put("idempotencyTtlSeconds", 86_400)
      .put("eventCacheSeconds", 30)
      .put("workerIdleMillis", 200)
      .put("bcryptCost", 10)
      .put("localWorkers", true)
      .put("benchMode", false)
      .put("shutdownGraceMillis", 10_000)
      .put("nodeName", "")
      .put("metricsEnabled", true)
      .put("metricsPath", "/metrics")
      .put("metricsToken", "")
      .put("metricsSampleMillis", 5_000)
      .put("clusterEnabled", false)
      .put("clusterName", "aurora-booking")
      .put("clusterMembers", "")
      .put("clusterHost", "")
      .put("clusterPort", 5701)
      .put("clusterBusPort", 0)
      .put("clusterFailureSeconds", 5)
      .put("rateLimitsEnabled", true)
      .put("bookingRatePerUser", 30)
      .put("bookingBurstPerUser", 10)
      .put("bookingRatePerIp", 6_000)
      .put("bookingBurstPerIp", 1_000)
      .put("maxOpenJobsPerUser", 10)
      .put("loginRatePerIp", 120)
      .put("loginBurstPerIp", 30)
      .put("loginRatePerAccount", 30)
      .put("loginBurstPerAccount", 10)
      .put("loginFailuresBeforeLockout", 5)
      .put("loginLockoutSeconds", 30)
      .put("loginLockoutMaxSeconds", 900)
      .put("trustedProxies", "")
      .put("notificationMaxAttempts", 10)
      .put("notificationRetryBaseMillis", 5_000)
      .put("notificationRetryMaxMillis", 3_600_000)
      .put("notificationConcurrency", 16)
      .put("notificationPollMillis", 250)
      .put("webhookTimeoutMillis", 10_000)
      .put("webhookAllowPrivateNetworks", false)
      .put("smtpUrl", "")
      .put("mailFrom", "bookings@aurora.local")
      .put("notificationsEnabled", true)
      .put("auditEnabled", true)
      .put("auditRetentionMonths", 24)
      .put("sseHeartbeatMillis", 15_000)
      .put("sseMaxStreams", 50_000)
      .put("tracingEnabled", false)
      .put("otlpEndpoint", "http://127.0.0.1:4318/v1/traces")
      .put("tracingSamplePercent", 100);

  /** Every configuration key. */
  public static Set<String> keys() {
    return Collections.unmodifiableSet(DEFAULTS.fieldNames());
  }

  private final JsonObject json;

  public AppConfig(JsonObject json) {
    this.json = DEFAULTS.copy().mergeIn(json == null ? new JsonObject() : json);
  }

  public JsonObject toJson() {
    return json.copy();
  }

  /** A copy with some keys replaced; used to hand the resolved service URLs and secret down. */
  public AppConfig with(Map<String, Object> overrides) {
    JsonObject copy = json.copy();
    overrides.forEach(copy::put);
    return new AppConfig(copy);
  }

  private static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  public String httpHost() { return json.getString("httpHost"); }
  public int httpPort() { return json.getInteger("httpPort"); }
  /** HTTP verticle instances; 0 means one per core. */
  public int httpInstances() { int n = json.getInteger("httpInstances"); return n > 0 ? n : cores(); }
  public int httpBodyLimit() { return json.getInteger("httpBodyLimit"); }
  public String pgUrl() { return json.getString("pgUrl"); }
  /**
   * The owner role's URL, for migrations and audit partition upkeep (DDL); empty means {@link #pgUrl()}, with
   * a warning when PostgreSQL is external (the service then holds DDL rights it does not need).
   */
  public String pgMigrationUrl() { String url = json.getString("pgMigrationUrl"); return url.isBlank() ? pgUrl() : url; }
  /**
   * A streaming replica of {@link #pgUrl()}'s database, as the app role (the replica is a physical copy: same
   * roles, same grants); empty: every read goes to the primary. Only reads that may lag go there (docs/operations.md).
   */
  public String pgReadUrl() { return json.getString("pgReadUrl"); }
  /** A replica further behind than this (as last sampled) is not read from: its reads go to the primary. */
  public int pgReadMaxLagSeconds() { return json.getInteger("pgReadMaxLagSeconds"); }
  /** Whether a read replica is configured ({@link #pgReadUrl()} set). */
  public boolean readReplica() { return !pgReadUrl().isBlank(); }
  /** Whether changes and booking decisions write audit rows (off only to measure what the audit log costs). */
  public boolean auditEnabled() { return json.getBoolean("auditEnabled"); }

  /** Off only to measure what notifications cost: no outbox rows, so no webhook or e-mail. */
  public boolean notificationsEnabled() { return json.getBoolean("notificationsEnabled"); }
  /** Whether spans are made and exported over OTLP/HTTP ({@code infra.Tracing}); off, tracing costs nothing. */
  public boolean tracingEnabled() { return json.getBoolean("tracingEnabled"); }
  /** Where spans go: an OTLP/HTTP traces endpoint (an OpenTelemetry collector, Jaeger). */
  public String otlpEndpoint() { return json.getString("otlpEndpoint"); }
  /** Of the traces started here (a request without a sampled parent), the percentage kept. */
  public int tracingSamplePercent() { return json.getInteger("tracingSamplePercent"); }
  /** Whole months of audit rows kept before the current one; older monthly partitions are dropped. */
  public int auditRetentionMonths() { return json.getInteger("auditRetentionMonths"); }
  /** PostgreSQL connections per pool; 0 means sized from the core count. */
  public int pgPoolSize() { int n = json.getInteger("pgPoolSize"); return n > 0 ? n : Math.max(4, 2 * cores()); }
  public String redisUrl() { return json.getString("redisUrl"); }
  /**
   * Redis connections per client; 0 means 32. The pooled client holds a connection per command in flight,
   * so the front door needs many more than cores (measured: 4 gave half the enqueue rate of 32).
   */
  public int redisPoolSize() { int n = json.getInteger("redisPoolSize"); return n > 0 ? n : 32; }
  /** How the service reaches Redis: one server, a master found through Sentinels, or a Redis Cluster. */
  public enum RedisMode { STANDALONE, SENTINEL, CLUSTER }

  /** {@code redisMode}: {@code standalone} (the default), {@code sentinel} or {@code cluster}; validated by {@link ConfigLoader}. */
  public RedisMode redisMode() { return RedisMode.valueOf(json.getString("redisMode").trim().toUpperCase(java.util.Locale.ROOT)); }
  /**
   * The servers the client starts from, {@code redis://host:port} each: the Sentinels (sentinel mode) or some
   * of the cluster's nodes (cluster mode). In standalone mode the one server is {@link #redisUrl()}.
   */
  public List<String> redisUrls() {
    return Arrays.stream(json.getString("redisUrls").split(",")).map(String::strip).filter(u -> !u.isEmpty()).toList();
  }
  /** The name the Sentinels monitor the master under ({@code sentinel monitor NAME ...}). */
  public String redisMasterName() { return json.getString("redisMasterName"); }
  /** ACL user of the data nodes (empty: the default user); with {@link #redisPassword()}. */
  public String redisUser() { return json.getString("redisUser"); }
  /** Password of the data nodes (empty: none, or the one in the URL). Never logged. */
  public String redisPassword() { return json.getString("redisPassword"); }
  /** TLS to every Redis node (and Sentinel), checked against the JVM's trust store. */
  public boolean redisTls() { return json.getBoolean("redisTls"); }
  /** PEM file of the certificates that sign the Redis servers' (a private CA); empty: the JVM's trust store. */
  public String redisTlsCaFile() { return json.getString("redisTlsCaFile"); }
  /**
   * Replicas that must confirm an accepted job ({@code WAIT}) before the door answers 202; 0 answers once the
   * master has it. With 1 or more, a failover cannot lose an accepted job (replication is asynchronous).
   */
  public int redisMinReplicas() { return json.getInteger("redisMinReplicas"); }
  /** How long the door waits for {@link #redisMinReplicas()} confirmations before it answers 503. */
  public int redisReplicaWaitMillis() { return json.getInteger("redisReplicaWaitMillis"); }
  public String dataDir() { return json.getString("dataDir"); }
  /**
   * Whether the embedded servers flush every commit (PostgreSQL fsync, synchronous_commit) and every accepted
   * job (Redis appendfsync always) to disk before answering. Off only for tests and benchmarks.
   */
  public boolean embeddedDurable() { return json.getBoolean("embeddedDurable"); }
  /** Restarts of a dead embedded server in a row before it is given up (and {@code /health} fails). */
  public int embeddedRestartAttempts() { return json.getInteger("embeddedRestartAttempts"); }
  /** Refuse to start unless every durability setting of PostgreSQL and Redis is verified safe. */
  public boolean requireDurableServers() { return json.getBoolean("requireDurableServers"); }
  /** TCP connect to PostgreSQL or Redis, and the wait for a pooled PostgreSQL connection. */
  public int connectTimeoutMillis() { return json.getInteger("connectTimeoutMillis"); }
  /** A request not answered this long after its body arrived is answered 503 (a dependency is stuck). */
  public int requestTimeoutMillis() { return json.getInteger("requestTimeoutMillis"); }
  /** A request body not received this long after its headers is answered 408 and its connection closed. */
  public int httpBodyTimeoutMillis() { return json.getInteger("httpBodyTimeoutMillis"); }
  public String jwtSecret() { return json.getString("jwtSecret"); }
  /**
   * The keys tokens are signed and checked with: {@code jwtKeys} when set (the first signs, every one is
   * accepted), else {@code jwtSecret} alone, under the key id {@link JwtKey#DEFAULT_ID}.
   */
  public List<JwtKey> jwtKeys() {
    String list = json.getString("jwtKeys");
    return list.isBlank() ? List.of(new JwtKey(JwtKey.DEFAULT_ID, jwtSecret())) : JwtKey.parseList(list);
  }
  /** Lifetime of an access token (the JWT sent on every request); short, as a refresh token renews it. */
  public int accessTokenTtlSeconds() { return json.getInteger("accessTokenTtlSeconds"); }
  /** Lifetime of a refresh token, renewed by each use (a session unused this long ends). */
  public int refreshTokenTtlSeconds() { return json.getInteger("refreshTokenTtlSeconds"); }
  /** Verified tokens kept per HTTP verticle (each is re-sent by every status poll); 0 turns the cache off. */
  public int tokenCacheSize() { return json.getInteger("tokenCacheSize"); }
  public String adminEmail() { return json.getString("adminEmail"); }
  public String adminPassword() { return json.getString("adminPassword"); }
  public int shards() { return json.getInteger("shards"); }
  public int batchSize() { return json.getInteger("batchSize"); }
  /**
   * The most jobs one take may grow to while a shard's queue stays deeper than the take (doubling from
   * {@link #batchSize}); 0 keeps every take at {@code batchSize}, and so does a {@code batchSize} of 1 (one by one).
   */
  public int maxBatchSize() {
    int max = json.getInteger("maxBatchSize");
    return max == 0 || batchSize() == 1 ? batchSize() : Math.max(batchSize(), max);
  }
  /** Jobs of sold-out events one take may answer SOLD_OUT in Redis (the fast path); 0 turns the fast path off. */
  public int soldOutAnswersPerTake() { return json.getInteger("soldOutAnswersPerTake"); }
  public int maxSeatsPerOrder() { return json.getInteger("maxSeatsPerOrder"); }
  public int maxBookingsPerUserPerEvent() { return json.getInteger("maxBookingsPerUserPerEvent"); }
  public int leaseMillis() { return json.getInteger("leaseMillis"); }
  public int maxAttempts() { return json.getInteger("maxAttempts"); }
  public int retryBaseMillis() { return json.getInteger("retryBaseMillis"); }
  public int lockTimeoutMillis() { return json.getInteger("lockTimeoutMillis"); }
  public int resultTtlSeconds() { return json.getInteger("resultTtlSeconds"); }
  public int idempotencyTtlSeconds() { return json.getInteger("idempotencyTtlSeconds"); }
  public int eventCacheSeconds() { return json.getInteger("eventCacheSeconds"); }
  public int workerIdleMillis() { return json.getInteger("workerIdleMillis"); }
  public int bcryptCost() { return json.getInteger("bcryptCost"); }

  /** Whether this JVM runs the shard workers; off for an HTTP-only node (and for crash tests). */
  public boolean localWorkers() { return json.getBoolean("localWorkers"); }

  /** Mounts the bench-only user factory; never on in production. */
  public boolean benchMode() { return json.getBoolean("benchMode"); }

  /** How long shutdown waits for running batches and in-flight requests. */
  public int shutdownGraceMillis() { return json.getInteger("shutdownGraceMillis"); }

  /**
   * This node's name for operators: the {@code node} field of every log line, and how the node shows in
   * {@code GET /api/admin/cluster}. Empty in the config means {@code pid@hostname}. (The cluster manager
   * knows the node by a member id of its own.)
   */
  public String nodeName() {
    String configured = json.getString("nodeName");
    return configured.isBlank() ? NodeName.DEFAULT : configured;
  }

  /** Whether Vert.x and domain metrics are collected and served on {@link #metricsPath()}. */
  public boolean metricsEnabled() { return json.getBoolean("metricsEnabled"); }
  public String metricsPath() { return json.getString("metricsPath"); }
  /** Bearer token a scraper must send for the metrics; empty means the endpoint is open. */
  public String metricsToken() { return json.getString("metricsToken"); }
  /** How often the dependency probe and the seats-left gauges are refreshed from PostgreSQL and Redis. */
  public int metricsSampleMillis() { return json.getInteger("metricsSampleMillis"); }

  /** Whether this JVM joins a Vert.x cluster (Hazelcast) with the other nodes of the deployment. */
  public boolean clusterEnabled() { return json.getBoolean("clusterEnabled"); }
  /** Nodes only join a cluster of the same name; keeps staging and production apart on one network. */
  public String clusterName() { return json.getString("clusterName"); }
  /** Well-known members ({@code host[:port]}) a node contacts to join; TCP/IP discovery, no multicast. */
  public List<String> clusterMembers() {
    return Arrays.stream(json.getString("clusterMembers").split(",")).map(String::strip).filter(m -> !m.isEmpty()).toList();
  }
  /** Address the cluster member and the event bus bind and advertise; empty lets Hazelcast pick an interface. */
  public String clusterHost() { return json.getString("clusterHost"); }
  /** Hazelcast member port (membership, locks, the event bus's subscription map). */
  public int clusterPort() { return json.getInteger("clusterPort"); }
  /** Event-bus port for messages between nodes; 0 picks a free one. */
  public int clusterBusPort() { return json.getInteger("clusterBusPort"); }
  /** Seconds without a heartbeat before a member is declared dead and its shards are taken over. */
  public int clusterFailureSeconds() { return json.getInteger("clusterFailureSeconds"); }

  /** Whether the rate limits and the open-job quota below are applied; off only to measure what they cost. */
  public boolean rateLimitsEnabled() { return json.getBoolean("rateLimitsEnabled"); }
  /** Booking requests per minute one user may send, sustained; {@link #bookingBurstPerUser()} at once. */
  public int bookingRatePerUser() { return json.getInteger("bookingRatePerUser"); }
  public int bookingBurstPerUser() { return json.getInteger("bookingBurstPerUser"); }
  /** Booking requests per minute from one client address (many honest users may share one behind NAT). */
  public int bookingRatePerIp() { return json.getInteger("bookingRatePerIp"); }
  public int bookingBurstPerIp() { return json.getInteger("bookingBurstPerIp"); }
  /** Jobs one user may have waiting or in process at once, across all events. */
  public int maxOpenJobsPerUser() { return json.getInteger("maxOpenJobsPerUser"); }
  /** Login and register requests per minute from one client address. */
  public int loginRatePerIp() { return json.getInteger("loginRatePerIp"); }
  public int loginBurstPerIp() { return json.getInteger("loginBurstPerIp"); }
  /** Login and register requests per minute for one account (email), from anywhere. */
  public int loginRatePerAccount() { return json.getInteger("loginRatePerAccount"); }
  public int loginBurstPerAccount() { return json.getInteger("loginBurstPerAccount"); }
  /** Wrong passwords in a row before an account is locked; each further one doubles the lock. */
  public int loginFailuresBeforeLockout() { return json.getInteger("loginFailuresBeforeLockout"); }
  public int loginLockoutSeconds() { return json.getInteger("loginLockoutSeconds"); }
  public int loginLockoutMaxSeconds() { return json.getInteger("loginLockoutMaxSeconds"); }
  /**
   * Peers (exact IP addresses, comma-separated) whose {@code X-Forwarded-For} is believed; from any other
   * peer the header is ignored and the client is the socket's address.
   */
  public Set<String> trustedProxies() {
    return Arrays.stream(json.getString("trustedProxies").split(",")).map(String::strip).filter(p -> !p.isEmpty())
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  public boolean embeddedPostgres() { return pgUrl().isBlank(); }
  /** No Redis configured: standalone mode without a URL (sentinel and cluster modes name their servers). */
  public boolean embeddedRedis() { return redisMode() == RedisMode.STANDALONE && redisUrl().isBlank(); }

  /** Resolved once: looking up the host name may wait on DNS, so it is not done per call. */
  private static final class NodeName {
    static final String DEFAULT = ProcessHandle.current().pid() + "@" + hostName();

    private static String hostName() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        return "localhost";
      }
    }
  }

  /** Attempts of one notification delivery (webhook or email) before it is dead-lettered ({@code DEAD}). */
  public int notificationMaxAttempts() { return json.getInteger("notificationMaxAttempts"); }
  /** Base of the delivery retries' exponential backoff (with jitter): about base, 2 base, 4 base, ... */
  public long notificationRetryBaseMillis() { return json.getLong("notificationRetryBaseMillis"); }
  /** Longest wait between two delivery attempts. */
  public long notificationRetryMaxMillis() { return json.getLong("notificationRetryMaxMillis"); }
  /** Deliveries one partition's dispatcher has under way at once. */
  public int notificationConcurrency() { return json.getInteger("notificationConcurrency"); }
  /** How often an idle dispatcher looks for due notifications. */
  public long notificationPollMillis() { return json.getLong("notificationPollMillis"); }
  /** A webhook call not answered within this is a failed attempt. */
  public long webhookTimeoutMillis() { return json.getLong("webhookTimeoutMillis"); }
  /** Whether webhooks may target loopback, link-local and private addresses (SSRF guard off; tests only). */
  public boolean webhookAllowPrivateNetworks() { return json.getBoolean("webhookAllowPrivateNetworks"); }
  /** SMTP server for the users' emails ({@code smtp://[user:password@]host:port}, {@code smtps://} for TLS); empty: no email. */
  public String smtpUrl() { return json.getString("smtpUrl"); }
  /** The From address of the users' emails. */
  public String mailFrom() { return json.getString("mailFrom"); }
  /** How often an open status stream (SSE) gets a comment line, so proxies do not take it for idle. */
  public long sseHeartbeatMillis() { return json.getLong("sseHeartbeatMillis"); }
  /** Status streams (SSE) one node holds open at most; one more is refused 503 with Retry-After. */
  public int sseMaxStreams() { return json.getInteger("sseMaxStreams"); }
}
