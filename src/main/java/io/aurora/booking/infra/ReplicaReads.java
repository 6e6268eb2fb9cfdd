package io.aurora.booking.infra;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * Where a read that may lag goes: to the read replica while {@link ReplicaState} says it is usable, else to
 * the primary. A replica read that fails with a fault (the replica stopped, a cut connection, a query cancelled
 * by a recovery conflict), or because the replica has not replayed the latest migration or grants yet, is run
 * again on the primary at once and marks the replica unreachable for this node
 * until its next probe answers, so the caller never sees the replica's failure. Without a replica every read
 * goes to the primary.
 *
 * <p>Only reads whose answer may be a little old belong here (admin analytics); a read that must see the
 * caller's own write, and every write and booking decision, use the primary pool directly (docs/operations.md).
 */
public final class ReplicaReads {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaReads.class);

  private final Pool primary;
  private final Pool replica;
  private final ReplicaState state;

  /** @param replica the replica's pool ({@link Clients#pgReadPool}), null when none is configured */
  public ReplicaReads(Pool primary, Pool replica, ReplicaState state) {
    this.primary = primary;
    this.replica = replica;
    this.state = state;
  }

  /** A table, column or privilege the query needs is not on the replica yet: undefined table or column, no privilege. */
  static boolean behindTheSchema(Throwable failure) {
    return failure instanceof PgException pg && pg.getSqlState() != null
        && switch (pg.getSqlState()) {
          case "42P01", "42703", "42501", "42883" -> true;
          default -> false;
        };
  }

  /** Runs {@code query} on the replica when it is usable, else (or should it fail with a fault) on the primary. */
  public <T> Future<T> read(Function<SqlClient, Future<T>> query) {
    if (replica == null) {
      return query.apply(primary);
    }
    if (!state.usable()) {
      state.fellBackToPrimary();
      return query.apply(primary);
    }
    return query.apply(replica).transform(ar -> {
      if (ar.succeeded()) {
        state.readFromReplica();
        return Future.succeededFuture(ar.result());
      }
      if (behindTheSchema(ar.cause())) {
        // The replica has not replayed the primary's latest migration or grants yet (a replica made or restarted
        // just now): the primary answers, and the replica serves again as soon as it has caught up.
        state.fellBackToPrimary();
        return query.apply(primary);
      }
      if (!Faults.isTransient(ar.cause())) {
        return Future.failedFuture(ar.cause());
      }
      if (state.unreachable()) {
        LOG.warn("PostgreSQL read replica failed a read ({}); reads go to the primary until it answers again",
            ar.cause().toString());
      }
      state.fellBackToPrimary();
      return query.apply(primary);
    });
  }
}
