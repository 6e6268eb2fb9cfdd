package io.aurora.booking.testing;

import io.aurora.booking.testing.TestServices.Mode;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Where the test servers come from, decided from the environment alone; and the container path without Docker. */
class TestServicesSelectionTest {

  private static final String PG = "postgresql://postgres@db.example:5432/postgres";
  private static final String REDIS = "redis://cache.example:6379";
  private static final BooleanSupplier NO_DOCKER = () -> false;
  private static final BooleanSupplier DOCKER = () -> true;
  /** For choices that must not even look for Docker (a look can take seconds). */
  private static final BooleanSupplier NOT_ASKED = () -> {
    throw new AssertionError("Docker was looked for");
  };

  @Test
  void nothingSetMeansEmbeddedWithoutDockerAndContainersWithIt() {
    assertEquals(Mode.EMBEDDED, TestServices.choose(Map.of(), NO_DOCKER));
    assertEquals(Mode.TESTCONTAINERS, TestServices.choose(Map.of(), DOCKER));
    assertEquals(Mode.EMBEDDED, TestServices.choose(Map.of(TestServices.SERVICES_ENV, " "), NO_DOCKER));
  }

  @Test
  void serverUrlsMeanExternalEvenOnlyOneOfThem() {
    assertEquals(Mode.EXTERNAL, TestServices.choose(Map.of(TestServices.PG_URL_ENV, PG, TestServices.REDIS_URL_ENV, REDIS), NOT_ASKED));
    assertEquals(Mode.EXTERNAL, TestServices.choose(Map.of(TestServices.PG_URL_ENV, PG), NOT_ASKED));
    assertEquals(Mode.EXTERNAL, TestServices.choose(Map.of(TestServices.REDIS_URL_ENV, REDIS), NOT_ASKED));
    assertEquals(Mode.EMBEDDED, TestServices.choose(Map.of(TestServices.PG_URL_ENV, ""), NO_DOCKER), "a blank URL is no URL");
  }

  @Test
  void anExplicitModeWinsWhateverElseIsSetAndInAnyCase() {
    Map<String, String> urls = Map.of(TestServices.PG_URL_ENV, PG, TestServices.REDIS_URL_ENV, REDIS);
    assertEquals(Mode.EMBEDDED, TestServices.choose(with(urls, "embedded"), NOT_ASKED));
    assertEquals(Mode.TESTCONTAINERS, TestServices.choose(with(urls, "TestContainers"), NOT_ASKED));
    assertEquals(Mode.EXTERNAL, TestServices.choose(with(urls, "EXTERNAL"), NOT_ASKED));
    assertEquals(Mode.TESTCONTAINERS, TestServices.choose(Map.of(TestServices.SERVICES_ENV, "testcontainers"), NOT_ASKED),
        "asked for explicitly, the containers are tried even where no Docker was seen: they fail with a clear message");
  }

  @Test
  void anUnknownModeIsRefusedNamingTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TestServices.choose(Map.of(TestServices.SERVICES_ENV, "docker"), NOT_ASKED));
    assertTrue(e.getMessage().contains("embedded, external, testcontainers"), e.getMessage());
  }

  @Test
  void externalWithoutBothUrlsIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TestServices.choose(Map.of(TestServices.SERVICES_ENV, "external", TestServices.PG_URL_ENV, PG), NOT_ASKED));
    assertTrue(e.getMessage().contains(TestServices.REDIS_URL_ENV), e.getMessage());
  }

  @Test
  void withoutAnyDockerHintTestcontainersIsNotEvenAsked() {
    // No DOCKER_HOST and no socket in this XDG_RUNTIME_DIR: the cheap look says no without Testcontainers.
    assumeFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock")), "this machine has a Docker socket");
    assertEquals(false, TestServices.dockerAnswers(Map.of("XDG_RUNTIME_DIR", "/nonexistent-runtime-dir")));
  }

  @Test
  void theContainerPathWithoutDockerFailsSayingWhatToDo() {
    assumeFalse(ContainerServices.dockerAnswers(), "a Docker engine answers here: the containers would start");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ContainerServices.start(true));
    assertTrue(e.getMessage().contains("needs a Docker engine"), e.getMessage());
    assertTrue(e.getMessage().contains(TestServices.SERVICES_ENV), e.getMessage());
    assertTrue(e.getMessage().contains(TestServices.PG_URL_ENV), e.getMessage());
  }

  private static Map<String, String> with(Map<String, String> env, String mode) {
    Map<String, String> out = new java.util.HashMap<>(env);
    out.put(TestServices.SERVICES_ENV, mode);
    return out;
  }
}
