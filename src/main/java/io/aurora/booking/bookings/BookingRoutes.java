package io.aurora.booking.bookings;

import io.aurora.booking.auth.Authentication;
import io.aurora.booking.auth.Caller;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.EnqueueReply;
import io.aurora.booking.bus.Messages.EnqueueRequest;
import io.aurora.booking.bus.Messages.StatusRequest;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.events.EventCache;
import io.aurora.booking.events.EventSummary;
import io.aurora.booking.http.ApiException;
import io.aurora.booking.events.SeatsReturned;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Input;
import io.aurora.booking.http.Validated;
import io.aurora.booking.limits.ClientAddress;
import io.aurora.booking.limits.RateLimiter;
import io.aurora.booking.limits.Throttle;
import io.aurora.booking.notifications.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.regex.Pattern;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * The user's side of booking. A booking request never touches PostgreSQL: it is checked against the
 * event cache and handed to the queue, and answered 202 with a job to follow.
 */
public final class BookingRoutes {

  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("^[\\x21-\\x7E]{1,128}$");

  private final AppConfig config;
  private final Pool pool;
  private final EventCache events;
  private final Requests requests;
  private final SeatLedger ledger;
  private final Authentication auth;
  private final ApiContract contract;
  private final RateLimiter limiter;
  private final ClientAddress clients;

  /**
   * {@code seatsReturned} is told of every cancellation, inside its transaction (the sold-out fast path stops);
   * {@code outbox} gets its notification in the same transaction.
   */
  public BookingRoutes(AppConfig config, Pool pool, EventCache events, Requests requests, Authentication auth,
                       SeatsReturned seatsReturned, Outbox outbox, RateLimiter limiter, ClientAddress clients,
                       ApiContract contract) {
    this.contract = contract;
    this.config = config;
    this.pool = pool;
    this.events = events;
    this.requests = requests;
    this.auth = auth;
    this.limiter = limiter;
    this.clients = clients;
    this.ledger = new SeatLedger(pool, config.maxBookingsPerUserPerEvent(), seatsReturned, outbox);
  }

  public void mount(Router router) {
    // The hot path keeps its hand check (Input): vertx-openapi validates on a worker thread, two thread hops
    // and about 200 times the hand check's cost per request (docs/performance.md, "Request validation").
    // The status poll has no input beyond a free-form job id, so it skips the hops too.
    router.post("/api/bookings/:eventId/book").handler(auth.user()).handler(this::bookSeats);
    router.get("/api/bookings/status/:jobId").handler(auth.optional()).handler(this::jobStatus);
    router.get("/api/bookings/history").handler(auth.user()).handler(contract.validate("bookingHistory"))
        .handler(this::bookingHistory);
    router.delete("/api/bookings/:id/cancel").handler(auth.user()).handler(contract.validate("cancelBooking"))
        .handler(this::cancelBooking);
  }

