package io.aurora.booking;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment files, checked without a Docker engine: the compose file parses and describes two
 * clustered nodes on external PostgreSQL and Redis behind one port, with only known configuration keys;
 * the Dockerfile builds in one stage and runs as a non-root user on a JRE in another, started with the AppCDS
 * archive a training run made in that stage.
 */
class DeploymentFilesTest {

  private static final Path COMPOSE = Path.of("docker", "compose.yml");
  private static final Path DOCKERFILE = Path.of("docker", "Dockerfile");
  private static final Path NGINX = Path.of("docker", "nginx.conf");
  private static final List<String> APPS = List.of("app1", "app2");

  @Test
  @SuppressWarnings("unchecked")
  void composeRunsTwoClusteredNodesOnSharedPostgresAndRedisBehindOnePort() throws IOException {
    Map<String, Object> compose = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(COMPOSE));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    Set<String> always = services.entrySet().stream().filter(e -> !((Map<String, Object>) e.getValue()).containsKey("profiles"))
        .map(Map.Entry::getKey).collect(Collectors.toSet());
    assertEquals(Set.of("postgres", "redis", "app1", "app2", "lb"), always);
    // The tracing profile: a collector (its config file beside the compose file) forwarding to Jaeger.
    Set<String> tracing = services.entrySet().stream()
        .filter(e -> ((List<String>) ((Map<String, Object>) e.getValue()).getOrDefault("profiles", List.of())).contains("tracing"))
        .map(Map.Entry::getKey).collect(Collectors.toSet());
    assertEquals(Set.of("otel-collector", "jaeger"), tracing);
    // The ha profile: a Redis replica and three Sentinels (their config beside the compose file), a PostgreSQL replica.
    Set<String> ha = services.entrySet().stream()
        .filter(e -> ((List<String>) ((Map<String, Object>) e.getValue()).getOrDefault("profiles", List.of())).contains("ha"))
        .map(Map.Entry::getKey).collect(Collectors.toSet());
    assertEquals(Set.of("redis-replica", "sentinel1", "sentinel2", "sentinel3", "postgres-replica"), ha);
    assertTrue(Files.readString(COMPOSE.getParent().resolve("sentinel.conf")).contains("sentinel monitor aurora redis 6379 2"));
    assertTrue(Files.isExecutable(COMPOSE.getParent().resolve("pg-primary-init.sh")));
    Map<String, Object> collector = new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(Files.readString(COMPOSE.getParent().resolve("otel-collector.yml")));
    assertTrue(collector.containsKey("receivers") && collector.containsKey("exporters") && collector.containsKey("service"));
    assertTrue(image(services, "postgres").startsWith("postgres:"), image(services, "postgres"));
    assertTrue(image(services, "redis").startsWith("redis:"), image(services, "redis"));
    assertTrue(image(services, "lb").startsWith("nginx:"), image(services, "lb"));

    Set<String> knownVariables = AppConfig.keys().stream().map(ConfigLoader::envName).collect(Collectors.toSet());
    for (String name : APPS) {
      Map<String, Object> app = (Map<String, Object>) services.get(name);
      Map<String, Object> build = (Map<String, Object>) app.get("build");
      assertNotNull(build, name + " is built from the repository");
      assertEquals("docker/Dockerfile", build.get("dockerfile"));
      assertTrue(Files.exists(COMPOSE.getParent().resolve((String) build.get("context")).resolve("pom.xml")),
          "the build context is the repository root");
      Map<String, Object> env = (Map<String, Object>) app.get("environment");
      for (String variable : env.keySet()) {
        assertTrue(knownVariables.contains(variable), name + ": unknown configuration variable " + variable);
      }
      assertEquals("true", env.get("BOOKING_CLUSTER_ENABLED"));
      assertEquals(name, env.get("BOOKING_NODE_NAME"));
      String members = (String) env.get("BOOKING_CLUSTER_MEMBERS");
      APPS.forEach(member -> assertTrue(members.contains(member + ":"), "members list " + member + ": " + members));
      assertTrue(((String) env.get("BOOKING_PG_URL")).startsWith("postgresql://"), "external PostgreSQL");
      assertTrue(((String) env.get("BOOKING_PG_URL")).contains("@postgres:"));
      assertTrue(((String) env.get("BOOKING_REDIS_URL")).startsWith("redis://redis:"), "external Redis");
      assertTrue(((String) env.get("BOOKING_JWT_SECRET")).startsWith("${BOOKING_JWT_SECRET:?"),
          "the shared JWT secret must be given, never defaulted");
      Map<String, Object> dependsOn = (Map<String, Object>) app.get("depends_on");
      assertTrue(dependsOn.keySet().containsAll(Set.of("postgres", "redis")));
      assertFalse(app.containsKey("ports"), name + " is reached through the load balancer only");
    }

