package io.aurora.booking.auth;

import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Validated;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * Admins disable and enable accounts. A disabled account cannot log in (403 {@code ACCOUNT_DISABLED}) or
 * refresh, and every token it holds is refused at once on every node (its token generation is raised, as
 * for a deletion); enabling it lets it log in again, its old tokens staying refused.
 */
public record AccountAdminRoutes(Pool pool, Authentication auth, Revocations revocations, ApiContract contract) {

  /** Guarded here (ADMIN), whatever the order in which the admin feature mounts its own guard. */
  public void mount(Router router) {
    router.post("/api/admin/users/:id/disable").handler(auth.admin()).handler(contract.validate("disableUser")).handler(this::disable);
    router.post("/api/admin/users/:id/enable").handler(auth.admin()).handler(contract.validate("enableUser")).handler(this::enable);
  }

  private void disable(RoutingContext ctx) {
    long userId = Validated.of(ctx).pathId("id");
    if (userId == Authentication.caller(ctx).id()) {
      // An admin locking themselves out would need another admin (or a restart with adminPassword) to get back.
      ctx.fail(ErrorCode.CONFLICT.error("An admin cannot disable their own account"));
      return;
    }
    pool.withTransaction(conn -> conn.preparedQuery(UserSql.DISABLE).execute(Tuple.of(userId))
            .compose(AccountAdminRoutes::theAccount)
            .compose(row -> Sessions.revokeAll(conn, userId, Sessions.Revocation.ACCOUNT_DISABLED).map(row)))
        .onSuccess(row -> {
          revocations.revoked(userId, row.getInteger("token_generation"));
          sendJson(ctx, 200, state(row, true));
        })
        .onFailure(ctx::fail);
  }

  private void enable(RoutingContext ctx) {
    long userId = Validated.of(ctx).pathId("id");
    pool.preparedQuery(UserSql.ENABLE).execute(Tuple.of(userId))
        .compose(AccountAdminRoutes::theAccount)
        .onSuccess(row -> sendJson(ctx, 200, state(row, false)))
        .onFailure(ctx::fail);
  }

  /** The one row an update by id returned; none: there is no such (undeleted) account. */
  private static Future<Row> theAccount(RowSet<Row> rows) {
    return rows.size() == 0 ? Future.failedFuture(ErrorCode.NOT_FOUND.error("No such account"))
        : Future.succeededFuture(rows.iterator().next());
  }

  private static JsonObject state(Row row, boolean disabled) {
    JsonObject state = new JsonObject().put("id", row.getLong("id")).put("disabled", disabled);
    if (disabled) {
      state.put("disabledAt", row.getOffsetDateTime("disabled_at").toInstant().toString());
    }
    return state;
  }
}
