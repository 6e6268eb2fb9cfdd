package io.aurora.booking.infra;

import ch.qos.logback.classic.Level;
import io.aurora.booking.BookingApp;
import io.aurora.booking.testing.LogCapture;
import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * External servers whose settings can lose what the service promised: a Redis that does not fsync its AOF
 * ({@code appendfsync no}) and one that evicts keys when full ({@code allkeys-lru}). The service still runs
 * (durability is reported, not required), but says so: a warning per setting in the log, the settings in
 * {@code /ready} and in a gauge; with {@code requireDurableServers} it refuses to start.
 */
@ExtendWith(VertxExtension.class)
class UnsafeServersTest {

  @TempDir
  static Path dirs;
  private static RedisServer lazyFsync;
  private static RedisServer evicting;

  @BeforeAll
  static void startRedisServers() throws IOException {
    lazyFsync = redis(dirs.resolve("lazy"), "appendfsync no", "maxmemory-policy noeviction");
    evicting = redis(dirs.resolve("evicting"), "appendfsync always", "maxmemory-policy allkeys-lru");
  }

  @AfterAll
  static void stopRedisServers() throws IOException {
    lazyFsync.stop();
    evicting.stop();
  }

  private static RedisServer redis(Path dir, String fsync, String policy) throws IOException {
    java.nio.file.Files.createDirectories(dir);
    RedisServer server = RedisServer.newRedisServer().port(TestServices.freePort()).setting("bind 127.0.0.1")
        .setting("dir " + dir).setting("save \"\"").setting("appendonly yes").setting(fsync).setting(policy).build();
    server.start();
    return server;
  }

  private static String url(RedisServer server) {
    return "redis://127.0.0.1:" + server.ports().get(0) + "/1";
  }

  @Test
  void aRedisThatDoesNotFsyncIsReportedInReadyTheLogAndAGauge(Vertx vertx) {
    try (LogCapture logs = LogCapture.start(Level.INFO); TestApp app = start(vertx, url(lazyFsync), Map.of())) {
      HttpResponse<Buffer> ready = app.get("/ready", null);
      assertEquals(200, ready.statusCode(), "readiness is about reachability: " + ready.bodyAsString());
      JsonObject durability = ready.bodyAsJsonObject().getJsonObject("durability");
      assertEquals("no", durability.getJsonObject("redis").getString("appendfsync"), durability.encode());
      assertTrue(durability.getJsonArray("unsafe").contains("redis.appendfsync"), durability.encode());
      assertFalse(durability.getJsonArray("unsafe").contains("redis.maxmemory-policy"), durability.encode());
      assertFalse(durability.getBoolean("safe"));

      assertTrue(warned(logs, "redis.appendfsync", "no"), logs.json());
      assertFalse(warned(logs, "redis.maxmemory-policy", "noeviction"), logs.json());

      PrometheusText metrics = PrometheusText.parse(app.get("/metrics", null).bodyAsString());
      assertTrue(metrics.has("booking_durability_setting", "server", "redis", "setting", "appendfsync"), "the gauge is there");
      assertEquals(0.0, metrics.sum("booking_durability_setting", "server", "redis", "setting", "appendfsync"), "unsafe");
      assertEquals(1.0, metrics.sum("booking_durability_setting", "server", "redis", "setting", "appendonly"), "safe");
    }
  }

  @Test
  void aRedisThatEvictsKeysIsReportedToo(Vertx vertx) {
    try (LogCapture logs = LogCapture.start(Level.INFO); TestApp app = start(vertx, url(evicting), Map.of())) {
      JsonObject durability = app.get("/ready", null).bodyAsJsonObject().getJsonObject("durability");
      assertEquals("allkeys-lru", durability.getJsonObject("redis").getString("maxmemory-policy"), durability.encode());
      assertTrue(durability.getJsonArray("unsafe").contains("redis.maxmemory-policy"), durability.encode());
      assertFalse(durability.getJsonArray("unsafe").contains("redis.appendfsync"), durability.encode());
      assertTrue(warned(logs, "redis.maxmemory-policy", "allkeys-lru"), logs.json());
    }
  }

  @Test
  void requireDurableServersRefusesToStartOnThem(Vertx vertx) {
    TestServices services = TestServices.get();
    String pgUrl = services.newDatabase();
    try {
      JsonObject config = TestApp.baseConfig(pgUrl, url(lazyFsync)).put("requireDurableServers", true);
      RuntimeException refused = assertThrows(RuntimeException.class,
          () -> TestApp.await(vertx.deployVerticle(new BookingApp(), new DeploymentOptions().setConfig(config))));
      assertTrue(refused.getMessage().contains("redis.appendfsync=no"), refused.getMessage());
      assertTrue(refused.getMessage().contains("requireDurableServers"), refused.getMessage());
      assertTrue(vertx.deploymentIDs().isEmpty(), "nothing left deployed: " + vertx.deploymentIDs());
    } finally {
      services.dropDatabase(pgUrl);
    }
  }

  private static TestApp start(Vertx vertx, String redisUrl, Map<String, Object> overrides) {
    String pgUrl = TestServices.get().newDatabase();
    JsonObject config = TestApp.baseConfig(pgUrl, redisUrl);
    overrides.forEach(config::put);
    return TestApp.start(vertx, config, pgUrl, redisUrl);
  }

  /** A warning that names {@code setting} and its {@code value} as structured fields of a JSON log line. */
  private static boolean warned(LogCapture logs, String setting, String value) {
    List<String> lines = logs.json().lines().toList();
    return lines.stream().map(JsonObject::new).anyMatch(line -> "WARN".equals(line.getString("level"))
        && setting.equals(line.getString("setting")) && value.equals(line.getString("value")));
  }
}
