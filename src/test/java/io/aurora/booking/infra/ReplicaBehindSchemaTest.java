package io.aurora.booking.infra;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica that has not replayed the primary's migrations or grants yet (made or restarted just before the
 * service migrated) refuses a read with "no such table" or "permission denied": the read is answered by the
 * primary, not failed. Played with a real database standing in for such a replica: one the app role can
 * reach that holds none of the schema.
 */
@ExtendWith(VertxExtension.class)
class ReplicaBehindSchemaTest {

  @Test
  void aReadTheReplicaCannotAnswerYetIsAnsweredByThePrimary(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx)) {
      long eventId = app.createEvent(7);
      // The same role as the service, on a database without the migrations: what a replica behind them is.
      String behind = TestServices.roleUrls(TestServices.get().newDatabase()).get("pgUrl");
      Pool replica = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(PgConnectOptions.fromUri(behind))
          .using(vertx).build();
      try {
        ReplicaState state = new ReplicaState(30);
        assertTrue(state.answered(0), "the replica answered its probe in time");
        ReplicaReads reads = new ReplicaReads(app.db, replica, state);
        long capacity = await(reads.read(client -> client.preparedQuery("SELECT capacity FROM events WHERE id = $1")
            .execute(io.vertx.sqlclient.Tuple.of(eventId)).map(rows -> rows.iterator().next().getLong(0))));
        assertEquals(7, capacity);
        assertEquals(1.0, state.primaryFallbacks());
        assertTrue(state.usable(), "a replica behind the schema is not marked unreachable: it catches up by itself");
      } finally {
        await(replica.close());
      }
    }
  }
}
