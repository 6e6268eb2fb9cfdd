package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Real PostgreSQL and Redis servers started from jars when none is configured, so a fresh clone runs with
 * no set-up. Their data lives under the data directory, so a restart keeps events and bookings.
 * Everything here blocks: call it from a worker thread.
 */
public final class EmbeddedServices implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);
  static final int MIN_SECRET_BYTES = 32;

  private final AppConfig config;
  private EmbeddedPostgres postgres;
  private RedisServer redis;

  private EmbeddedServices(AppConfig config) {
    this.config = config;
  }

  /**
   * Starts whatever is not configured and returns the configuration with the resolved URLs and JWT secret.
   * Refuses (IllegalStateException) a configuration that would run with a missing or weak secret.
   */
  public static EmbeddedServices start(AppConfig config) {
    EmbeddedServices services = new EmbeddedServices(config);
    try {
      services.startMissing();
      return services;
    } catch (RuntimeException | IOException e) {
      services.close();
      throw e instanceof RuntimeException re ? re : new UncheckedIOException((IOException) e);
    }
  }

  private AppConfig resolved;

  public AppConfig config() {
    return resolved;
  }

  private void startMissing() throws IOException {
    Map<String, Object> overrides = new HashMap<>();
    Path dataDir = Path.of(config.dataDir()).toAbsolutePath();
    if (config.embeddedPostgres()) {
      Path pgDir = dataDir.resolve("postgres");
      Files.createDirectories(pgDir);
      postgres = EmbeddedPostgres.builder()
          .setDataDirectory(pgDir)
          .setCleanDataDirectory(false)
          .setPort(freePort())
          .setServerConfig("max_connections", "300")
          .start();
      overrides.put("pgUrl", "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres");
      LOG.info("Embedded PostgreSQL on port {} with data in {}", postgres.getPort(), pgDir);
    }
    if (config.embeddedRedis()) {
      Path redisDir = dataDir.resolve("redis");
      Files.createDirectories(redisDir);
      int port = freePort();
      redis = RedisServer.newRedisServer()
          .port(port)
          .setting("bind 127.0.0.1")
          .setting("dir " + redisDir)
          .setting("appendonly yes")
          .setting("appendfsync everysec")
          .build();
      redis.start();
      overrides.put("redisUrl", "redis://127.0.0.1:" + port + "/0");
      LOG.info("Embedded Redis on port {} with data in {}", port, redisDir);
    }
    overrides.put("jwtSecret", resolveSecret(dataDir));
    resolved = config.with(overrides);
  }

  private String resolveSecret(Path dataDir) throws IOException {
    String secret = config.jwtSecret();
    if (!secret.isBlank()) {
      if (secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
        throw new IllegalStateException("BOOKING_JWT_SECRET must be at least " + MIN_SECRET_BYTES + " bytes long");
      }
      return secret;
    }
    if (!config.embeddedPostgres()) {
      throw new IllegalStateException("BOOKING_JWT_SECRET is required (at least " + MIN_SECRET_BYTES
          + " bytes) when PostgreSQL is external; refusing to start with a guessable token key");
    }
    Path file = dataDir.resolve("jwt-secret");
    if (Files.exists(file)) {
      return Files.readString(file).trim();
    }
    byte[] bytes = new byte[48];
    new SecureRandom().nextBytes(bytes);
    String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Files.writeString(file, generated);
    return generated;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    if (redis != null) {
      try {
        redis.stop();
      } catch (IOException e) {
        LOG.warn("Embedded Redis did not stop cleanly", e);
      }
      redis = null;
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        LOG.warn("Embedded PostgreSQL did not stop cleanly", e);
      }
      postgres = null;
    }
  }
}