  private void bookSeats(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    long eventId = Input.pathId(ctx, "eventId");
    JsonObject body = Input.jsonBody(ctx, true);
    Integer requested = Input.integer(body, "seats", 1, config.maxSeatsPerOrder(), false);
    int seats = requested == null ? 1 : requested;
    String idempotencyKey = ctx.request().getHeader("Idempotency-Key");
    if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      throw ErrorCode.VALIDATION_FAILED.error("Idempotency-Key must be 1 to 128 visible ASCII characters");
    }
    String client = clients.of(ctx.request());
    events.summary(eventId)
        .compose(event -> checkBookable(event, eventId))
        .compose(event -> requests.<EnqueueReply>send(Addresses.ENQUEUE,
            new EnqueueRequest(caller.id(), eventId, seats, idempotencyKey, client)))
        .compose(reply -> enforceLimits(ctx, reply))
        .onSuccess(reply -> sendJson(ctx, reply.alreadyLive() ? 200 : 202, new JsonObject()
            .put("message", reply.alreadyLive() ? "Your booking request for this event is already in line"
                : reply.paused() ? "Booking request queued; the queue is paused and will resume shortly"
                : "Booking request queued")
            .put("jobId", reply.jobId())
            .put("queuePosition", reply.queuePosition())
            .put("estimatedWaitTime", reply.estimatedWaitTime())
            .put("queuePaused", reply.paused())
            .put("statusEndpoint", "/api/bookings/status/" + reply.jobId())))
        .onFailure(ctx::fail);
  }

  /**
   * The booking limits' answers, which came back with the enqueue's (the queue checks them in the same
   * round trip and withdraws the job of a refused request): refused, 429 with its headers; else the headers
   * of the tightest limit go on the answer.
   */
  private Future<EnqueueReply> enforceLimits(RoutingContext ctx, EnqueueReply reply) {
    try {
      Throttle.enforce(ctx.response(), limiter, reply.verdicts());
      return Future.succeededFuture(reply);
    } catch (ApiException refused) {
      return Future.failedFuture(refused);
    }
  }

  private static Future<EventSummary> checkBookable(EventSummary event, long eventId) {
    if (event == null) {
      return Future.failedFuture(ErrorCode.NOT_FOUND.error("Event " + eventId + " does not exist"));
    }
    if (event.startedAt(Instant.now())) {
      return Future.failedFuture(ErrorCode.EVENT_STARTED.error("Event " + eventId + " has already started"));
    }
    return Future.succeededFuture(event);
  }

  /** Where the job stands, as much as the caller may see of it ({@link JobStatus#viewFor}). */
  private void jobStatus(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    requests.<JobStatus>send(Addresses.STATUS, new StatusRequest(ctx.pathParam("jobId")))
        .map(status -> status.viewFor(caller))
        .onSuccess(view -> sendJson(ctx, 200, view))
        .onFailure(ctx::fail);
  }

  private void bookingHistory(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    Validated request = Validated.of(ctx);
    int limit = request.queryInt("limit", 50);
    int offset = request.queryInt("offset", 0);
    pool.preparedQuery(BookingSql.HISTORY).execute(Tuple.of(caller.id(), limit, offset))
        .map(rows -> {
          JsonArray bookings = new JsonArray();
          rows.forEach(row -> bookings.add(historyEntry(row)));
          return new JsonObject().put("bookings", bookings).put("limit", limit).put("offset", offset);
        })
        .onSuccess(history -> sendJson(ctx, 200, history))
        .onFailure(ctx::fail);
  }

  private static JsonObject historyEntry(Row row) {
    OffsetDateTime cancelledAt = row.getOffsetDateTime("cancelled_at");
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("seats", row.getInteger("seats"))
        .put("status", row.getString("status"))
        .put("jobId", row.getString("job_id"))
        .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString())
        .put("cancelledAt", cancelledAt == null ? null : cancelledAt.toInstant().toString())
        .put("event", new JsonObject()
            .put("id", row.getLong("event_id"))
            .put("name", row.getString("name"))
            .put("venue", row.getString("venue"))
            .put("startsAt", row.getOffsetDateTime("starts_at").toInstant().toString())
            .put("deleted", row.getValue("deleted_at") != null));
  }

  private void cancelBooking(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    long bookingId = Validated.of(ctx).pathId("id");
    pool.preparedQuery(BookingSql.FIND).execute(Tuple.of(bookingId))
        .compose(rows -> {
          Row booking = rows.size() == 0 ? null : rows.iterator().next();
          if (booking == null || (!caller.isAdmin() && booking.getLong("user_id") != caller.id())) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.error("Booking " + bookingId + " does not exist"));
          }
          long eventId = booking.getLong("event_id");
          return ledger.cancel(bookingId, eventId)
              .compose(status -> events.invalidate(eventId).map(new JsonObject()
                  .put("id", bookingId).put("eventId", eventId).put("seats", booking.getInteger("seats"))
                  .put("status", status).put("message", "Booking cancelled")));
        })
        .onSuccess(result -> sendJson(ctx, 200, result))
        .onFailure(ctx::fail);
  }
}
