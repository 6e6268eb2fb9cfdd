package io.aurora.booking.admin;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditAction;
import io.aurora.booking.audit.AuditEntry;
import io.aurora.booking.auth.Authentication;
import io.aurora.booking.auth.Caller;
import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.bookings.JobStatuses;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.CleanRequest;
import io.aurora.booking.bus.Messages.DetailsRequest;
import io.aurora.booking.bus.Messages.JobsQuery;
import io.aurora.booking.bus.Messages.PauseScope;
import io.aurora.booking.bus.Messages.RetryRequest;
import io.aurora.booking.bus.Messages.StatusRequest;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Input;
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
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

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
    router.get("/api/admin/queue/timeline").handler(ctx -> forward(ctx, Addresses.ADMIN_TIMELINE, null));
    router.get("/api/admin/queue/details").handler(contract.validate("queueDetails")).handler(this::queueDetails);
    router.post("/api/admin/queue/pause").handler(contract.validate("pauseQueue"))
        .handler(ctx -> forwardAudited(ctx, Addresses.ADMIN_PAUSE, pauseScope(ctx), AuditAction.QUEUE_PAUSED));
    router.post("/api/admin/queue/resume").handler(contract.validate("resumeQueue"))
        .handler(ctx -> forwardAudited(ctx, Addresses.ADMIN_RESUME, pauseScope(ctx), AuditAction.QUEUE_RESUMED));
    router.post("/api/admin/queue/clean").handler(contract.validate("cleanQueue")).handler(this::cleanQueue);
    router.get("/api/admin/analytics").handler(this::analytics);
    router.get("/api/admin/jobs").handler(contract.validate("findJobs")).handler(this::findJobs);
    router.get("/api/admin/jobs/internal").handler(contract.validate("internalJobs")).handler(this::internalJobs);
    router.get("/api/admin/jobs/:jobId").handler(contract.validate("adminJob")).handler(this::job);
    router.post("/api/admin/jobs/:jobId/retry").handler(contract.validate("retryJob")).handler(this::retryJob);
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

  /**
   * A user's newest jobs, found by the user's email: the live ones in the queue, the decided ones through the
   * database (no index is kept for this on the booking path).
   */
  private void findJobs(RoutingContext ctx) {
    String email = Input.normalEmail(ctx.queryParams().get("email"))
        .orElseThrow(() -> ErrorCode.VALIDATION_FAILED.error("'email' must be an email address"));
    int limit = Validated.of(ctx).queryInt("limit", 20);
    pool.preparedQuery(JobLookupSql.USER_BY_EMAIL).execute(Tuple.of(email))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.error("No user with that email"));
          }
          long userId = rows.iterator().next().getLong("id");
          return pool.preparedQuery(JobLookupSql.DECIDED_JOBS).execute(Tuple.of(userId, limit))
              .compose(decided -> {
                List<String> ids = new ArrayList<>();
                decided.forEach(row -> ids.add(row.getString("job_id")));
                return requests.<JobStatuses>send(Addresses.ADMIN_JOBS, new JobsQuery(userId, limit, ids));
              });
        })
        .onSuccess(found -> sendJobs(ctx, found))
        .onFailure(ctx::fail);
  }

  /** The jobs whose retries ran out (failed INTERNAL), newest first: what an operator may retry. */
  private void internalJobs(RoutingContext ctx) {
    requests.<JobStatuses>send(Addresses.ADMIN_JOBS, new JobsQuery(null, Validated.of(ctx).queryInt("limit", 50), List.of()))
        .onSuccess(found -> sendJobs(ctx, found))
        .onFailure(ctx::fail);
  }

  private static void sendJobs(RoutingContext ctx, JobStatuses found) {
    Caller caller = Authentication.caller(ctx);
    sendJson(ctx, 200, new JsonObject().put("jobs", new JsonArray(found.jobs().stream().map(job -> job.viewFor(caller)).toList())));
  }

  private void job(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    requests.<JobStatus>send(Addresses.STATUS, new StatusRequest(ctx.pathParam("jobId")))
        .onSuccess(job -> sendJson(ctx, 200, job.viewFor(caller)))
        .onFailure(ctx::fail);
  }

  /**
   * Puts a job that failed INTERNAL back at the front of its shard's line; its audit row (the job as retried)
   * follows the change in Redis, as the queue controls' do.
   */
  private void retryJob(RoutingContext ctx) {
    String jobId = ctx.pathParam("jobId");
    Caller caller = Authentication.caller(ctx);
    AuditEntry entry = AuditEntry.of(AuditAction.JOB_RETRIED, Authentication.audited(ctx)).target("job", jobId).job(jobId);
    requests.<JobStatus>send(Addresses.ADMIN_RETRY, new RetryRequest(jobId))
        .map(job -> job.viewFor(caller))
        .compose(view -> audit.append(pool, entry.event(view.getLong("eventId")).change(null, view)).map(view))
        .onSuccess(view -> sendJson(ctx, 200, view))
        .onFailure(ctx::fail);
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
            OffsetDateTime soldOutAt = row.getOffsetDateTime("sold_out_at");
            capacity.add(new JsonObject().put("id", row.getLong("id")).put("name", row.getString("name"))
                .put("venue", row.getString("venue")).put("startsAt", row.getOffsetDateTime("starts_at").toInstant().toString())
                .put("soldOutAt", soldOutAt == null ? null : soldOutAt.toInstant().toString())
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
