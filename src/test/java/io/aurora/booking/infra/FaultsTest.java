package io.aurora.booking.infra;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ConnectException;
import java.util.SplittableRandom;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failures are faults worth a retry, and how long a retry waits: pure rules, no servers. */
class FaultsTest {

  private static PgException pg(String sqlState) {
    return new PgException("server says no", "ERROR", sqlState, null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300", "08000", "08006", "08P01"})
  void serializationDeadlockShutdownAndConnectionStatesAreRetried(String sqlState) {
    assertTrue(Faults.isTransient(pg(sqlState)), sqlState);
  }

  @ParameterizedTest
  @ValueSource(strings = {"23505", "23514", "22001", "42P01", "42601", "XX000"})
  void constraintSyntaxAndInternalErrorsAreNotRetried(String sqlState) {
    assertFalse(Faults.isTransient(pg(sqlState)), sqlState);
  }

  @Test
  void aPostgresErrorWithoutStateIsNotRetried() {
    assertFalse(Faults.isTransient(pg(null)));
  }

  @Test
  void theFirstPostgresErrorInTheChainDecidesEvenUnderAnIoFault() {
    // A unique violation reported through a wrapper stays a business error...
    assertFalse(Faults.isTransient(new CompletionException(pg("23505"))));
    // ...and a deadlock wrapped twice is still a fault.
    assertTrue(Faults.isTransient(new RuntimeException(new CompletionException(pg("40P01")))));
  }

  @Test
  void ioFailuresAndTimeoutsAreFaultsWhereverTheyAreInTheChain() {
    assertTrue(Faults.isTransient(new IOException("broken pipe")));
    assertTrue(Faults.isTransient(new ConnectException("Connection refused")));
    assertTrue(Faults.isTransient(new TimeoutException()));
    assertTrue(Faults.isTransient(new IllegalStateException("step failed", new IOException("reset"))));
  }

  @Test
  void vertxClientFailuresAboutConnectionsPoolsAndTimeoutsAreFaults() {
    assertTrue(Faults.isTransient(new VertxException("Connection is closed")));
    assertTrue(Faults.isTransient(new VertxException("Timeout of 5000 ms exceeded")));
    assertTrue(Faults.isTransient(new VertxException("Redis is LOADING the dataset")));
    assertTrue(Faults.isTransient(new VertxException("BUSY Redis is busy running a script")));
    assertTrue(Faults.isTransient(new VertxException("pool closed")));
  }

  @Test
  void redisAnswersOfAFailoverUnderWayAreFaults() {
    // What a client meets between a master's death and its successor's election (Sentinel or Cluster).
    for (String reply : List.of("READONLY You can't write against a read only replica.",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        "TRYAGAIN Multiple keys request during rehashing of slot", "CLUSTERDOWN The cluster is down",
        "NOREPLICAS Not enough good replicas to write.")) {
      assertTrue(Faults.isTransient(io.vertx.redis.client.impl.types.ErrorType.create(reply)), reply);
    }
    assertFalse(Faults.isTransient(io.vertx.redis.client.impl.types.ErrorType.create("ERR value is not an integer")));
    assertFalse(Faults.isTransient(io.vertx.redis.client.impl.types.ErrorType.create("CROSSSLOT Keys in request don't hash to the same slot")),
        "a script touching two slots is a bug, not a fault to retry");
  }

  @Test
  void bugsAndBusinessErrorsAreNotFaults() {
    assertFalse(Faults.isTransient(new VertxException("ERR wrong number of arguments")));
    assertFalse(Faults.isTransient(new NullPointerException()));
    assertFalse(Faults.isTransient(new IllegalArgumentException("connection closed")),
        "the wording alone does not make a fault: only the clients' own exceptions are read");
    assertFalse(Faults.isTransient(null));
  }

  @Test
  void backoffStaysBetweenHalfAndAllOfTheExponentialCeiling() {
    RandomGenerator random = new SplittableRandom(1);
    for (int attempt = 0; attempt < 8; attempt++) {
      long ceiling = Math.min(2_000, 50L << attempt);
      for (int i = 0; i < 200; i++) {
        long delay = Faults.backoffMillis(attempt, 50, 2_000, random);
        assertTrue(delay >= ceiling / 2 && delay <= ceiling, "attempt " + attempt + ": " + delay);
      }
    }
  }

  @Test
  void backoffUsesTheWholeJitterRange() {
    assertEquals(100, Faults.backoffMillis(2, 50, 2_000, fixed(0)), "lowest: half of 50 * 2^2");
    assertEquals(200, Faults.backoffMillis(2, 50, 2_000, fixed(500)), "highest: all of 50 * 2^2");
  }

  @Test
  void backoffIsCappedAndNeverOverflowsForLateAttempts() {
    for (int attempt : new int[] {10, 20, 63, 64, 1_000, Integer.MAX_VALUE}) {
      long delay = Faults.backoffMillis(attempt, 50, 2_000, new SplittableRandom(attempt));
      assertTrue(delay >= 1_000 && delay <= 2_000, "attempt " + attempt + ": " + delay);
    }
  }

  @Test
  void aNegativeAttemptCountsAsTheFirst() {
    assertEquals(Faults.backoffMillis(0, 50, 2_000, fixed(5)), Faults.backoffMillis(-1, 50, 2_000, fixed(5)));
  }

  /** A generator whose bounded draws all return {@code value}. */
  private static RandomGenerator fixed(long value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return value;
      }

      @Override
      public long nextLong(long bound) {
        return Math.min(value, bound - 1);
      }
    };
  }
}
