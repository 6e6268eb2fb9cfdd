package io.aurora.booking.audit;

import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Validated;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * The audit log for operators (ADMIN; the root mounts the admin check on {@code /api/admin/*}): a filtered,
 * keyset-paginated listing, the same as a streamed JSON-lines export, and the chains' verification.
 */
public final class AuditRoutes {

  private static final int EXPORT_PAGE = 1_000;

  private final Pool pool;
  private final ApiContract contract;
  private final Handler<RoutingContext> admin;

  /** @param admin the handler that lets ADMIN callers through (the feature that knows callers provides it) */
  public AuditRoutes(Pool pool, Handler<RoutingContext> admin, ApiContract contract) {
    this.pool = pool;
    this.admin = admin;
    this.contract = contract;
  }

  public void mount(Router router) {
    router.get("/api/admin/audit").handler(admin).handler(contract.validate("listAudit")).handler(this::list);
    router.get("/api/admin/audit/export").handler(admin).handler(contract.validate("exportAudit")).handler(this::export);
    router.get("/api/admin/audit/verify").handler(admin).handler(contract.validate("verifyAudit")).handler(this::verify);
  }

  /** The query's filters and where the page starts. */
  private record Filter(Long actor, Long event, String action, Instant from, Instant to) {

    Tuple page(Long before, int limit) {
      return Tuple.tuple().addValue(actor).addValue(event).addValue(action)
          .addValue(from == null ? null : from.atOffset(java.time.ZoneOffset.UTC))
          .addValue(to == null ? null : to.atOffset(java.time.ZoneOffset.UTC)).addValue(before).addValue(limit);
    }
  }

  /** The document checks ids, the action (an enum) and the limit; the instants are parsed here. */
  private static Filter filter(RoutingContext ctx) {
    Validated request = Validated.of(ctx);
    return new Filter(request.queryId("actor"), request.queryId("event"), ctx.queryParams().get("action"),
        queryInstant(ctx, "from"), queryInstant(ctx, "to"));
  }

  private void list(RoutingContext ctx) {
    Filter filter = filter(ctx);
    Long cursor = Validated.of(ctx).queryId("cursor");
    int limit = Validated.of(ctx).queryInt("limit", 100);
    pool.preparedQuery(AuditSql.PAGE).execute(filter.page(cursor, limit))
        .map(rows -> {
          JsonArray entries = new JsonArray();
          rows.forEach(row -> entries.add(json(row)));
          Long last = entries.isEmpty() ? null : entries.getJsonObject(entries.size() - 1).getLong("id");
          return new JsonObject().put("entries", entries)
              .put("next", rows.size() < limit || last == null ? null : Long.toString(last));
        })
        .onSuccess(body -> sendJson(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  /** One JSON object per line, newest first, page by page, each page written once the client took the last. */
  private void export(RoutingContext ctx) {
    Filter filter = filter(ctx);
    HttpServerResponse response = ctx.response();
    pool.preparedQuery(AuditSql.PAGE).execute(filter.page(null, EXPORT_PAGE))
        .onSuccess(first -> {
          response.setChunked(true).putHeader("Content-Type", "text/plain; charset=utf-8");
          writePages(response, filter, first).onComplete(done -> {
            if (done.succeeded()) {
              response.end();
            } else {
              // The status line is gone: all that is left is to cut the stream, so the client sees it incomplete.
              response.reset();
            }
          });
        })
        .onFailure(ctx::fail);
  }

  private Future<Void> writePages(HttpServerResponse response, Filter filter, RowSet<Row> page) {
    if (page.size() == 0) {
      return Future.succeededFuture();
    }
    Buffer lines = Buffer.buffer();
    long last = 0;
    for (Row row : page) {
      lines.appendBuffer(json(row).toBuffer()).appendByte((byte) '\n');
      last = row.getLong("id");
    }
    Future<Void> written = response.write(lines);
    if (page.size() < EXPORT_PAGE) {
      return written;
    }
    long before = last;
    return written.compose(v -> pool.preparedQuery(AuditSql.PAGE).execute(filter.page(before, EXPORT_PAGE)))
        .compose(next -> writePages(response, filter, next));
  }

  private void verify(RoutingContext ctx) {
    pool.withTransaction(conn -> conn.query(AuditSql.VERIFY_TIMEOUT).execute()
            .compose(v -> conn.query(AuditSql.VERIFY).execute()))
        .map(AuditRoutes::verdict)
        .onSuccess(body -> sendJson(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  /** {"valid", "rows", "chains": [...], "firstBroken"}: firstBroken is the first broken row of the first broken chain. */
  static JsonObject verdict(RowSet<Row> rows) {
    JsonArray chains = new JsonArray();
    List<JsonObject> broken = new ArrayList<>();
    long total = 0;
    for (Row row : rows) {
      JsonObject chain = new JsonObject().put("chain", row.getString("chain")).put("rows", row.getLong("rows"))
          .put("firstSeq", row.getLong("first_seq")).put("lastSeq", row.getLong("last_seq")).put("headSeq", row.getLong("head_seq"))
          .put("valid", row.getString("fault") == null && !row.getBoolean("head_mismatch"));
      total += row.getLong("rows");
      if (row.getString("fault") != null) {
        chain.put("firstBroken", new JsonObject().put("chain", row.getString("chain")).put("seq", row.getLong("broken_seq"))
            .put("id", row.getLong("broken_id")).put("fault", row.getString("fault")));
        broken.add(chain.getJsonObject("firstBroken"));
      } else if (row.getBoolean("head_mismatch")) {
        chain.put("firstBroken", new JsonObject().put("chain", row.getString("chain")).put("seq", row.getLong("last_seq"))
            .putNull("id").put("fault", "head"));
        broken.add(chain.getJsonObject("firstBroken"));
      }
      chains.add(chain);
    }
    return new JsonObject().put("valid", broken.isEmpty()).put("rows", total).put("chains", chains)
        .put("firstBroken", broken.isEmpty() ? null : broken.get(0));
  }

  private static JsonObject json(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("at", row.getOffsetDateTime("at").toInstant().toString())
        .put("chain", row.getString("chain"))
        .put("seq", row.getLong("seq"))
        .put("actorId", row.getLong("actor_id"))
        .put("actorRole", row.getString("actor_role"))
        .put("action", row.getString("action"))
        .put("targetType", row.getString("target_type"))
        .put("targetId", row.getString("target_id"))
        .put("eventId", row.getLong("event_id"))
        .put("jobId", row.getString("job_id"))
        .put("clientIp", row.getString("client_ip"))
        .put("requestId", row.getString("request_id"))
        .put("before", row.getJsonObject("before"))
        .put("after", row.getJsonObject("after"))
        .put("prevHash", row.getString("prev_hash"))
        .put("hash", row.getString("hash"));
  }

  private static Instant queryInstant(RoutingContext ctx, String name) {
    String raw = ctx.queryParams().get(name);
    if (raw == null) {
      return null;
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + name + "' must be an ISO-8601 instant, e.g. 2026-01-31T12:00:00Z");
    }
  }
}
