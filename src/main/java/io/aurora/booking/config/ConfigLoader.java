package io.aurora.booking.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads {@link AppConfig}: defaults, then the conf file, then {@code BOOKING_*} environment variables.
 * This is the only place that reads the environment.
 */
public final class ConfigLoader {

  public static final String CONF_FILE_ENV = "BOOKING_CONF";
  /** Why a clustered node refuses embedded PostgreSQL or Redis. */
  public static final String CLUSTER_NEEDS_EXTERNAL_SERVICES = "clusterEnabled (BOOKING_CLUSTER_ENABLED) needs external"
      + " PostgreSQL and Redis shared by every node: set BOOKING_PG_URL and BOOKING_REDIS_URL (embedded servers live"
      + " inside one JVM and cannot be shared by a cluster)";
  private static final Path DEFAULT_CONF_FILE = Path.of("conf", "booking.json");

  private ConfigLoader() {
  }

  public static AppConfig load() {
    return load(System.getenv());
  }

  static AppConfig load(Map<String, String> env) {
    Path file = env.containsKey(CONF_FILE_ENV) ? Path.of(env.get(CONF_FILE_ENV)) : DEFAULT_CONF_FILE;
    JsonObject json = readFile(file, env.containsKey(CONF_FILE_ENV));
    for (String key : AppConfig.DEFAULTS.fieldNames()) {
      String value = env.get(envName(key));
      if (value != null) {
        json.put(key, coerce(key, value));
      }
    }
    for (String key : json.fieldNames()) {
      if (!AppConfig.DEFAULTS.containsKey(key)) {
        throw new IllegalArgumentException("Unknown configuration key '" + key + "' in " + file);
      }
    }
    AppConfig config = new AppConfig(json);
    validate(config);
    return config;
  }

  static void validate(AppConfig c) {
    range("httpPort", c.httpPort(), 0, 65_535);
    range("shards", c.shards(), 1, 1_024);
    range("batchSize", c.batchSize(), 1, 10_000);
    range("maxBatchSize", c.toJson().getInteger("maxBatchSize"), 0, 10_000);
    range("soldOutAnswersPerTake", c.soldOutAnswersPerTake(), 0, 10_000);
    range("maxSeatsPerOrder", c.maxSeatsPerOrder(), 1, 1_000);
    range("maxBookingsPerUserPerEvent", c.maxBookingsPerUserPerEvent(), 1, 1_000);
    range("leaseMillis", c.leaseMillis(), 1_000, 3_600_000);
    range("maxAttempts", c.maxAttempts(), 1, 100);
    range("bcryptCost", c.bcryptCost(), 4, 31);
    range("embeddedRestartAttempts", c.embeddedRestartAttempts(), 0, 100);
    range("connectTimeoutMillis", c.connectTimeoutMillis(), 100, 600_000);
    range("requestTimeoutMillis", c.requestTimeoutMillis(), 100, 600_000);
    range("httpBodyTimeoutMillis", c.httpBodyTimeoutMillis(), 100, 600_000);
    range("metricsSampleMillis", c.metricsSampleMillis(), 100, 3_600_000);
    if (!c.metricsPath().startsWith("/") || c.metricsPath().startsWith("/api/") || c.metricsPath().length() < 2) {
      throw new IllegalArgumentException("metricsPath (" + envName("metricsPath") + ") must be a path such as /metrics, outside /api/, got '"
          + c.metricsPath() + "'");
    }
    range("bookingRatePerUser", c.bookingRatePerUser(), 1, 60_000);
    range("bookingBurstPerUser", c.bookingBurstPerUser(), 1, 100_000);
    range("bookingRatePerIp", c.bookingRatePerIp(), 1, 60_000_000);
    range("bookingBurstPerIp", c.bookingBurstPerIp(), 1, 10_000_000);
    range("maxOpenJobsPerUser", c.maxOpenJobsPerUser(), 1, 10_000);
    range("loginRatePerIp", c.loginRatePerIp(), 1, 60_000_000);
    range("loginBurstPerIp", c.loginBurstPerIp(), 1, 10_000_000);
    range("loginRatePerAccount", c.loginRatePerAccount(), 1, 60_000);
    range("loginBurstPerAccount", c.loginBurstPerAccount(), 1, 100_000);
    range("loginFailuresBeforeLockout", c.loginFailuresBeforeLockout(), 1, 1_000);
    range("loginLockoutSeconds", c.loginLockoutSeconds(), 1, 86_400);
    range("loginLockoutMaxSeconds", c.loginLockoutMaxSeconds(), c.loginLockoutSeconds(), 86_400);
    for (String proxy : c.trustedProxies()) {
      if (!proxy.matches("[0-9A-Fa-f:.]+")) {
        throw new IllegalArgumentException("trustedProxies (" + envName("trustedProxies")
            + ") must list IP addresses, comma-separated; got '" + proxy + "'");
      }
    }
    range("clusterPort", c.clusterPort(), 1, 65_535);
    range("clusterBusPort", c.clusterBusPort(), 0, 65_535);
    range("clusterFailureSeconds", c.clusterFailureSeconds(), 2, 300);
    if (c.clusterEnabled()) {
      // Embedded servers live inside one JVM: nodes of a cluster would each sell the same seats from a
      // database of their own.
      if (c.embeddedPostgres() || c.embeddedRedis()) {
        throw new IllegalArgumentException(CLUSTER_NEEDS_EXTERNAL_SERVICES);
      }
      if (c.clusterMembers().isEmpty()) {
        throw new IllegalArgumentException("clusterMembers (" + envName("clusterMembers")
            + ") must name at least one member (host:port, comma-separated) when clusterEnabled is true");
      }
    }
  }


  private static void range(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(key + " (" + envName(key) + ") must be between " + min + " and " + max + ", got " + value);
    }
  }

  /** {@code httpPort} becomes {@code BOOKING_HTTP_PORT}. */
  public static String envName(String key) {
    return "BOOKING_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
  }

  private static JsonObject readFile(Path file, boolean required) {
    if (!Files.exists(file)) {
      if (required) {
        throw new IllegalArgumentException("Configuration file " + file + " (from " + CONF_FILE_ENV + ") does not exist");
      }
      return new JsonObject();
    }
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException | DecodeException e) {
      throw new IllegalArgumentException("Cannot read configuration file " + file + ": " + e.getMessage(), e);
    }
  }

  private static Object coerce(String key, String value) {
    Object def = AppConfig.DEFAULTS.getValue(key);
    if (def instanceof Integer) {
      try {
        return Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(envName(key) + " must be a whole number, got '" + value + "'");
      }
    }
    if (def instanceof Boolean) {
      return Boolean.parseBoolean(value.trim());
    }
    return value;
  }
}
