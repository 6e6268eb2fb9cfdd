package io.aurora.booking.testing;

import io.aurora.booking.BookingApp;
import io.aurora.booking.auth.Tokens;
import io.aurora.booking.config.AppConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real application deployed for one test class, on a database and Redis index of its own, with a
 * real HTTP client, a PostgreSQL pool for asserting on state, and a Redis client for inspecting the queue.
 */
public final class TestApp implements AutoCloseable {

  public static final String ADMIN_EMAIL = "admin@test.local";
  public static final String ADMIN_PASSWORD = "admin-password-123";
  public static final String USER_PASSWORD = TestDb.USER_PASSWORD;
  /** The JWT secret the test servers run with, so tests can make tokens an attacker could not. */
  public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

  public final Vertx vertx;
  public final AppConfig config;
  public final WebClient http;
  public final Pool db;
  public final Redis redis;
  public final Tokens tokens;
  private String deploymentId;
  /** The test's own database URL: the application's may lead through a proxy. */
  private final String pgUrl;
  private final String redisUrl;
  /** Whether the database is one of {@link TestServices#newDatabase()} (dropped at close). */
  private final boolean sharedServer;
  private String adminToken;
  private int users;

  public record TestUser(long id, String email, String token) {
  }

  private TestApp(Vertx vertx, AppConfig config, String deploymentId, String pgUrl, String redisUrl, boolean sharedServer) {
    this.vertx = vertx;
    this.config = config;
    this.deploymentId = deploymentId;
    this.pgUrl = pgUrl;
    this.redisUrl = redisUrl;
    this.sharedServer = sharedServer;
    // Every response the tests see is checked against the OpenAPI document (ContractCheck).
    this.http = ContractCheck.attach(vertx, WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(config.httpPort()).setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(128)),
        config.metricsPath());
    this.db = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(PgConnectOptions.fromUri(pgUrl)).using(vertx).build();
    this.redis = sharedServer ? TestServices.get().redisClient(vertx, redisUrl) : Redis.createClient(vertx, redisUrl);
    this.tokens = new Tokens(vertx, SECRET, 3600);
  }

  public static TestApp start(Vertx vertx) {
    return start(vertx, Map.of());
  }

  /** Deploys the whole application; {@code overrides} are config keys (as in conf/booking.json). */
  public static TestApp start(Vertx vertx, Map<String, Object> overrides) {
    TestServices services = TestServices.get();
    String pgUrl = services.newDatabase();
    String redisUrl = services.newRedisDb();
    JsonObject json = baseConfig(pgUrl, redisUrl);
    overrides.forEach(json::put);
    return start(vertx, json, pgUrl, redisUrl);
  }

  /**
   * Deploys the whole application with exactly {@code appConfig}, whose server URLs may differ from the
   * servers' own (e.g. lead through a {@link TcpProxy}); the test's own clients (database assertions,
   * Redis inspection) use {@code pgUrl} and {@code redisUrl} directly, so they keep working while the
   * application's connections are being cut. {@code pgUrl} is a database of {@link TestServices#newDatabase()}.
   */
  public static TestApp start(Vertx vertx, JsonObject appConfig, String pgUrl, String redisUrl) {
    AppConfig config = new AppConfig(appConfig);
    TestServices.get().flushRedis(vertx, redisUrl);
    String id = await(vertx.deployVerticle(new BookingApp(), new DeploymentOptions().setConfig(config.toJson())));
    TestServices.get().appOn(redisUrl, 1);
    return new TestApp(vertx, config, id, pgUrl, redisUrl, true);
  }

  /**
   * The whole application as {@code java -jar} runs it: on embedded PostgreSQL and Redis of its own, with
   * their data in {@code dataDir} (durable unless {@code overrides} say {@code embeddedDurable=false}).
   */
  public static TestApp startEmbedded(Vertx vertx, java.nio.file.Path dataDir, Map<String, Object> overrides) {
    JsonObject json = baseConfig("", "").put("dataDir", dataDir.toString());
    overrides.forEach(json::put);
    BookingApp app = new BookingApp();
    String id = await(vertx.deployVerticle(app, new DeploymentOptions().setConfig(json)));
    AppConfig resolved = app.resolvedConfig();
    return new TestApp(vertx, resolved, id, resolved.pgUrl(), resolved.redisUrl(), false);
  }

  /** A test config: everything the server needs, small and quick (cheap bcrypt, short idle polls). */
  public static JsonObject baseConfig(String pgUrl, String redisUrl) {
    JsonObject config = new JsonObject()
        .put("httpHost", "127.0.0.1")
        .put("httpPort", TestServices.freePort())
        .put("httpInstances", 2)
        .put("pgUrl", pgUrl)
        .put("pgPoolSize", 8)
        .put("jwtSecret", SECRET)
        .put("adminEmail", ADMIN_EMAIL)
        .put("adminPassword", ADMIN_PASSWORD)
        .put("bcryptCost", 4)
        .put("shards", 4)
        .put("workerIdleMillis", 50)
        .put("retryBaseMillis", 20)
        .put("lockTimeoutMillis", 500)
        // Every test client is 127.0.0.1: here one address stands for a whole crowd, so the per-address
        // limits are out of the way (the per-user ones stay as configured by default).
        .put("bookingRatePerIp", 60_000_000).put("bookingBurstPerIp", 10_000_000)
        .put("loginRatePerIp", 60_000_000).put("loginBurstPerIp", 10_000_000);
    // The one Redis server, or the shared Redis Cluster of a redisMode=cluster test run (TestServices).
    config.mergeIn(redisUrl == null || redisUrl.isEmpty() ? new JsonObject().put("redisUrl", redisUrl)
        : TestServices.get().redisConfig(redisUrl));
    // The application runs as the app role (row privileges only) and migrates as the owner, as in production.
    TestServices.roleUrls(pgUrl).forEach(config::put);
    return config;
  }

  /** Stops the application as a shutdown does (undeploys it), keeping its database and Redis. */
  public void stopServer() {
    await(stopServerAsync());
  }

  public Future<Void> stopServerAsync() {
    String id = deploymentId;
    deploymentId = null;
    return vertx.undeploy(id);
  }

  /** Starts the application again on the same database and Redis. */
  public void restartServer() {
    deploymentId = await(vertx.deployVerticle(new BookingApp(), new DeploymentOptions().setConfig(config.toJson())));
  }

  @Override
  public void close() {
    try {
      if (deploymentId != null) {
        await(vertx.undeploy(deploymentId));
      }
    } finally {
      http.close();
      await(db.close());
      redis.close();
      if (sharedServer) {
        TestServices.get().appOn(redisUrl, -1);
        TestServices.get().dropDatabase(pgUrl);
      }
    }
  }

  // ---- HTTP ----

  public HttpResponse<Buffer> send(HttpMethod method, String path, String token, Object body) {
    HttpRequest<Buffer> request = http.request(method, path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    Future<HttpResponse<Buffer>> response;
    if (body == null) {
      response = request.send();
    } else if (body instanceof JsonObject json) {
      response = request.putHeader("Content-Type", "application/json").sendBuffer(json.toBuffer());
    } else {
      response = request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.toString()));
    }
    return await(response);
  }

  /** A GET with the Authorization header exactly as given (null for none): for the header's own rules. */
  public HttpResponse<Buffer> getWithAuthorization(String path, String authorization) {
    HttpRequest<Buffer> request = http.get(path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return await(request.send());
  }

  public HttpResponse<Buffer> get(String path, String token) {
    return send(HttpMethod.GET, path, token, null);
  }

  public HttpResponse<Buffer> post(String path, String token, Object body) {
    return send(HttpMethod.POST, path, token, body);
  }

  public HttpResponse<Buffer> put(String path, String token, Object body) {
    return send(HttpMethod.PUT, path, token, body);
  }

  public HttpResponse<Buffer> delete(String path, String token) {
    return send(HttpMethod.DELETE, path, token, null);
  }

  public String adminToken() {
    if (adminToken == null) {
      HttpResponse<Buffer> login = post("/api/auth/login", null,
          new JsonObject().put("email", ADMIN_EMAIL).put("password", ADMIN_PASSWORD));
      if (login.statusCode() != 200) {
        throw new IllegalStateException("Admin login failed: " + login.bodyAsString());
      }
      adminToken = login.bodyAsJsonObject().getString("token");
    }
    return adminToken;
  }

  // ---- fixtures ----

  /** Users made straight in the database, with real tokens ({@link TestDb#users}). */
  public List<TestUser> users(int count) {
    return TestDb.users(db, tokens, count);
  }

  public TestUser user() {
    return users(1).get(0);
  }

  public long createEvent(int capacity) {
    return createEvent("Event " + System.nanoTime(), capacity, Instant.now().plus(Duration.ofDays(30)));
  }

  public long createEvent(String name, int capacity, Instant startsAt) {
    HttpResponse<Buffer> created = post("/api/events/create", adminToken(), new JsonObject()
        .put("name", name).put("venue", "Test Hall").put("startsAt", startsAt.toString()).put("capacity", capacity));
    if (created.statusCode() != 201) {
      throw new IllegalStateException("Event creation failed: " + created.bodyAsString());
    }
    return created.bodyAsJsonObject().getLong("id");
  }

  public HttpResponse<Buffer> book(String token, long eventId) {
    return post("/api/bookings/" + eventId + "/book", token, null);
  }

  /**
   * A booking request as a careful client sends it in a crowd: with an Idempotency-Key, sent again with that
   * key after a 503 (a machine too busy to answer within the request's deadline; the job may be queued, and
   * the key makes the retry answer with it), after a short back-off. Any other answer is the answer.
   */
  public Future<HttpResponse<Buffer>> bookRetryingBusy(String token, long eventId) {
    return bookRetryingBusy(token, eventId, java.util.UUID.randomUUID().toString(), 1);
  }

  private Future<HttpResponse<Buffer>> bookRetryingBusy(String token, long eventId, String key, int attempt) {
    return http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(token).putHeader("Idempotency-Key", key)
        .send()
        .compose(response -> response.statusCode() != 503 || attempt >= 6 ? Future.succeededFuture(response)
            : Future.<Void>future(p -> vertx.setTimer(250L * attempt, t -> p.complete()))
                .compose(v -> bookRetryingBusy(token, eventId, key, attempt + 1)));
  }

  public String bookJob(String token, long eventId) {
    HttpResponse<Buffer> response = book(token, eventId);
    if (response.statusCode() != 202) {
      throw new IllegalStateException("Booking was not accepted: " + response.statusCode() + " " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getString("jobId");
  }

  /** Polls the job's status (as admin) until it is final: completed, failed or waitlisted. */
  public JsonObject awaitJob(String jobId) {
    JsonObject[] last = new JsonObject[1];
    awaitCondition("job " + jobId + " to finish", Duration.ofSeconds(60), () -> {
      last[0] = get("/api/bookings/status/" + jobId, adminToken()).bodyAsJsonObject();
      String status = last[0].getString("status");
      return "completed".equals(status) || "failed".equals(status) || "waitlisted".equals(status);
    });
    return last[0];
  }

  public JsonObject queueStats() {
    return get("/api/admin/queue/stats", adminToken()).bodyAsJsonObject();
  }

  // ---- database state ----

  public long queryLong(String sql, Object... params) {
    return TestDb.queryLong(db, sql, params);
  }

  public List<Row> queryRows(String sql, Object... params) {
    return TestDb.queryRows(db, sql, params);
  }

  // ---- waiting ----

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits for a condition, checking it every 20 ms; fails with {@code what} after {@code timeout}. */
  public static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("Interrupted waiting for " + what);
      }
    }
  }
}
