package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Once a second, asks the read replica how far behind the primary it is and records the answer (or its
 * absence) in the node's {@link ReplicaState}: the lag gauge, and whether reads may go there. One instance per
 * node, deployed only with {@code pgReadUrl}, on a one-connection pool of its own.
 */
public final class ReplicaSampler extends VerticleBase {

  static final long SAMPLE_MILLIS = 1_000;
  private static final long PROBE_TIMEOUT_MILLIS = 2_000;
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSampler.class);

  /**
   * Seconds since the last transaction the replica replayed was committed on the primary, or 0 when it has
   * replayed all it received (an idle primary then does not look like lag) or is no replica at all (promoted).
   * Replay paused or slow with WAL waiting: the lag grows. Functions every role may call.
   */
  static final String LAG = """
      SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS lag""";

  private final ReplicaState state;
  private Pool pool;
  private long timer;
  private boolean sampling;

  public ReplicaSampler(ReplicaState state) {
    this.state = state;
  }

  @Override
  public Future<?> start() {
    AppConfig config = new AppConfig(config());
    pool = Clients.pgReadPool(vertx, config.with(Map.of("pgPoolSize", 1)), "booking-replica-sampler");
    timer = vertx.setPeriodic(0, SAMPLE_MILLIS, id -> sample());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return pool.close();
  }

  private void sample() {
    if (sampling) {
      return; // the previous probe still waits on a silent replica; its timeout ends it
    }
    sampling = true;
    pool.query(LAG).execute().timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          sampling = false;
          if (ar.succeeded()) {
            if (state.answered(ar.result().iterator().next().getDouble("lag"))) {
              LOG.info("PostgreSQL read replica answers ({} s behind): reads that may lag go to it again", state.lagSeconds());
            }
          } else if (state.unreachable()) {
            LOG.warn("PostgreSQL read replica does not answer ({}): reads go to the primary", ar.cause().toString());
          }
        });
  }
}
