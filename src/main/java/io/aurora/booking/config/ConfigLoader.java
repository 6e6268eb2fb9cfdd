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
    range("maxSeatsPerOrder", c.maxSeatsPerOrder(), 1, 1_000);
    range("maxBookingsPerUserPerEvent", c.maxBookingsPerUserPerEvent(), 1, 1_000);
    range("leaseMillis", c.leaseMillis(), 1_000, 3_600_000);
    range("maxAttempts", c.maxAttempts(), 1, 100);
    range("bcryptCost", c.bcryptCost(), 4, 31);
    range("metricsSampleMillis", c.metricsSampleMillis(), 100, 3_600_000);
    if (!c.metricsPath().startsWith("/") || c.metricsPath().startsWith("/api/") || c.metricsPath().length() < 2) {
      throw new IllegalArgumentException("metricsPath (" + envName("metricsPath") + ") must be a path such as /metrics, outside /api/, got '"
          + c.metricsPath() + "'");
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
