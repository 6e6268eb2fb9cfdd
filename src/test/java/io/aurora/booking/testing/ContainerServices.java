package io.aurora.booking.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL and Redis in Docker containers (Testcontainers), for {@code BOOKING_TEST_SERVICES=testcontainers}.
 * Kept apart from {@link TestServices} so that the other modes never load a Testcontainers class. The
 * containers live as long as the test JVM (Testcontainers' Ryuk removes them after it).
 */
final class ContainerServices {

  static final String POSTGRES_IMAGE = "postgres:17-alpine";
  static final String REDIS_IMAGE = "redis:7-alpine";

  private ContainerServices() {
  }

  /** Whether Testcontainers finds a Docker engine that answers (it knows every way one may be set up). */
  static boolean dockerAnswers() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Starts both containers; returns {pgUrl, redisUrl}. Fails with what to do when there is no Docker. */
  static String[] start(boolean fast) {
    if (!dockerAnswers()) {
      throw new IllegalStateException(TestServices.SERVICES_ENV + "=testcontainers needs a Docker engine, and none "
          + "answered (Testcontainers looked at DOCKER_HOST, ~/.testcontainers.properties and the usual sockets). "
          + "Start Docker, or run the tests on the embedded servers (unset " + TestServices.SERVICES_ENV
          + ") or on servers of your own (" + TestServices.SERVICES_ENV + "=external with "
          + TestServices.PG_URL_ENV + " and " + TestServices.REDIS_URL_ENV + ").");
    }
    String flush = fast ? "off" : "on";
    PostgreSQLContainer<?> postgres = new PostgreSQLContainer<>(DockerImageName.parse(POSTGRES_IMAGE))
        .withUsername("postgres").withPassword("postgres").withDatabaseName("postgres")
        .withCommand("postgres", "-c", "max_connections=500", "-c", "fsync=" + flush, "-c", "synchronous_commit=" + flush);
    GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
        .withExposedPorts(6379)
        .withCommand("redis-server", "--save", "", "--appendonly", fast ? "no" : "yes", "--appendfsync", "always");
    postgres.start();
    redis.start();
    return new String[] {
        "postgresql://postgres:postgres@" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/postgres",
        "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379)};
  }
}
