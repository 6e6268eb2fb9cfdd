package io.aurora.booking.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

  @Test
  void environmentOverridesTheFileWhichOverridesTheDefaults() throws IOException {
    Path file = Files.createTempFile("booking", ".json");
    Files.writeString(file, "{\"httpPort\": 9000, \"shards\": 3}");
    AppConfig config = ConfigLoader.load(Map.of(ConfigLoader.CONF_FILE_ENV, file.toString(), "BOOKING_HTTP_PORT", "9100"));
    assertEquals(9100, config.httpPort());
    assertEquals(3, config.shards());
    assertEquals(64, config.batchSize());
    assertTrue(config.embeddedPostgres());
  }

  @Test
  void badValuesAndUnknownKeysAreRefusedWithAClearMessage() throws IOException {
    Path file = Files.createTempFile("booking", ".json");
    Files.writeString(file, "{\"htpPort\": 9000}");
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of(ConfigLoader.CONF_FILE_ENV, file.toString())));
    assertTrue(unknown.getMessage().contains("htpPort"));
    assertTrue(unknown.getMessage().contains("did you mean 'httpPort'?"), unknown.getMessage());
    IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_SHARDS", "many")));
    assertTrue(notANumber.getMessage().contains("BOOKING_SHARDS"));
  }

  @Test
  void notificationSettingsAreChecked() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(Map.of("BOOKING_SMTP_URL", "http://mail:25")))
        .getMessage().contains("BOOKING_SMTP_URL"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(Map.of("BOOKING_NOTIFICATION_MAX_ATTEMPTS", "0")))
        .getMessage().contains("BOOKING_NOTIFICATION_MAX_ATTEMPTS"));
    assertEquals("smtps://u:p@mail.example.com:465", ConfigLoader.load(Map.of("BOOKING_SMTP_URL", "smtps://u:p@mail.example.com:465")).smtpUrl());
  }

  @Test
  void aRedisCaFileNeedsTlsAndAFileThatCanBeRead() throws IOException {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(Map.of(
            "BOOKING_REDIS_URL", "redis://cache:6379", "BOOKING_REDIS_TLS_CA_FILE", "/nowhere/ca.pem")))
        .getMessage().contains("BOOKING_REDIS_TLS_CA_FILE"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(Map.of("BOOKING_REDIS_URL", "rediss://cache:6379",
            "BOOKING_REDIS_TLS", "true", "BOOKING_REDIS_TLS_CA_FILE", "/nowhere/ca.pem")))
        .getMessage().contains("not a readable file"));
    Path ca = Files.createTempFile("ca", ".pem");
    assertEquals(ca.toString(), ConfigLoader.load(Map.of("BOOKING_REDIS_URL", "rediss://cache:6379", "BOOKING_REDIS_TLS", "true",
        "BOOKING_REDIS_TLS_CA_FILE", ca.toString())).redisTlsCaFile());
  }

  @Test
  void aValueOfTheWrongTypeInTheFileIsAOneLineErrorNamingTheKey() throws IOException {
    Map<String, String> cases = Map.of(
        "{\"httpPort\": \"8080\"}", "'httpPort'",
        "{\"shards\": 2.5}", "'shards'",
        "{\"rateLimitsEnabled\": \"yes\"}", "'rateLimitsEnabled'",
        "{\"pgUrl\": 5432}", "'pgUrl'",
        "{\"batchSize\": null}", "'batchSize'");
    for (Map.Entry<String, String> bad : cases.entrySet()) {
      Path file = Files.createTempFile("booking", ".json");
      Files.writeString(file, bad.getKey());
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> ConfigLoader.load(Map.of(ConfigLoader.CONF_FILE_ENV, file.toString())), bad.getKey());
      assertTrue(refused.getMessage().contains(bad.getValue()), refused.getMessage());
      assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
    }
    Path whole = Files.createTempFile("booking", ".json");
    Files.writeString(whole, "{\"shards\": 4.0}");
    assertEquals(4, ConfigLoader.load(Map.of(ConfigLoader.CONF_FILE_ENV, whole.toString())).shards());
  }

  @Test
  void aFlagMustSayTrueOrFalse() {
    assertEquals(false, ConfigLoader.load(Map.of("BOOKING_RATE_LIMITS_ENABLED", " FALSE ")).rateLimitsEnabled());
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_RATE_LIMITS_ENABLED", "no")));
    assertTrue(refused.getMessage().contains("BOOKING_RATE_LIMITS_ENABLED"), refused.getMessage());
  }

  @Test
  void aMisspeltVariableIsAnErrorThatSuggestsTheClosestKey() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_HTTP_PROT", "9000")));
    assertTrue(refused.getMessage().contains("BOOKING_HTTP_PROT"), refused.getMessage());
    assertTrue(refused.getMessage().contains("did you mean BOOKING_HTTP_PORT?"), refused.getMessage());
    IllegalArgumentException inFile = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_JWT_SECRT_FILE", "/run/secrets/jwt")));
    assertTrue(inFile.getMessage().contains("did you mean BOOKING_JWT_SECRET_FILE?"), inFile.getMessage());
    // A renamed key names its successor, not the nearest spelling.
    IllegalArgumentException renamed = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_JWT_TTL_SECONDS", "3600")));
    assertTrue(renamed.getMessage().contains("did you mean BOOKING_ACCESS_TOKEN_TTL_SECONDS?"), renamed.getMessage());
    // Not keys, and not mistakes: the log format (logback reads it), the test harness's own variables.
    assertEquals(8080, ConfigLoader.load(Map.of("BOOKING_LOG_FORMAT", "json", "BOOKING_TEST_SERVICES", "embedded",
        "OTHER_VARIABLE", "x")).httpPort());
  }

  @Test
  void anyKeyCanBeReadFromAFileForMountedSecrets() throws IOException {
    Path secret = Files.createTempFile("jwt", ".secret");
    Files.writeString(secret, "  a secret with spaces kept, and its trailing line break dropped  \n");
    AppConfig config = ConfigLoader.load(Map.of("BOOKING_JWT_SECRET_FILE", secret.toString()));
    assertEquals("  a secret with spaces kept, and its trailing line break dropped  ", config.jwtSecret());
    Path port = Files.createTempFile("port", ".txt");
    Files.writeString(port, "9300\r\n");
    assertEquals(9300, ConfigLoader.load(Map.of("BOOKING_HTTP_PORT_FILE", port.toString())).httpPort());

    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_JWT_SECRET_FILE", secret.toString(), "BOOKING_JWT_SECRET", "x".repeat(40))));
    assertTrue(both.getMessage().contains("BOOKING_JWT_SECRET_FILE"), both.getMessage());
    Path missing = secret.resolveSibling("no-such-secret-" + System.nanoTime());
    IllegalArgumentException unreadable = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_ADMIN_PASSWORD_FILE", missing.toString())));
    assertTrue(unreadable.getMessage().contains("BOOKING_ADMIN_PASSWORD_FILE"), unreadable.getMessage());
  }

  @Test
  void theMetricsPathMustBeAPathOutsideTheApi() {
    assertEquals("/internal/metrics", ConfigLoader.load(Map.of("BOOKING_METRICS_PATH", "/internal/metrics")).metricsPath());
    for (String bad : new String[] {"metrics", "/", "/api/metrics"}) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> ConfigLoader.load(Map.of("BOOKING_METRICS_PATH", bad)), bad);
      assertTrue(refused.getMessage().contains("BOOKING_METRICS_PATH"), refused.getMessage());
    }
    assertTrue(ConfigLoader.load(Map.of()).metricsEnabled());
    assertEquals(false, ConfigLoader.load(Map.of("BOOKING_METRICS_ENABLED", "false")).metricsEnabled());
  }

  @Test
  void aReadReplicaNeedsAnExternalPrimaryAndABoundedLagLimit() {
    assertFalse(ConfigLoader.load(Map.of()).readReplica(), "off by default");
    IllegalArgumentException embedded = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_PG_READ_URL", "postgresql://aurora_app@10.0.0.4:5432/aurora")));
    assertTrue(embedded.getMessage().contains("BOOKING_PG_URL"), embedded.getMessage());
    Map<String, String> replicated = Map.of("BOOKING_PG_URL", "postgresql://aurora_app@10.0.0.3:5432/aurora",
        "BOOKING_PG_READ_URL", "postgresql://aurora_app@10.0.0.4:5432/aurora", "BOOKING_PG_READ_MAX_LAG_SECONDS", "5");
    AppConfig config = ConfigLoader.load(replicated);
    assertTrue(config.readReplica());
    assertEquals(5, config.pgReadMaxLagSeconds());
    HashMap<String, String> unbounded = new HashMap<>(replicated);
    unbounded.put("BOOKING_PG_READ_MAX_LAG_SECONDS", "0");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(unbounded)).getMessage()
        .contains("pgReadMaxLagSeconds"));
  }

  @Test
  void aClusteredNodeRefusesEmbeddedServersAndNeedsMembers() {
    IllegalArgumentException embedded = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_CLUSTER_ENABLED", "true", "BOOKING_CLUSTER_MEMBERS", "10.0.0.1:5701",
            "BOOKING_REDIS_URL", "redis://10.0.0.2:6379")));
    assertEquals(ConfigLoader.CLUSTER_NEEDS_EXTERNAL_SERVICES, embedded.getMessage());
    assertTrue(embedded.getMessage().contains("BOOKING_PG_URL"));

    Map<String, String> external = Map.of("BOOKING_CLUSTER_ENABLED", "true",
        "BOOKING_PG_URL", "postgresql://postgres@10.0.0.3:5432/aurora", "BOOKING_REDIS_URL", "redis://10.0.0.2:6379");
    IllegalArgumentException noMembers = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(external));
    assertTrue(noMembers.getMessage().contains("BOOKING_CLUSTER_MEMBERS"), noMembers.getMessage());

    HashMap<String, String> withMembers = new HashMap<>(external);
    withMembers.put("BOOKING_CLUSTER_MEMBERS", " app1:5701, app2:5701 ,");
    AppConfig config = ConfigLoader.load(withMembers);
    assertTrue(config.clusterEnabled());
    assertEquals(List.of("app1:5701", "app2:5701"), config.clusterMembers());
    assertEquals(5701, config.clusterPort());
  }

  @Test
  void aRedisTopologyMustBeWholeAndOfOneMode() {
    Map<Map<String, String>, String> refused = Map.of(
        Map.of("BOOKING_REDIS_MODE", "replicated"), "BOOKING_REDIS_MODE",
        Map.of("BOOKING_REDIS_MODE", "sentinel", "BOOKING_REDIS_URLS", "redis://s1:26379"), "BOOKING_REDIS_MASTER_NAME",
        Map.of("BOOKING_REDIS_MODE", "sentinel", "BOOKING_REDIS_MASTER_NAME", "m"), "BOOKING_REDIS_URLS",
        Map.of("BOOKING_REDIS_MODE", "cluster", "BOOKING_REDIS_URLS", "redis://n1:7000", "BOOKING_REDIS_URL", "redis://n1:7000"),
        "BOOKING_REDIS_URL",
        Map.of("BOOKING_REDIS_URLS", "redis://s1:26379"), "redisUrl",
        Map.of("BOOKING_REDIS_MODE", "cluster", "BOOKING_REDIS_URLS", "n1:7000"), "BOOKING_REDIS_URLS",
        Map.of("BOOKING_REDIS_MIN_REPLICAS", "1"), "BOOKING_REDIS_MIN_REPLICAS",
        Map.of("BOOKING_REDIS_MODE", "cluster", "BOOKING_REDIS_URLS", "redis://n1:7000", "BOOKING_REDIS_MIN_REPLICAS", "1"),
        "not supported in redisMode cluster",
        Map.of("BOOKING_REDIS_TLS", "true", "BOOKING_REDIS_URL", "redis://r:6379"), "rediss://");
    refused.forEach((env, named) -> {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(env), env.toString());
      assertTrue(error.getMessage().contains(named), error.getMessage());
    });
    AppConfig sentinel = ConfigLoader.load(Map.of("BOOKING_REDIS_MODE", "Sentinel", "BOOKING_REDIS_MASTER_NAME", "m",
        "BOOKING_REDIS_URLS", "redis://s1:26379, redis://s2:26379", "BOOKING_REDIS_MIN_REPLICAS", "1"));
    assertEquals(AppConfig.RedisMode.SENTINEL, sentinel.redisMode());
    assertEquals(List.of("redis://s1:26379", "redis://s2:26379"), sentinel.redisUrls());
    assertFalse(sentinel.embeddedRedis());
    assertEquals(AppConfig.RedisMode.STANDALONE, ConfigLoader.load(Map.of()).redisMode());
  }

  @Test
  void everyKeyIsDocumentedInTheReadme() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    for (String key : AppConfig.DEFAULTS.fieldNames()) {
      assertTrue(readme.contains("`" + key + "`") && readme.contains("`" + ConfigLoader.envName(key) + "`"),
          "README documents " + key + " / " + ConfigLoader.envName(key));
    }
  }

  @Test
  void jwtKeysListTheCurrentKeyFirstAndMayComeFromAFileOnePerLine() throws IOException {
    String a = "a".repeat(32);
    String b = "b:with-a-colon-".repeat(3);
    List<JwtKey> keys = ConfigLoader.load(Map.of("BOOKING_JWT_KEYS", "2026-12:" + a + ", 2026-11:" + b)).jwtKeys();
    assertEquals(List.of(new JwtKey("2026-12", a), new JwtKey("2026-11", b)), keys);
    Path file = Files.createTempFile("jwt-keys", "");
    Files.writeString(file, "2026-12:" + a + "\n2026-11:" + b + "\n");
    assertEquals(keys, ConfigLoader.load(Map.of("BOOKING_JWT_KEYS_FILE", file.toString())).jwtKeys());
    // Without jwtKeys, jwtSecret is the one key.
    assertEquals(List.of(new JwtKey(JwtKey.DEFAULT_ID, a)), ConfigLoader.load(Map.of("BOOKING_JWT_SECRET", a)).jwtKeys());

    Map<String, String> bad = Map.of(
        "2026-12:short", "at least 32 bytes",
        "no-id-here", "id:secret",
        "a b:" + a, "id:secret",
        "k:" + a + ",k:" + b, "listed twice");
    for (Map.Entry<String, String> entry : bad.entrySet()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ConfigLoader.load(Map.of("BOOKING_JWT_KEYS", entry.getKey())));
      assertTrue(e.getMessage().contains(entry.getValue()) && e.getMessage().contains("BOOKING_JWT_KEYS"), e.getMessage());
      assertFalse(e.getMessage().contains(a), "the message never shows a secret");
    }
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_JWT_KEYS", "k:" + a, "BOOKING_JWT_SECRET", b)));
    assertTrue(both.getMessage().contains("BOOKING_JWT_SECRET"), both.getMessage());
  }
}
