package io.aurora.booking.testing;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.infra.DatabaseRoles;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The real PostgreSQL and Redis the tests talk to, started once per test run, chosen by {@link #choose}:
 * embedded servers (the default), servers of your own ({@code BOOKING_TEST_PG_URL} /
 * {@code BOOKING_TEST_REDIS_URL}), or Docker containers (Testcontainers, {@code BOOKING_TEST_SERVICES=testcontainers}).
 * Each test class gets a database of its own and a Redis database index of its own.
 *
 * <p>The embedded ones are as durable as the service's (PostgreSQL fsync and synchronous_commit on, Redis
 * AOF with {@code appendfsync always}) unless the system property {@value #FAST_SERVERS} is {@code true}:
 * then nothing is flushed to disk, which is what the default test run wants (the pom sets it for surefire)
 * and what no test of durability may use. Tests that prove durability start servers of their own.
 *
 * <p>With the system property {@value #REDIS_MODE} {@code =cluster} (the {@code redis-cluster} Maven profile sets
 * it) the shared Redis is a Redis Cluster of three masters on loopback ({@link RedisClusterNodes}, Debian's
 * {@code redis-server}), started once per test run, and {@link TestApp#baseConfig} gives the application
 * {@code redisMode=cluster} with the masters in {@code redisUrls}. A cluster has database 0 only, so a test
 * class's "own Redis" is the whole cluster, every master flushed when the class asks for it
 * ({@link #newRedisDb()}): surefire runs the test classes one after the other in one JVM.
 */
public final class TestServices {

  /** System property that lets the shared test servers skip every fsync (set by the pom for the test run). */
  public static final String FAST_SERVERS = "booking.test.fastServers";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final AtomicInteger REDIS_DBS = new AtomicInteger();
  /** Applications running on the shared Redis Cluster ({@link TestApp}): at most one at a time. */
  private static final AtomicInteger APPS_ON_CLUSTER = new AtomicInteger();
  /** The test roles' passwords (the embedded test server trusts local connections; an external one may not). */
  public static final String OWNER_PASSWORD = "aurora_test_owner_password";
  public static final String APP_PASSWORD = "aurora_test_app_password";
  private static final Set<String> ROLE_DATABASES = ConcurrentHashMap.newKeySet();
  private static TestServices instance;

  /** System property: {@code cluster} makes the shared test Redis a three-master Redis Cluster. */
  public static final String REDIS_MODE = "booking.test.redisMode";
  private static final int CLUSTER_MASTERS = 3;
  /** The shards of an application on the shared cluster. */
  public static final int CLUSTER_SHARDS = 8;

  private final String pgBaseUrl;
  private final String redisBaseUrl;
  /** The masters of the shared Redis Cluster ({@value #REDIS_MODE}=cluster), else empty. */
  private final List<String> clusterUrls;
  /** Where the test servers' own clients run (cluster start-up and flushes); null without a cluster. */
  private final Vertx clusterVertx;

  /** The shared Redis Cluster, or null. */
  private final RedisClusterNodes cluster;

  private TestServices(String pgBaseUrl, String redisBaseUrl) {
    this(pgBaseUrl, redisBaseUrl, null, null);
  }

  private TestServices(String pgBaseUrl, String redisBaseUrl, RedisClusterNodes cluster, Vertx clusterVertx) {
    this.pgBaseUrl = pgBaseUrl;
    this.redisBaseUrl = redisBaseUrl;
    this.cluster = cluster;
    this.clusterUrls = cluster == null ? List.of() : cluster.urls();
    this.clusterVertx = clusterVertx;
  }

  /** Whether this run asks for the shared Redis as a Redis Cluster ({@value #REDIS_MODE}=cluster). */
  public static boolean redisClusterAsked() {
    String mode = System.getProperty(REDIS_MODE, "standalone").strip().toLowerCase(Locale.ROOT);
    if (!mode.equals("standalone") && !mode.equals("cluster")) {
      throw new IllegalArgumentException(REDIS_MODE + "=" + mode + " is not one of standalone, cluster");
    }
    return mode.equals("cluster");
  }

  /** Environment variable that names where the test servers come from: embedded, external or testcontainers. */
  public static final String SERVICES_ENV = "BOOKING_TEST_SERVICES";
  public static final String PG_URL_ENV = "BOOKING_TEST_PG_URL";
  public static final String REDIS_URL_ENV = "BOOKING_TEST_REDIS_URL";

  /** Where the test servers come from. */
  public enum Mode {
    /** Embedded PostgreSQL and Redis, started by the test JVM: no set-up at all. */
    EMBEDDED,
    /** The servers named by {@value #PG_URL_ENV} and {@value #REDIS_URL_ENV}; a missing one is embedded. */
    EXTERNAL,
    /** PostgreSQL and Redis containers in a local Docker engine (Testcontainers). */
    TESTCONTAINERS
  }

  /**
   * The mode for {@code env}. {@value #SERVICES_ENV} decides when set ({@code embedded}, {@code external} or
   * {@code testcontainers}, any case; {@code external} needs both URLs). Unset: either URL set means external;
   * else containers when {@code dockerAnswers} says a Docker engine answers; else embedded.
   *
   * @throws IllegalArgumentException for an unknown mode, or external without both URLs
   */
  public static Mode choose(Map<String, String> env, BooleanSupplier dockerAnswers) {
    String asked = env.getOrDefault(SERVICES_ENV, "").strip();
    boolean pg = !env.getOrDefault(PG_URL_ENV, "").isBlank();
    boolean redis = !env.getOrDefault(REDIS_URL_ENV, "").isBlank();
    if (!asked.isEmpty()) {
      Mode mode;
      try {
        mode = Mode.valueOf(asked.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(SERVICES_ENV + "=" + asked + " is not one of embedded, external, testcontainers");
      }
      if (mode == Mode.EXTERNAL && !(pg && redis)) {
        throw new IllegalArgumentException(SERVICES_ENV + "=external needs both " + PG_URL_ENV + " and " + REDIS_URL_ENV);
      }
      return mode;
    }
    if (pg || redis) {
      return Mode.EXTERNAL;
    }
    return dockerAnswers.getAsBoolean() ? Mode.TESTCONTAINERS : Mode.EMBEDDED;
  }

  /**
   * A cheap first look for a Docker engine, so that machines without one (this project's CI) do not pay for
   * Testcontainers' full search at every test run: only when DOCKER_HOST is set or a Docker socket exists
   * is Testcontainers asked.
   */
  static boolean dockerAnswers(Map<String, String> env) {
    boolean hint = !env.getOrDefault("DOCKER_HOST", "").isBlank()
        || Files.exists(Path.of("/var/run/docker.sock"))
        || (env.get("XDG_RUNTIME_DIR") != null && Files.exists(Path.of(env.get("XDG_RUNTIME_DIR"), "docker.sock")));
    return hint && ContainerServices.dockerAnswers();
  }

  public static synchronized TestServices get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  private static TestServices start() {
    Map<String, String> env = System.getenv();
    Mode mode = choose(env, () -> dockerAnswers(env));
    boolean fast = Boolean.getBoolean(FAST_SERVERS);
    LoggerFactory.getLogger(TestServices.class).info("Test servers: {} ({}={})", mode, SERVICES_ENV,
        env.getOrDefault(SERVICES_ENV, "unset"));
    if (mode == Mode.TESTCONTAINERS) {
      if (redisClusterAsked()) {
        throw new IllegalArgumentException(REDIS_MODE + "=cluster runs on embedded or external PostgreSQL only");
      }
      String[] urls = ContainerServices.start(fast);
      return new TestServices(urls[0], stripDb(urls[1]));
    }
    String pg = env.get(PG_URL_ENV);
    String redis = env.get(REDIS_URL_ENV);
    if (redisClusterAsked() && redis != null && !redis.isBlank()) {
      throw new IllegalArgumentException(REDIS_MODE + "=cluster starts a cluster of its own: unset " + REDIS_URL_ENV);
    }
    try {
      String flush = fast ? "off" : "on";
      if (pg == null || pg.isBlank()) {
        Path dir = Files.createTempDirectory("aurora-test-pg");
        EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
            .setServerConfig("max_connections", "500").setServerConfig("fsync", flush)
            .setServerConfig("synchronous_commit", flush).start();
        pg = "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres)));
      }
      if (redisClusterAsked()) {
        return withRedisCluster(pg);
      }
      if (redis == null || redis.isBlank()) {
        int port = freePort();
        Path dir = Files.createTempDirectory("aurora-test-redis");
        RedisServer server = RedisServer.newRedisServer().port(port).setting("bind 127.0.0.1")
            .setting("save \"\"").setting("dir " + dir)
            .setting(fast ? "appendonly no" : "appendonly yes").setting("appendfsync always").build();
        server.start();
        redis = "redis://127.0.0.1:" + port;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            server.stop();
          } catch (IOException ignored) {
            // the JVM is going away
          }
        }));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TestServices(pg, stripDb(redis));
  }

  /** {@code pg} and a Redis Cluster of {@value #CLUSTER_MASTERS} masters on loopback, for the whole run. */
  private static TestServices withRedisCluster(String pg) throws IOException {
    if (!RedisClusterNodes.available()) {
      throw new IllegalStateException(REDIS_MODE + "=cluster needs Debian's redis-server and redis-cli in /usr/bin");
    }
    Vertx vertx = Vertx.vertx();
    RedisClusterNodes cluster = RedisClusterNodes.start(vertx, Files.createTempDirectory("aurora-test-redis-cluster"),
        CLUSTER_MASTERS);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cluster.close();
      vertx.close();
    }));
    LoggerFactory.getLogger(TestServices.class).info("Test Redis: a Redis Cluster of {} masters at {}",
        CLUSTER_MASTERS, cluster.urls());
    return new TestServices(pg, cluster.urls().get(0), cluster, vertx);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // the JVM is going away
    }
  }

  private static String stripDb(String redisUrl) {
    URI uri = URI.create(redisUrl);
    return uri.getScheme() + "://" + (uri.getUserInfo() == null ? "" : uri.getUserInfo() + "@") + uri.getHost() + ":" + uri.getPort();
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A new, empty database; returns its URL, as the superuser (for the tests' own set-up and assertions). The
   * database belongs to the owner role, as in production: the application gets the owner's and the app role's
   * URLs from {@link #roleUrls} (TestApp's base config does it), so the whole suite runs with least privilege.
   */
  public String newDatabase() {
    String name = "aurora_t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = jdbc(pgBaseUrl); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name);
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create test database on " + pgBaseUrl, e);
    }
    String url = pgBaseUrl.substring(0, pgBaseUrl.lastIndexOf('/') + 1) + name;
    try (Connection c = jdbc(url)) {
      DatabaseRoles.prepare(c, DatabaseRoles.OWNER, OWNER_PASSWORD, DatabaseRoles.APP, APP_PASSWORD);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot prepare the owner and app roles on " + name, e);
    }
    ROLE_DATABASES.add(name);
    return url;
  }

  /**
   * For a URL of a database of {@link #newDatabase} (directly or through a proxy): {@code pgUrl} as the app role
   * and {@code pgMigrationUrl} as the owner; for any other database, nothing (it runs as the URL's user).
   */
  public static Map<String, String> roleUrls(String pgUrl) {
    if (pgUrl == null || pgUrl.isBlank() || !ROLE_DATABASES.contains(pgUrl.substring(pgUrl.lastIndexOf('/') + 1))) {
      return Map.of();
    }
    return Map.of("pgUrl", asRole(pgUrl, DatabaseRoles.APP, APP_PASSWORD),
        "pgMigrationUrl", asRole(pgUrl, DatabaseRoles.OWNER, OWNER_PASSWORD));
  }

  /** {@code url} with another user and password. */
  public static String asRole(String url, String role, String password) {
    URI uri = URI.create(url);
    return uri.getScheme() + "://" + role + ":" + password + "@" + uri.getHost() + ":" + uri.getPort() + uri.getPath();
  }

  public void dropDatabase(String url) {
    String name = url.substring(url.lastIndexOf('/') + 1);
    try (Connection c = jdbc(pgBaseUrl); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      // Best effort: a leftover database does not affect other tests.
    }
  }

  /**
   * A Redis database index of its own (1..15, emptied first by whoever starts the application on it). With the
   * shared Redis Cluster: the cluster (its first master's URL stands for it), every master flushed now.
   */
  public String newRedisDb() {
    if (redisCluster()) {
      if (APPS_ON_CLUSTER.get() > 0) {
        throw new IllegalStateException("An application still runs on the shared Redis Cluster, which has one database"
            + " only: a test class running two at once cannot run with " + REDIS_MODE + "=cluster (leave it out in"
            + " the pom's redis-cluster profile)");
      }
      flushCluster();
      return redisBaseUrl;
    }
    int db = 1 + REDIS_DBS.getAndIncrement() % 15;
    return redisBaseUrl + "/" + db;
  }

  /** Whether the shared Redis is a Redis Cluster ({@value #REDIS_MODE}=cluster). */
  public boolean redisCluster() {
    return !clusterUrls.isEmpty();
  }

  /** The shared Redis Cluster's nodes; fails when the shared Redis is one server. */
  public RedisClusterNodes redisClusterNodes() {
    if (cluster == null) {
      throw new IllegalStateException("The shared test Redis is no cluster (" + REDIS_MODE + " is not cluster)");
    }
    return cluster;
  }

  /** The masters of the shared Redis Cluster (empty when the shared Redis is one server). */
  public List<String> redisClusterUrls() {
    return clusterUrls;
  }

  /** {@link TestApp} tells when an application starts on ({@code +1}) or leaves ({@code -1}) {@code redisUrl}. */
  void appOn(String redisUrl, int delta) {
    if (isSharedCluster(redisUrl)) {
      APPS_ON_CLUSTER.addAndGet(delta);
    }
  }

  /** Whether {@code redisUrl} is the shared Redis Cluster, as {@link #newRedisDb()} names it. */
  public boolean isSharedCluster(String redisUrl) {
    return redisCluster() && redisBaseUrl.equals(redisUrl);
  }

  /**
   * The application's Redis settings for {@code redisUrl}: {@code redisMode=cluster}, the masters, and the 8 shards
   * of a deployment (whose hash tags {@code {s0}}..{@code {s7}} fall on all three masters) for the shared cluster;
   * else {@code redisUrl} as the one server.
   */
  public JsonObject redisConfig(String redisUrl) {
    if (isSharedCluster(redisUrl)) {
      return new JsonObject().put("redisUrl", "").put("redisMode", "cluster").put("redisUrls", String.join(",", clusterUrls))
          .put("shards", CLUSTER_SHARDS);
    }
    return new JsonObject().put("redisUrl", redisUrl);
  }

  /**
   * A client of the test's own for {@code redisUrl}. On the shared cluster it is the application's own kind of
   * client ({@link Clients#redis}): keys routed by slot, batches split by node as the service's are.
   */
  public Redis redisClient(Vertx vertx, String redisUrl) {
    if (!isSharedCluster(redisUrl)) {
      return Redis.createClient(vertx, redisUrl);
    }
    return Clients.redis(vertx, new AppConfig(redisConfig(redisUrl)), Clients.instanceName("test-redis"));
  }

  /**
   * {@code command} (one without keys: FLUSHDB, KEYS, SCRIPT FLUSH...) on the server of {@code redisUrl}, or on
   * every master of the shared cluster (a cluster client would send it to one of them only); the answers, one
   * per server.
   */
  public List<Response> onEveryServer(Vertx vertx, String redisUrl, Request command) {
    List<Response> answers = new ArrayList<>();
    for (String url : isSharedCluster(redisUrl) ? clusterUrls : List.of(redisUrl)) {
      Redis server = Redis.createClient(vertx, url);
      answers.add(TestApp.await(server.send(command).eventually(server::close)));
    }
    return answers;
  }

  /** Empties {@code redisUrl}: its database, or every master of the shared cluster. */
  public void flushRedis(Vertx vertx, String redisUrl) {
    onEveryServer(vertx, redisUrl, Request.cmd(Command.FLUSHDB));
  }

  private void flushCluster() {
    onEveryServer(clusterVertx, redisBaseUrl, Request.cmd(Command.FLUSHALL));
  }

  public String redisBaseUrl() {
    return redisBaseUrl;
  }

  private static Connection jdbc(String url) throws SQLException {
    URI uri = URI.create(url);
    String user = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo().split(":")[0];
    String password = uri.getUserInfo() != null && uri.getUserInfo().contains(":") ? uri.getUserInfo().split(":", 2)[1] : null;
    return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), user, password);
  }
}
