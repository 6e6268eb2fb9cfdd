package io.aurora.booking.admin;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditAction;
import io.aurora.booking.audit.AuditEntry;
import io.aurora.booking.auth.Authentication;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.CleanRequest;
import io.aurora.booking.bus.Messages.DetailsRequest;
import io.aurora.booking.bus.Messages.PauseScope;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.Validated;
import io.aurora.booking.infra.ReplicaReads;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * The operators' routes (ADMIN only): queue control through the queue verticle, the cluster's members and
 * shard owners through the shard ownership, and analytics.
 */
public final class AdminRoutes {

  private final Pool pool;
  private final ReplicaReads laggingReads;
  private final Requests requests;
  private final Authentication auth;
  private final ApiContract contract;
  private final Audit audit;

  /**
   * @param pool the primary: audit rows of the queue controls
   * @param laggingReads analytics, which may be a moment old: the read replica when there is one
   */
  public AdminRoutes(Pool pool, ReplicaReads laggingReads, Requests requests, Authentication auth, ApiContract contract,
                     Audit audit) {
    this.laggingReads = laggingReads;
    this.contract = contract;
    this.audit = audit;
    this.pool = pool;
    this.requests = requests;
    this.auth = auth;
  }

  public void mount(Router router) {
    router.route("/api/admin/*").handler(auth.admin());
    router.get("/api/admin/queue/stats").handler(ctx -> forward(ctx, Addresses.ADMIN_STATS, null));
    router.get("/api/admin/queue/details").handler(contract.validate("queueDetails")).handler(this::queueDetails);
    router.post("/api/admin/queue/pause").handler(contract.validate("pauseQueue"))
        .handler(ctx -> forwardAudited(ctx, Addresses.ADMIN_PAUSE, pauseScope(ctx), AuditAction.QUEUE_PAUSED));
    router.post("/api/admin/queue/resume").handler(contract.validate("resumeQueue"))
        .handler(ctx -> forwardAudited(ctx, Addresses.ADMIN_RESUME, pauseScope(ctx), AuditAction.QUEUE_RESUMED));
    router.post("/api/admin/queue/clean").handler(contract.validate("cleanQueue")).handler(this::cleanQueue);
    router.get("/api/admin/analytics").handler(this::analytics);
    router.get("/api/admin/cluster").handler(ctx -> forward(ctx, Addresses.CLUSTER_STATUS, null));
  }

  /** Asks the node's queue (or shard ownership) and answers with the JSON it returns. */
  private void forward(RoutingContext ctx, String address, Object body) {
    requests.<JsonObject>send(address, body)
        .onSuccess(reply -> sendJson(ctx, 200, reply))
        .onFailure(ctx::fail);
  }

  /**
   * A queue control: done in Redis, then its audit row (the queue's answer as "after") before the answer. Should
   * the row not be written, the control stands but the caller gets an error, and sees it in the log's absence.
   */
  private void forwardAudited(RoutingContext ctx, String address, Object body, AuditAction action) {
    Long eventId = body instanceof PauseScope scope ? scope.eventId() : null;
    AuditEntry entry = AuditEntry.of(action, Authentication.audited(ctx))
        .target(eventId == null ? "queue" : "event", eventId == null ? "all" : eventId).event(eventId);
    requests.<JsonObject>send(address, body)
        .compose(reply -> audit.append(pool, entry.change(null, reply)).map(reply))
        .onSuccess(reply -> sendJson(ctx, 200, reply))
        .onFailure(ctx::fail);
  }

  private void queueDetails(RoutingContext ctx) {
    Validated request = Validated.of(ctx);
    forward(ctx, Addresses.ADMIN_DETAILS, new DetailsRequest(request.queryInt("offset", 0), request.queryInt("limit", 50)));
  }

  private static PauseScope pauseScope(RoutingContext ctx) {
    return new PauseScope(Validated.of(ctx).queryId("eventId"));
  }

  private void cleanQueue(RoutingContext ctx) {
    int olderThan = Validated.of(ctx).queryInt("olderThan", 3_600);
    forwardAudited(ctx, Addresses.ADMIN_CLEAN, new CleanRequest(olderThan), AuditAction.QUEUE_CLEANED);
  }

  /** Figures for operators, which may be as old as the replica's lag (at most {@code pgReadMaxLagSeconds}). */
  private void analytics(RoutingContext ctx) {
    laggingReads.read(db -> Future.all(db.query(AnalyticsSql.TOTALS).execute(), db.query(AnalyticsSql.MOST_VIEWED).execute(),
            db.query(AnalyticsSql.UTILISATION).execute()))
        .map(all -> {
          Row t = all.<RowSet<Row>>resultAt(0).iterator().next();
          JsonArray mostViewed = new JsonArray();
          all.<RowSet<Row>>resultAt(1).forEach(row -> mostViewed.add(new JsonObject()
              .put("id", row.getLong("id")).put("name", row.getString("name")).put("impressions", row.getLong("impressions"))));
          JsonArray capacity = new JsonArray();
          all.<RowSet<Row>>resultAt(2).forEach(row -> {
            int cap = row.getInteger("capacity");
            int booked = row.getInteger("booked");
            capacity.add(new JsonObject().put("id", row.getLong("id")).put("name", row.getString("name"))
                .put("capacity", cap).put("booked", booked).put("seatsLeft", cap - booked)
                .put("waitlisted", row.getLong("waitlisted"))
                .put("utilisation", cap == 0 ? 0.0 : Math.round(booked * 1000.0 / cap) / 10.0));
          });
          return new JsonObject()
              .put("bookings", new JsonObject().put("confirmed", t.getLong("confirmed"))
                  .put("cancelled", t.getLong("cancelled")).put("seatsConfirmed", t.getLong("seats")))
              .put("mostViewed", mostViewed)
              .put("capacityUtilisation", capacity);
        })
        .onSuccess(body -> sendJson(ctx, 200, body))
        .onFailure(ctx::fail);
  }
}
