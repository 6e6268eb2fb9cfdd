package io.aurora.booking.notifications;

import io.aurora.booking.auth.Authentication;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Input;
import io.aurora.booking.http.Validated;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.Set;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * The admins' webhook endpoints: register (answers the signing secret, once), list, delete, a webhook's
 * deliveries, and replaying one delivery (same {@code webhook-id}, a fresh count of attempts).
 */
public final class WebhookRoutes {

  private final Pool pool;
  private final Authentication auth;
  private final ApiContract contract;
  private final WebhookTargets targets;

  public WebhookRoutes(Pool pool, Authentication auth, ApiContract contract, WebhookTargets targets) {
    this.pool = pool;
    this.auth = auth;
    this.contract = contract;
    this.targets = targets;
  }

  public void mount(Router router) {
    router.post("/api/admin/webhooks").handler(auth.admin()).handler(contract.validate("createWebhook")).handler(this::createWebhook);
    router.get("/api/admin/webhooks").handler(auth.admin()).handler(this::listWebhooks);
    router.delete("/api/admin/webhooks/:id").handler(auth.admin()).handler(contract.validate("deleteWebhook")).handler(this::deleteWebhook);
    router.get("/api/admin/webhooks/:id/deliveries").handler(auth.admin()).handler(contract.validate("webhookDeliveries"))
        .handler(this::deliveries);
    router.post("/api/admin/webhooks/:id/deliveries/:deliveryId/replay").handler(auth.admin())
        .handler(contract.validate("replayWebhookDelivery")).handler(this::replay);
  }

  private void createWebhook(RoutingContext ctx) {
    JsonObject body = Validated.of(ctx).body();
    String url = Input.string(body, "url", 1, 2000, true);
    Set<String> events = events(body);
    String secret = WebhookSignature.newSecret();
    targets.check(url)
        .recover(failure -> Future.failedFuture(failure instanceof WebhookTargets.RefusedTarget
            ? ErrorCode.VALIDATION_FAILED.error(failure.getMessage()) : failure))
        .compose(target -> pool.preparedQuery(NotificationSql.CREATE_WEBHOOK)
            .execute(Tuple.of(url, events.toArray(String[]::new), secret)))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new JsonObject().put("id", row.getLong("id")).put("url", url).put("events", new JsonArray(events.stream().toList()))
              .put("secret", secret).put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString());
        })
        .onSuccess(created -> sendJson(ctx, 201, created))
        .onFailure(ctx::fail);
  }

  /** The distinct, known event names of the body's {@code events}. */
  private static Set<String> events(JsonObject body) {
    Object raw = body.getValue("events");
    if (!(raw instanceof JsonArray array) || array.isEmpty()) {
      throw ErrorCode.VALIDATION_FAILED.error("'events' must be a non-empty array of event names");
    }
    Set<String> events = new LinkedHashSet<>();
    for (Object name : array) {
      if (!(name instanceof String s) || NotificationEvent.ofWireName(s).isEmpty()) {
        throw ErrorCode.VALIDATION_FAILED.error("'events' may only name booking.confirmed, booking.failed, booking.cancelled,"
            + " booking.waitlisted, booking.promoted");
      }
      events.add(s);
    }
    return events;
  }

  private void listWebhooks(RoutingContext ctx) {
    pool.query(NotificationSql.LIST_WEBHOOKS).execute()
        .map(rows -> {
          JsonArray hooks = new JsonArray();
          rows.forEach(row -> hooks.add(new JsonObject().put("id", row.getLong("id")).put("url", row.getString("url"))
              .put("events", new JsonArray(java.util.List.of(row.getArrayOfStrings("events"))))
              .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString())));
          return new JsonObject().put("webhooks", hooks);
        })
        .onSuccess(list -> sendJson(ctx, 200, list))
        .onFailure(ctx::fail);
  }

  private void deleteWebhook(RoutingContext ctx) {
    long id = Validated.of(ctx).pathId("id");
    pool.preparedQuery(NotificationSql.DELETE_WEBHOOK).execute(Tuple.of(id))
        .map(rows -> {
          if (rows.size() == 0) {
            throw ErrorCode.NOT_FOUND.error("No webhook " + id);
          }
          return new JsonObject().put("id", id).put("deleted", true);
        })
        .onSuccess(deleted -> sendJson(ctx, 200, deleted))
        .onFailure(ctx::fail);
  }

  private void deliveries(RoutingContext ctx) {
    long id = Validated.of(ctx).pathId("id");
    Validated request = Validated.of(ctx);
    int offset = request.queryInt("offset", 0);
    int limit = request.queryInt("limit", 50);
    pool.preparedQuery(NotificationSql.LIVE_WEBHOOK).execute(Tuple.of(id))
        .compose(live -> {
          if (live.size() == 0) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.error("No webhook " + id));
          }
          return pool.preparedQuery(NotificationSql.DELIVERIES).execute(Tuple.of(id, (long) limit, (long) offset));
        })
        .map(rows -> {
          JsonArray list = new JsonArray();
          rows.forEach(row -> list.add(new JsonObject()
              .put("id", row.getLong("id"))
              .put("webhookId", NotificationDispatcher.messageId(row.getLong("outbox_id")))
              .put("event", row.getString("event_type"))
              .put("status", row.getString("status"))
              .put("attempts", row.getInteger("attempts"))
              .put("nextAttemptAt", instant(row.getOffsetDateTime("next_attempt_at")))
              .put("lastStatus", row.getInteger("last_status"))
              .put("lastError", row.getString("last_error"))
              .put("createdAt", instant(row.getOffsetDateTime("created_at")))
              .put("deliveredAt", instant(row.getOffsetDateTime("delivered_at")))));
          return new JsonObject().put("deliveries", list).put("offset", offset).put("limit", limit);
        })
        .onSuccess(list -> sendJson(ctx, 200, list))
        .onFailure(ctx::fail);
  }

  private void replay(RoutingContext ctx) {
    long id = Validated.of(ctx).pathId("id");
    long deliveryId = Validated.of(ctx).pathId("deliveryId");
    pool.preparedQuery(NotificationSql.REPLAY).execute(Tuple.of(id, deliveryId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw ErrorCode.NOT_FOUND.error("No delivery " + deliveryId + " of webhook " + id);
          }
          return new JsonObject().put("id", deliveryId).put("status", "PENDING");
        })
        .onSuccess(replayed -> sendJson(ctx, 202, replayed))
        .onFailure(ctx::fail);
  }

  private static String instant(OffsetDateTime at) {
    return at == null ? null : at.toInstant().toString();
  }
}
