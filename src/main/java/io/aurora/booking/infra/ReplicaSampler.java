package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Once a second, asks the read replica how far behind the primary it is and records the answer (or its
 * absence) in the node's {@link ReplicaState}: the lag gauge, and whether reads may go there. One instance per
 * node, deployed only with {@code pgReadUrl}, on one-connection pools of its own (primary and replica).
 */
public final class ReplicaSampler extends VerticleBase {

  static final long SAMPLE_MILLIS = 1_000;
  private static final long PROBE_TIMEOUT_MILLIS = 2_000;
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSampler.class);

  /** Where the primary's WAL ends now: what the replica must have replayed to be caught up. */
  static final String PRIMARY_WAL_END = "SELECT pg_current_wal_lsn()::text AS lsn";

  /**
   * 0 when the replica has replayed the primary's WAL up to {@code $1} (its end, read just before; null when the
   * primary did not answer: then up to what the replica received), or is no replica at all (promoted); else the
   * seconds since the last transaction it replayed was committed on the primary (since its own start when it
   * replayed none yet). Compared with the primary, a replica cut off from it shows its lag growing as soon as the
   * primary writes, where "replayed all it received" would call it caught up; an idle primary is no lag.
   * Functions every role may call.
   */
  static final String LAG = """
      SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= COALESCE($1::text::pg_lsn, pg_last_wal_receive_lsn()) THEN 0
                  ELSE EXTRACT(EPOCH FROM now() - COALESCE(pg_last_xact_replay_timestamp(), pg_postmaster_start_time()))
             END::float8 AS lag""";

  private final ReplicaState state;
  private Pool primary;
  private Pool pool;
  private long timer;
  private boolean sampling;

  public ReplicaSampler(ReplicaState state) {
    this.state = state;
  }

  @Override
  public Future<?> start() {
    AppConfig config = new AppConfig(config());
    AppConfig oneConnection = config.with(Map.of("pgPoolSize", 1));
    primary = Clients.pgPool(vertx, oneConnection, "booking-replica-sampler");
    pool = Clients.pgReadPool(vertx, oneConnection, "booking-replica-sampler");
    timer = vertx.setPeriodic(0, SAMPLE_MILLIS, id -> sample());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.join(primary.close(), pool.close());
  }

  private void sample() {
    if (sampling) {
      return; // the previous probe still waits on a silent replica; its timeout ends it
    }
    sampling = true;
    primary.query(PRIMARY_WAL_END).execute().timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .map(rows -> rows.iterator().next().getString("lsn"))
        .otherwise((String) null)
        .compose(primaryWalEnd -> pool.preparedQuery(LAG).execute(Tuple.of(primaryWalEnd))
            .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
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
