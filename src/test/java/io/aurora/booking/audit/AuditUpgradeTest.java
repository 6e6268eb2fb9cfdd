package io.aurora.booking.audit;

import io.aurora.booking.infra.Migrations;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A database whose audit rows were chained by the V7 trigger, upgraded to V8's audit_append: the rows written
 * after the upgrade continue the same chains, and the whole of each chain verifies (the hash definition did
 * not change).
 */
@ExtendWith(VertxExtension.class)
class AuditUpgradeTest {

  @Test
  void rowsChainedBeforeAndAfterTheUpgradeVerifyAsOneChain(Vertx vertx) {
    Map<String, String> urls = TestServices.roleUrls(TestServices.get().newDatabase());
    String appUrl = urls.get("pgUrl");
    String ownerUrl = urls.get("pgMigrationUrl");
    Migrations.migrate(ownerUrl, appUrl, "7");
    Pool app = pool(vertx, appUrl);
    Pool owner = pool(vertx, ownerUrl);
    try {
      // V7: the app role inserts, the per-row trigger chains; two statements, one of two rows.
      await(app.query("INSERT INTO audit_log (chain, action) VALUES ('api', 'queue.paused')").execute());
      await(app.query("INSERT INTO audit_log (chain, action, after) VALUES ('shard-1', 'booking.decided', '{\"seats\": 1}'), "
          + "('shard-1', 'booking.decided', '{\"b\": \"x\", \"a\": [1, 2.50]}')").execute());

      Migrations.migrate(ownerUrl, appUrl);
      // From V8 on the app role appends only through audit_append.
      PgException refused = assertThrows(PgException.class,
          () -> await(app.query("INSERT INTO audit_log (chain, action) VALUES ('api', 'queue.paused')").execute()));
      assertEquals("42501", refused.getSqlState());
      AuditContext system = AuditContext.SYSTEM;
      await(app.withTransaction(conn -> Audit.ON.append(conn, "api", List.of(AuditEntry.of(AuditAction.QUEUE_RESUMED, system)))
          .compose(v -> Audit.ON.append(conn, "shard-1", List.of(
              AuditEntry.of(AuditAction.BOOKING_DECIDED, system).event(7L).job("1-abc"),
              AuditEntry.of(AuditAction.BOOKING_DECIDED, system).event(7L).job("1-def"))))));

      List<Row> chains = new ArrayList<>();
      await(owner.query(AuditSql.VERIFY).execute()).forEach(chains::add);
      assertEquals(2, chains.size());
      for (Row chain : chains) {
        String name = chain.getString("chain");
        assertEquals(name.equals("api") ? 2 : 4, chain.getLong("rows"), name);
        assertEquals(chain.getLong("rows"), chain.getLong("last_seq"), name);
        assertNull(chain.getString("fault"), name + " breaks at seq " + chain.getLong("broken_seq"));
        assertFalse(chain.getBoolean("head_mismatch"), name);
      }
    } finally {
      await(app.close());
      await(owner.close());
    }
  }

  private static Pool pool(Vertx vertx, String url) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
  }
}
