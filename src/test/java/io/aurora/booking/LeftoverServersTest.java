package io.aurora.booking;

import io.aurora.booking.testing.JarProcess;
import io.aurora.booking.testing.TestServices;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After a {@code kill -9} of the JVM alone, its PostgreSQL and Redis keep running on the data directory.
 * The next start of the fat jar must succeed the first time, stop those leftovers first (so that two Redis
 * never append to one AOF), and leave exactly one of each running; a graceful stop then takes them with it.
 */
@Tag("crash")
class LeftoverServersTest {

  @TempDir
  Path work;

  @Test
  void theNextStartAfterAKilledJvmStopsItsLeftoverServersAndSucceedsFirstTime() throws IOException {
    Path dataDir = work.resolve("data");
    int port = TestServices.freePort();
    Map<String, String> env = Map.of("BOOKING_ADMIN_PASSWORD", "leftover-admin-password", "BOOKING_BCRYPT_COST", "4");
    JarProcess first = JarProcess.start(dataDir, port, env, work.resolve("first.log"));
    first.awaitReady(Duration.ofSeconds(120));
    ProcessHandle oldPostgres = first.postgres().orElseThrow();
    ProcessHandle oldRedis = first.redis().orElseThrow();

    first.kill();
    assertTrue(oldPostgres.isAlive() && oldRedis.isAlive(), "the killed JVM left its servers behind");

    JarProcess second = JarProcess.start(dataDir, port, env, work.resolve("second.log"));
    second.awaitReady(Duration.ofSeconds(60));
    assertFalse(oldPostgres.isAlive(), "the leftover PostgreSQL was stopped");
    assertFalse(oldRedis.isAlive(), "the leftover Redis was stopped");
    ProcessHandle postgres = second.postgres().orElseThrow();
    ProcessHandle redis = second.redis().orElseThrow();
    assertNotEquals(oldPostgres.pid(), postgres.pid());
    assertNotEquals(oldRedis.pid(), redis.pid());
    assertEquals(List.of(redis.pid()), serversWorkingIn(dataDir.resolve("redis"), "redis-server"), "one Redis on the AOF");
    assertTrue(serversWorkingIn(dataDir.resolve("postgres"), "postgres").contains(postgres.pid()));

    second.stop();
    assertFalse(postgres.isAlive() || redis.isAlive(), "a graceful stop takes the servers with it");
    assertEquals(List.of(), serversWorkingIn(dataDir.resolve("redis"), "redis-server"));
    assertEquals(List.of(), serversWorkingIn(dataDir.resolve("postgres"), "postgres"));
  }

  /** Pids of live processes running {@code executable} with {@code dir} as working directory (Linux /proc). */
  private static List<Long> serversWorkingIn(Path dir, String executable) throws IOException {
    Path real = dir.toRealPath();
    return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.contains(executable)).orElse(false))
        .filter(p -> {
          try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).equals(real);
          } catch (IOException e) {
            return false;
          }
        })
        .map(ProcessHandle::pid).toList();
  }
}