    Map<String, Object> lb = (Map<String, Object>) services.get("lb");
    assertEquals(List.of("8080:8080"), lb.get("ports"));
    assertTrue(((List<String>) lb.get("volumes")).stream().anyMatch(v -> v.startsWith("./nginx.conf:")));
    String nginx = Files.readString(NGINX);
    APPS.forEach(app -> assertTrue(nginx.contains("server " + app + ":8080"), "nginx balances over " + app));
    // The nodes believe X-Forwarded-For from the lb alone, and the lb appends the address it saw.
    assertTrue(nginx.contains("X-Forwarded-For $proxy_add_x_forwarded_for"));
    Map<String, Object> lbNetwork = (Map<String, Object>) ((Map<String, Object>) lb.get("networks")).get("default");
    for (String name : APPS) {
      Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) services.get(name)).get("environment");
      assertEquals(lbNetwork.get("ipv4_address"), env.get("BOOKING_TRUSTED_PROXIES"), name + " trusts the lb");
    }
  }

  @Test
  void dockerfileBuildsInOneStageAndRunsOnAJreAsANonRootUser() throws IOException {
    List<List<String>> stages = new ArrayList<>();
    for (String line : Files.readAllLines(DOCKERFILE)) {
      String instruction = line.strip();
      if (instruction.isEmpty() || instruction.startsWith("#")) {
        continue;
      }
      if (instruction.toUpperCase().startsWith("FROM ")) {
        stages.add(new ArrayList<>());
      }
      assertFalse(stages.isEmpty(), "the Dockerfile starts with FROM");
      stages.get(stages.size() - 1).add(instruction);
    }
    assertTrue(stages.size() >= 2, "multi-stage build");
    List<String> build = stages.get(0);
    List<String> runtime = stages.get(stages.size() - 1);
    assertTrue(build.get(0).matches("(?i)FROM\\s+maven:\\S+\\s+AS\\s+build"), build.get(0));
    assertTrue(build.stream().anyMatch(i -> i.contains("mvn") && i.contains("package")), "the build stage packages the jar");
    String base = runtime.get(0).split("\\s+")[1];
    assertTrue(base.contains("jre"), "runs on a JRE image, not a JDK or Maven one: " + base);
    assertTrue(runtime.stream().anyMatch(i -> i.startsWith("COPY --from=build") && i.contains("aurora-booking.jar")));
    List<String> users = runtime.stream().filter(i -> i.toUpperCase().startsWith("USER ")).toList();
    assertEquals(1, users.size(), "one USER in the runtime stage");
    String user = users.get(0).substring(5).strip();
    assertFalse(Set.of("root", "0", "0:0").contains(user), "not root: " + user);
    assertTrue(runtime.indexOf(users.get(0)) < runtime.indexOf(runtime.stream()
        .filter(i -> i.startsWith("ENTRYPOINT")).findFirst().orElseThrow()), "USER comes before ENTRYPOINT");
    assertTrue(runtime.stream().anyMatch(i -> i.startsWith("ENTRYPOINT") && i.contains("aurora-booking.jar")));
    assertTrue(runtime.stream().anyMatch(i -> i.startsWith("EXPOSE") && i.contains("8080")));
  }

  @Test
  void theRuntimeStageTrainsTheClassArchiveItStartsWith() throws IOException, ClassNotFoundException {
    // Continuation lines joined: one instruction a line.
    List<String> instructions = List.of(Files.readString(DOCKERFILE).replaceAll("\\\\\n\\s*", " ").split("\n"));
    int runtimeFrom = 0;
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).strip().toUpperCase().startsWith("FROM ")) {
        runtimeFrom = i;
      }
    }
    List<String> runtime = instructions.subList(runtimeFrom, instructions.size());
    String training = runtime.stream().filter(i -> i.startsWith("RUN ") && i.contains("-XX:ArchiveClassesAtExit="))
        .findFirst().orElseThrow(() -> new AssertionError("no AppCDS training run in the runtime stage"));
    Matcher dump = Pattern.compile("-XX:ArchiveClassesAtExit=(\\S+).*\\s-cp\\s+(\\S+)\\s+(io\\.aurora\\.\\S+)").matcher(training);
    assertTrue(dump.find(), training);
    // The class it runs exists, and the archive is the one the service starts with, on the same jar path.
    Class.forName(dump.group(3));
    String entrypoint = runtime.stream().filter(i -> i.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
    assertTrue(entrypoint.contains("\"-XX:SharedArchiveFile=" + dump.group(1) + "\""), entrypoint);
    assertTrue(entrypoint.contains("\"-jar\", \"" + dump.group(2) + "\""), entrypoint);
    assertTrue(runtime.indexOf(training) > runtime.indexOf(runtime.stream()
        .filter(i -> i.startsWith("COPY --from=build")).findFirst().orElseThrow()), "trained on the copied jar");
  }

  @SuppressWarnings("unchecked")
  private static String image(Map<String, Object> services, String name) {
    return (String) ((Map<String, Object>) services.get(name)).get("image");
  }
}
