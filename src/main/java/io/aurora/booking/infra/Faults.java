package io.aurora.booking.infra;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

/**
 * Tells faults of our dependencies (worth a retry, or a 503) from everything else. A fault says nothing
 * about the business outcome: the same request may well succeed a moment later.
 */
public final class Faults {

  /** SQLSTATEs that mean "try again": serialization failure, deadlock, lock timeout, shutdown, too many connections. */
  private static final Set<String> TRANSIENT_SQL_STATES = Set.of("40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300");

  /**
   * Redis error replies that mean "try again" (a failover under way, a node loading or demoted): READONLY from
   * an old master the client still holds, MASTERDOWN from a replica cut from its master, TRYAGAIN and
   * CLUSTERDOWN from a cluster resharding or electing, NOREPLICAS from min-replicas-to-write.
   */
  private static final Set<String> TRANSIENT_REDIS_ERRORS = Set.of("READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
      "NOREPLICAS", "LOADING");

  private Faults() {
  }

  public static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof PgException pg) {
        String state = pg.getSqlState();
        return state != null && (TRANSIENT_SQL_STATES.contains(state) || state.startsWith("08"));
      }
      if (t instanceof IOException || t instanceof TimeoutException) {
        return true;
      }
      String raw = String.valueOf(t.getMessage());
      if (t.getClass().getName().startsWith("io.vertx.redis")
          && (TRANSIENT_REDIS_ERRORS.contains(raw.split(" ", 2)[0]) || t.getClass().getSimpleName().equals("RedisConnectException"))) {
        return true;
      }
      String message = raw.toLowerCase();
      if (t instanceof VertxException || t.getClass().getName().startsWith("io.vertx")
          || t.getClass().getName().startsWith("io.netty")) {
        if (message.contains("closed") || message.contains("connect") || message.contains("timeout")
            || message.contains("timed out") || message.contains("pool") || message.contains("loading")
            || message.contains("busy") || message.contains("refused")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * How long to wait before retry {@code attempt} (0 for the first): exponential backoff with jitter,
   * between half and all of {@code baseMillis * 2^attempt}, never more than {@code capMillis}. The jitter
   * keeps workers that failed together from retrying together.
   */
  public static long backoffMillis(int attempt, long baseMillis, long capMillis, RandomGenerator random) {
    long ceiling = Math.min(capMillis, baseMillis << Math.min(Math.max(attempt, 0), 20));
    return ceiling / 2 + random.nextLong(ceiling / 2 + 1);
  }
}
