package io.aurora.booking.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(Map.of("BOOKING_SHARDS", "many")));
    assertTrue(notANumber.getMessage().contains("BOOKING_SHARDS"));
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
  void everyKeyIsDocumentedInTheReadme() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    for (String key : AppConfig.DEFAULTS.fieldNames()) {
      assertTrue(readme.contains("`" + key + "`") && readme.contains("`" + ConfigLoader.envName(key) + "`"),
          "README documents " + key + " / " + ConfigLoader.envName(key));
    }
  }
}
