package io.aurora.booking.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads {@link AppConfig}: defaults, then the conf file, then {@code BOOKING_*} environment variables.
 * This is the only place that reads the environment.
 *
 * <p>Every key can also be given as a file: {@code BOOKING_JWT_SECRET_FILE=/run/secrets/jwt} reads the
 * secret from that file (Docker and Kubernetes secrets), its trailing line break dropped; setting both
 * forms of one key is an error. A {@code BOOKING_*} variable that names no key is an error too, with the
 * closest key suggested: a misspelt variable silently ignored is a setting silently not applied.
 */
public final class ConfigLoader {

  public static final String CONF_FILE_ENV = "BOOKING_CONF";
  /** Suffix of the variable that names a file holding a key's value. */
  public static final String FILE_SUFFIX = "_FILE";
  /**
   * {@code BOOKING_*} variables that are not configuration keys: the conf file, the log format (read by
   * logback), and the test harness's own ({@code BOOKING_TEST_*}, which its child processes inherit).
   */
  private static final Set<String> OTHER_VARIABLES = Set.of(CONF_FILE_ENV, "BOOKING_LOG_FORMAT");
  private static final String TEST_VARIABLES = "BOOKING_TEST_";
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
    refuseUnknownVariables(env);
    Path file = env.containsKey(CONF_FILE_ENV) ? Path.of(env.get(CONF_FILE_ENV)) : DEFAULT_CONF_FILE;
    JsonObject json = readFile(file, env.containsKey(CONF_FILE_ENV));
    for (String key : json.fieldNames()) {
      if (!AppConfig.DEFAULTS.containsKey(key)) {
        throw new IllegalArgumentException("Unknown configuration key '" + key + "' in " + file
            + "; did you mean '" + closest(key, AppConfig.DEFAULTS.fieldNames()) + "'?");
      }
      json.put(key, checkType(key, json.getValue(key), file));
    }
    for (String key : AppConfig.DEFAULTS.fieldNames()) {
      String name = envName(key);
      String value = env.get(name);
      String valueFile = env.get(name + FILE_SUFFIX);
      if (value != null && valueFile != null) {
        throw new IllegalArgumentException("Both " + name + " and " + name + FILE_SUFFIX + " are set: set one of them");
      }
      if (valueFile != null) {
        value = readValueFile(name + FILE_SUFFIX, valueFile);
      }
      if (value != null) {
        json.put(key, coerce(key, value));
      }
    }
    AppConfig config = new AppConfig(json);
    validate(config);
    return config;
  }

  static void validate(AppConfig c) {
    validateRedis(c);
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
    range("auditRetentionMonths", c.auditRetentionMonths(), 1, 1_200);
    range("embeddedRestartAttempts", c.embeddedRestartAttempts(), 0, 100);
    range("connectTimeoutMillis", c.connectTimeoutMillis(), 100, 600_000);
    range("requestTimeoutMillis", c.requestTimeoutMillis(), 100, 600_000);
    range("httpBodyTimeoutMillis", c.httpBodyTimeoutMillis(), 100, 600_000);
    range("metricsSampleMillis", c.metricsSampleMillis(), 100, 3_600_000);
    range("pgReadMaxLagSeconds", c.pgReadMaxLagSeconds(), 1, 86_400);
    if (c.readReplica() && c.embeddedPostgres()) {
      throw new IllegalArgumentException("pgReadUrl (" + envName("pgReadUrl") + ") is a replica of pgUrl's database: set pgUrl"
          + " (" + envName("pgUrl") + ") too, or leave pgReadUrl empty (an embedded PostgreSQL has no replica)");
    }
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
    range("tokenCacheSize", c.tokenCacheSize(), 0, 1_000_000);
    range("accessTokenTtlSeconds", c.accessTokenTtlSeconds(), 1, 86_400);
    range("refreshTokenTtlSeconds", c.refreshTokenTtlSeconds(), 1, 31_536_000);
    if (!c.toJson().getString("jwtKeys").isBlank()) {
      if (!c.jwtSecret().isBlank()) {
        throw new IllegalArgumentException("Both jwtKeys (BOOKING_JWT_KEYS) and jwtSecret (BOOKING_JWT_SECRET) are set: set"
            + " one of them (list the old secret in jwtKeys as '" + JwtKey.DEFAULT_ID + ":<secret>' to keep its tokens valid)");
      }
      c.jwtKeys();
    }
    range("clusterPort", c.clusterPort(), 1, 65_535);
    range("clusterBusPort", c.clusterBusPort(), 0, 65_535);
    range("clusterFailureSeconds", c.clusterFailureSeconds(), 2, 300);
    range("notificationMaxAttempts", c.notificationMaxAttempts(), 1, 100);
    range("notificationRetryBaseMillis", (int) c.notificationRetryBaseMillis(), 1, 3_600_000);
    range("notificationRetryMaxMillis", (int) c.notificationRetryMaxMillis(), (int) c.notificationRetryBaseMillis(), 86_400_000);
    range("notificationConcurrency", c.notificationConcurrency(), 1, 1_000);
    range("notificationPollMillis", (int) c.notificationPollMillis(), 10, 60_000);
    range("webhookTimeoutMillis", (int) c.webhookTimeoutMillis(), 100, 600_000);
    range("sseHeartbeatMillis", (int) c.sseHeartbeatMillis(), 100, 600_000);
    range("sseMaxStreams", c.sseMaxStreams(), 1, 1_000_000);
    range("tracingSamplePercent", c.tracingSamplePercent(), 0, 100);
    String smtp = c.smtpUrl().trim();
    if (!smtp.isEmpty() && !smtp.matches("(?i)smtps?://([^@/]+@)?[^@/:]+(:[0-9]{1,5})?/?")) {
      throw new IllegalArgumentException("smtpUrl (" + envName("smtpUrl")
          + ") must be smtp://[user:password@]host:port or smtps://..., or empty for no email");
    }
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

  /** The Redis topology keys must describe one way to reach Redis, whole: a half-set mode is refused at start. */
  private static void validateRedis(AppConfig c) {
    String mode = c.toJson().getString("redisMode").trim().toLowerCase(java.util.Locale.ROOT);
    if (!Set.of("standalone", "sentinel", "cluster").contains(mode)) {
      throw new IllegalArgumentException("redisMode (" + envName("redisMode") + ") must be standalone, sentinel or cluster, got '"
          + c.toJson().getString("redisMode") + "'");
    }
    for (String url : c.redisUrls()) {
      if (!url.matches("rediss?://[^/]+(/[0-9]*)?")) {
        throw new IllegalArgumentException("redisUrls (" + envName("redisUrls") + ") must list redis://host:port URLs,"
            + " comma-separated; got '" + url + "'");
      }
    }
    switch (c.redisMode()) {
      case STANDALONE -> {
        if (!c.redisUrls().isEmpty() || !c.redisMasterName().isBlank()) {
          throw new IllegalArgumentException("redisUrls and redisMasterName are for redisMode sentinel or cluster;"
              + " in standalone mode name the server with redisUrl (" + envName("redisUrl") + ")");
        }
      }
      case SENTINEL -> {
        if (c.redisUrls().isEmpty() || c.redisMasterName().isBlank()) {
          throw new IllegalArgumentException("redisMode sentinel needs redisUrls (" + envName("redisUrls")
              + ": the Sentinels, redis://host:26379, comma-separated) and redisMasterName (" + envName("redisMasterName")
              + ": the name they monitor the master under)");
        }
      }
      case CLUSTER -> {
        if (c.redisUrls().isEmpty() || !c.redisMasterName().isBlank()) {
          throw new IllegalArgumentException("redisMode cluster needs redisUrls (" + envName("redisUrls")
              + ": some of the cluster's nodes, comma-separated) and no redisMasterName");
        }
      }
    }
    if (c.redisMode() != AppConfig.RedisMode.STANDALONE && !c.redisUrl().isBlank()) {
      throw new IllegalArgumentException("redisUrl (" + envName("redisUrl") + ") is for redisMode standalone; in "
          + c.redisMode().name().toLowerCase(java.util.Locale.ROOT) + " mode list the servers in redisUrls");
    }
    if (c.redisMinReplicas() > 0 && c.embeddedRedis()) {
      throw new IllegalArgumentException("redisMinReplicas (" + envName("redisMinReplicas") + ") needs Redis replicas:"
          + " the embedded Redis has none (set redisUrl, or redisMode sentinel or cluster)");
    }
    if (c.redisTls()) {
      List<String> urls = new java.util.ArrayList<>(c.redisUrls());
      urls.add(c.redisUrl());
      if (c.embeddedRedis() || urls.stream().anyMatch(u -> !u.isBlank() && !u.startsWith("rediss://"))) {
        throw new IllegalArgumentException("redisTls (" + envName("redisTls") + ") needs rediss:// URLs of an external Redis");
      }
    }
    if (!c.redisTlsCaFile().isBlank()) {
      if (!c.redisTls()) {
        throw new IllegalArgumentException("redisTlsCaFile (" + envName("redisTlsCaFile") + ") is for redisTls=true");
      }
      if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(c.redisTlsCaFile()))) {
        throw new IllegalArgumentException("redisTlsCaFile (" + envName("redisTlsCaFile") + ") is not a readable file: "
            + c.redisTlsCaFile());
      }
    }
    if (c.redisMinReplicas() > 0 && c.redisMode() == AppConfig.RedisMode.CLUSTER) {
      // WAIT names no key: the cluster client sends it to any node, not to the master that took the job.
      throw new IllegalArgumentException("redisMinReplicas (" + envName("redisMinReplicas") + ") is not supported in"
          + " redisMode cluster yet: use sentinel mode, or 0");
    }
    range("redisMinReplicas", c.redisMinReplicas(), 0, 16);
    range("redisReplicaWaitMillis", c.redisReplicaWaitMillis(), 10, 60_000);
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
      String flag = value.trim().toLowerCase(java.util.Locale.ROOT);
      if (!flag.equals("true") && !flag.equals("false")) {
        throw new IllegalArgumentException(envName(key) + " must be true or false, got '" + value + "'");
      }
      return Boolean.valueOf(flag);
    }
    return value;
  }

  /** A value from the conf file, as the key's type; a wrong type is a one-line error naming the key. */
  private static Object checkType(String key, Object value, Path file) {
    Object def = AppConfig.DEFAULTS.getValue(key);
    String where = "Configuration key '" + key + "' in " + file;
    if (def instanceof Integer) {
      if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
          && n.doubleValue() >= Integer.MIN_VALUE && n.doubleValue() <= Integer.MAX_VALUE) {
        return n.intValue();
      }
      throw new IllegalArgumentException(where + " must be a whole number, got " + describe(value));
    }
    if (def instanceof Boolean) {
      if (value instanceof Boolean) {
        return value;
      }
      throw new IllegalArgumentException(where + " must be true or false, got " + describe(value));
    }
    if (value instanceof String) {
      return value;
    }
    throw new IllegalArgumentException(where + " must be a string, got " + describe(value));
  }

  private static String describe(Object value) {
    return value == null ? "null" : io.vertx.core.json.Json.encode(value);
  }

  /** Every {@code BOOKING_*} variable must be a key (or a key's {@code _FILE} form), or one of the few others. */
  private static void refuseUnknownVariables(Map<String, String> env) {
    Set<String> known = new TreeSet<>(OTHER_VARIABLES);
    for (String key : AppConfig.DEFAULTS.fieldNames()) {
      known.add(envName(key));
      known.add(envName(key) + FILE_SUFFIX);
    }
    for (String name : new TreeSet<>(env.keySet())) {
      if (name.startsWith("BOOKING_") && !name.startsWith(TEST_VARIABLES) && !known.contains(name)) {
        throw new IllegalArgumentException("Unknown environment variable " + name + "; did you mean "
            + closest(name, known) + "? (every BOOKING_* variable must name a configuration key; see the README)");
      }
    }
  }

  /**
   * Keys renamed in a release (old name to new): a file or variable with the old name is still refused, as any
   * unknown key is, but the suggestion names its successor rather than the nearest spelling.
   */
  private static final Map<String, String> RENAMED = Map.of("jwtTtlSeconds", "accessTokenTtlSeconds");

  /** The candidate nearest to {@code name} by edit distance, ignoring case (a renamed key's successor first). */
  static String closest(String name, Set<String> candidates) {
    for (Map.Entry<String, String> renamed : RENAMED.entrySet()) {
      if (name.equals(renamed.getKey()) && candidates.contains(renamed.getValue())) {
        return renamed.getValue();
      }
      if (name.equals(envName(renamed.getKey())) && candidates.contains(envName(renamed.getValue()))) {
        return envName(renamed.getValue());
      }
    }
    return candidates.stream()
        .min(Comparator.comparingInt((String c) -> editDistance(name.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT)))
            .thenComparing(Comparator.naturalOrder()))
        .orElse("");
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** A key's value from a file (a mounted secret): its content without the trailing line break. */
  private static String readValueFile(String variable, String path) {
    try {
      return Files.readString(Path.of(path)).replaceFirst("\\r?\\n$", "");
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(variable + " names " + path + ", which cannot be read: " + e);
    }
  }
}
