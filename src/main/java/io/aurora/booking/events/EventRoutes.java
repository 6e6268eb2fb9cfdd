package io.aurora.booking.events;

import io.aurora.booking.auth.Authentication;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Input;
import io.aurora.booking.http.Validated;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static io.aurora.booking.http.Responses.sendJson;

/** The events API, on the seed's paths so that its clients keep working. */
public final class EventRoutes {

  public static final int MAX_CAPACITY = 10_000_000;

  private final Pool pool;
  private final EventCache cache;
  private final Authentication auth;
  private final SeatsReturned seatsReturned;
  private final ApiContract contract;

  /**
   * @param seatsReturned told, inside the transaction, of more capacity, a new date and a deletion (a deleted
   *                      event's jobs are answered EVENT_NOT_FOUND); if it fails, the change rolls back
   */
  public EventRoutes(Pool pool, EventCache cache, Authentication auth, SeatsReturned seatsReturned, ApiContract contract) {
    this.contract = contract;
    this.pool = pool;
    this.cache = cache;
    this.auth = auth;
    this.seatsReturned = seatsReturned;
  }

  public void mount(Router router) {
    router.get("/api/events/view").handler(this::listEvents);
    router.get("/api/events/:id/view").handler(contract.validate("viewEvent")).handler(this::viewEvent);
    router.post("/api/events/create").handler(auth.admin()).handler(contract.validate("createEvent")).handler(this::createEvent);
    router.put("/api/events/:id/update").handler(auth.admin()).handler(contract.validate("updateEvent"))
        .handler(this::updateEvent);
    router.delete("/api/events/:id/delete").handler(auth.admin()).handler(contract.validate("deleteEvent"))
        .handler(this::deleteEvent);
  }

  private void listEvents(RoutingContext ctx) {
    cache.list()
        .onSuccess(events -> sendJson(ctx, 200, new JsonObject().put("events", events).put("count", events.size())))
        .onFailure(ctx::fail);
  }

  private void viewEvent(RoutingContext ctx) {
    long id = Validated.of(ctx).pathId("id");
    pool.preparedQuery(EventSql.VIEW).execute(Tuple.of(id))
        .map(rows -> requireRow(rows.size() == 0 ? null : rows.iterator().next(), id))
        .onSuccess(row -> sendJson(ctx, 200, EventJson.of(row)))
        .onFailure(ctx::fail);
  }

  private void createEvent(RoutingContext ctx) {
    JsonObject body = Validated.of(ctx).body();
    String name = Input.string(body, "name", 1, 200, true);
    String venue = Input.string(body, "venue", 1, 200, true);
    Instant startsAt = startsAt(body, true);
    int capacity = body.getInteger("capacity");
    requireFuture(startsAt);
    pool.preparedQuery(EventSql.INSERT).execute(Tuple.of(name, venue, utc(startsAt), capacity))
        .map(rows -> EventJson.of(rows.iterator().next()))
        .compose(event -> cache.invalidate(event.getLong("id")).map(event))
        .onSuccess(event -> sendJson(ctx, 201, event))
        .onFailure(ctx::fail);
  }

  private void updateEvent(RoutingContext ctx) {
    long id = Validated.of(ctx).pathId("id");
    JsonObject body = Validated.of(ctx).body();
    String name = Input.string(body, "name", 1, 200, false);
    String venue = Input.string(body, "venue", 1, 200, false);
    Instant startsAt = startsAt(body, false);
    Integer capacity = body.getInteger("capacity");
    if (name == null && venue == null && startsAt == null && capacity == null) {
      throw ErrorCode.VALIDATION_FAILED.error("Give at least one of name, venue, startsAt, capacity");
    }
    if (startsAt != null) {
      requireFuture(startsAt);
    }
    pool.withTransaction(conn -> lock(conn, id).compose(row -> {
          int newCapacity = capacity != null ? capacity : row.getInteger("capacity");
          if (newCapacity < row.getInteger("booked")) {
            return Future.failedFuture(ErrorCode.CAPACITY_BELOW_BOOKED.error(
                "Capacity cannot be set below the " + row.getInteger("booked") + " seats already booked"));
          }
          return conn.preparedQuery(EventSql.UPDATE).execute(Tuple.of(id,
              name != null ? name : row.getString("name"),
              venue != null ? venue : row.getString("venue"),
              startsAt != null ? utc(startsAt) : row.getOffsetDateTime("starts_at"),
              newCapacity))
              .compose(updated -> changesSeatsOrDate(row, newCapacity, startsAt)
                  ? seatsReturned.seatsMayHaveReturned(id).map(updated) : Future.succeededFuture(updated));
        }))
        .map(rows -> EventJson.of(rows.iterator().next()))
        .compose(event -> cache.invalidate(id).map(event))
        .onSuccess(event -> sendJson(ctx, 200, event))
        .onFailure(ctx::fail);
  }

  private void deleteEvent(RoutingContext ctx) {
    long id = Validated.of(ctx).pathId("id");
    boolean force = Validated.of(ctx).flag("force");
    pool.withTransaction(conn -> lock(conn, id).compose(row -> {
          if (row.getInteger("booked") > 0 && !force) {
            return Future.failedFuture(ErrorCode.EVENT_HAS_BOOKINGS.error(
                "The event has " + row.getInteger("booked") + " booked seats; pass ?force=true to cancel them and delete"));
          }
          return conn.preparedQuery(EventSql.CANCEL_ALL_BOOKINGS).execute(Tuple.of(id))
              .compose(cancelled -> conn.preparedQuery(EventSql.SOFT_DELETE).execute(Tuple.of(id))
                  .compose(v -> seatsReturned.seatsMayHaveReturned(id))
                  .map(v -> cancelled.rowCount()));
        }))
        .compose(cancelled -> cache.invalidate(id).map(cancelled))
        .onSuccess(cancelled -> sendJson(ctx, 200, new JsonObject()
            .put("message", "Event deleted").put("id", id).put("cancelledBookings", cancelled)))
        .onFailure(ctx::fail);
  }

  /**
   * More capacity brings seats back, and another date changes when a sold-out event stops being "sold out"
   * and becomes "started": either voids the event's sold-out mark. A new name or venue does not, so it
   * does not need Redis (and works while Redis is down).
   */
  private static boolean changesSeatsOrDate(Row row, int newCapacity, Instant startsAt) {
    return newCapacity > row.getInteger("capacity")
        || (startsAt != null && !startsAt.equals(row.getOffsetDateTime("starts_at").toInstant()));
  }

  private static Future<Row> lock(SqlConnection conn, long id) {
    return conn.preparedQuery(EventSql.LOCK).execute(Tuple.of(id))
        .map(rows -> requireRow(rows.size() == 0 ? null : rows.iterator().next(), id));
  }

  private static Row requireRow(Row row, long id) {
    if (row == null) {
      throw ErrorCode.NOT_FOUND.error("Event " + id + " does not exist");
    }
    return row;
  }

  /** {@code startsAt}, or {@code time} as the original API called it. */
  private static Instant startsAt(JsonObject body, boolean required) {
    if (body.containsKey("startsAt") || !body.containsKey("time")) {
      return Input.instant(body, "startsAt", required);
    }
    return Input.instant(body, "time", required);
  }

  private static void requireFuture(Instant startsAt) {
    if (!startsAt.isAfter(Instant.now())) {
      throw ErrorCode.VALIDATION_FAILED.error("'startsAt' must be in the future");
    }
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
