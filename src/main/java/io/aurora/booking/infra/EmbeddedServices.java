package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Real PostgreSQL and Redis servers started from jars when none is configured, so a fresh clone runs with
 * no set-up. Their data lives under the data directory (0700), so a restart keeps events and bookings; they
 * flush every commit and every accepted job to disk unless {@code embeddedDurable} is off (tests and
 * benchmarks only). Servers a killed previous run left on the directory are stopped first
 * ({@link EmbeddedPostgresServer}, {@link EmbeddedRedisServer}); {@link EmbeddedSupervisor} restarts one
 * that dies while the service runs. Everything here blocks: call it from a worker thread.
 */
public final class EmbeddedServices implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);
  static final int MIN_SECRET_BYTES = 32;

  private final AppConfig config;
  private final List<EmbeddedServer> servers = new ArrayList<>();
  private AppConfig resolved;

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

  public AppConfig config() {
    return resolved;
  }

  /** The servers started here (none when PostgreSQL and Redis are both external). */
  public List<EmbeddedServer> servers() {
    return List.copyOf(servers);
  }

  private void startMissing() throws IOException {
    Map<String, Object> overrides = new HashMap<>();
    Path dataDir = Path.of(config.dataDir()).toAbsolutePath();
    boolean durable = config.embeddedDurable();
    if (config.embeddedPostgres() || config.embeddedRedis()) {
      OwnerOnlyFiles.directory(dataDir);
      if (!durable) {
        LOG.warn("embeddedDurable is off: the embedded servers do not flush to disk, and a crash loses accepted jobs"
            + " and confirmed bookings. For tests and benchmarks only.");
      }
    }
    if (config.embeddedPostgres()) {
      Path pgDir = dataDir.resolve("postgres");
      EmbeddedServer postgres = EmbeddedPostgresServer.start(pgDir, dataDir.resolve("postgres.log"), freePort(), durable);
      servers.add(postgres);
      String host = "127.0.0.1:" + postgres.port() + "/postgres";
      String ownerPassword = generatedSecret(dataDir.resolve("pg-owner-password"));
      String appPassword = generatedSecret(dataDir.resolve("pg-app-password"));
      try (Connection superuser = DriverManager.getConnection("jdbc:postgresql://" + host, "postgres", null)) {
        DatabaseRoles.prepare(superuser, DatabaseRoles.OWNER, ownerPassword, DatabaseRoles.APP, appPassword);
      } catch (SQLException e) {
        throw new IOException("Embedded PostgreSQL: could not prepare the owner and app roles: " + e.getMessage(), e);
      }
      overrides.put("pgMigrationUrl", "postgresql://" + DatabaseRoles.OWNER + ":" + ownerPassword + "@" + host);
      overrides.put("pgUrl", "postgresql://" + DatabaseRoles.APP + ":" + appPassword + "@" + host);
      LOG.info("Embedded PostgreSQL on port {} with data in {}", postgres.port(), pgDir);
    }
    if (config.embeddedRedis()) {
      Path redisDir = dataDir.resolve("redis");
      EmbeddedServer redis = EmbeddedRedisServer.start(redisDir, dataDir.resolve("redis.log"), freePort(), durable);
      servers.add(redis);
      overrides.put("redisUrl", "redis://127.0.0.1:" + redis.port() + "/0");
      LOG.info("Embedded Redis on port {} with data in {}", redis.port(), redisDir);
    }
    if (config.toJson().getString("jwtKeys").isBlank()) {
      overrides.put("jwtSecret", resolveSecret(dataDir));
    }
    resolved = config.with(overrides);
  }

  private String resolveSecret(Path dataDir) throws IOException {
    String secret = config.jwtSecret();
    if (!secret.isBlank()) {
      if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
        throw new IllegalStateException("BOOKING_JWT_SECRET must be at least " + MIN_SECRET_BYTES + " bytes long");
      }
      return secret;
    }
    if (!config.embeddedPostgres()) {
      throw new IllegalStateException("BOOKING_JWT_SECRET is required (at least " + MIN_SECRET_BYTES
          + " bytes) when PostgreSQL is external; refusing to start with a guessable token key");
    }
    return generatedSecret(dataDir.resolve("jwt-secret"));
  }

  /** A random secret generated once and kept in {@code file} (0600): the JWT key, the database roles' passwords. */
  private static String generatedSecret(Path file) throws IOException {
    if (Files.exists(file)) {
      OwnerOnlyFiles.restrict(file);
      return Files.readString(file).trim();
    }
    byte[] bytes = new byte[48];
    new SecureRandom().nextBytes(bytes);
    String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    OwnerOnlyFiles.write(file, generated);
    return generated;
  }

  /**
   * A Redis like the embedded one (the embedded library's binary, the same durable settings: AOF with
   * {@code appendfsync always} unless {@code durable} is false) on a free loopback port, its data in
   * {@code dir} and its log beside it; the replica of the Redis on loopback port {@code replicaOf} when that
   * is not null. Not part of the service: for a benchmark that needs a replicated Redis ({@code redisMinReplicas}).
   */
  public static EmbeddedServer startRedis(Path dir, boolean durable, Integer replicaOf) throws IOException {
    return EmbeddedRedisServer.start(dir, dir.resolveSibling(dir.getFileName() + ".log"), freePort(), durable, replicaOf);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  /** Stops Redis, then PostgreSQL, each cleanly (killed only if it hangs). */
  @Override
  public void close() {
    for (int i = servers.size() - 1; i >= 0; i--) {
      try {
        servers.get(i).close();
      } catch (RuntimeException e) {
        LOG.warn("Embedded {} did not stop cleanly", servers.get(i).name(), e);
      }
    }
    servers.clear();
  }
}
