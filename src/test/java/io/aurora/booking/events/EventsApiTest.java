package io.aurora.booking.events;

import io.aurora.booking.testing.OneAppPerClass;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class EventsApiTest extends OneAppPerClass {

  private static final String LIST = "/api/events/view";
  private static final String CREATE = "/api/events/create";



  // ---- helpers ----

  private static Instant inDays(int days) {
    return Instant.now().plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.SECONDS);
  }

  private static JsonObject newEvent(String name) {
    return new JsonObject().put("name", name).put("venue", "Main Hall")
        .put("startsAt", inDays(10).toString()).put("capacity", 100);
  }

  private static String view(long id) {
    return "/api/events/" + id + "/view";
  }

  private static String update(long id) {
    return "/api/events/" + id + "/update";
  }

  private static String delete(long id) {
    return "/api/events/" + id + "/delete";
  }

  private static boolean listCached() {
    Response exists = TestApp.await(app.redis.send(Request.cmd(Command.EXISTS).arg(EventCache.LIST_KEY)));
    return exists.toInteger() == 1;
  }

  private static JsonArray listedEvents() {
    HttpResponse<Buffer> list = app.get(LIST, null);
    assertEquals(200, list.statusCode(), list.bodyAsString());
    JsonObject body = list.bodyAsJsonObject();
    assertEquals(body.getJsonArray("events").size(), body.getInteger("count"));
    return body.getJsonArray("events");
  }

  private static JsonObject listed(long id) {
    return listedEvents().stream().map(JsonObject.class::cast)
        .filter(event -> event.getLong("id") == id).findFirst().orElse(null);
  }

  private static Row eventRow(long id) {
    return app.queryRows("SELECT * FROM events WHERE id = $1", id).get(0);
  }

  private static long eventCount() {
    return app.queryLong("SELECT count(*) FROM events");
  }

  /** Books one seat for each of {@code seats} new users through the real pipeline; returns the users. */
  private static List<TestUser> bookThroughTheQueue(long eventId, int seats) {
    List<TestUser> users = app.users(seats);
    List<String> jobs = new ArrayList<>();
    for (TestUser user : users) {
      jobs.add(app.bookJob(user.token(), eventId));
    }
    for (String job : jobs) {
      JsonObject outcome = app.awaitJob(job);
      assertEquals("completed", outcome.getString("status"), outcome.encode());
    }
    assertEquals(seats, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    return users;
  }

  // ---- list and cache ----

  @Test
  void listIsServedFromTheRedisCacheUntilTheNextWrite() {
    long first = app.createEvent(10);
    JsonArray before = listedEvents();
    assertTrue(listCached(), "the list is cached after a read");
    long ttl = TestApp.await(app.redis.send(Request.cmd(Command.TTL).arg(EventCache.LIST_KEY))).toLong();
    assertTrue(ttl > 0 && ttl <= app.config.eventCacheSeconds(), "the cached list expires by itself; ttl=" + ttl);
    assertEquals(before, new JsonArray(TestApp.await(app.redis.send(Request.cmd(Command.GET).arg(EventCache.LIST_KEY))).toBuffer()));

    // A change behind the API's back is not seen while the cached copy lives: the list is really cached.
    app.queryLong("UPDATE events SET name = 'Renamed in SQL' WHERE id = $1 RETURNING id", first);
    assertEquals(before, listedEvents());

    // Create drops it: the next list has the new event (and the fresh row of the old one).
    long second = app.createEvent(20);
    assertFalse(listCached(), "create drops the cached list");
    assertNotNull(listed(second), "the new event is listed");
    assertEquals("Renamed in SQL", listed(first).getString("name"));
    assertTrue(listCached());

    // Update drops it.
    assertEquals(200, app.put(update(second), app.adminToken(), new JsonObject().put("name", "Second, renamed")).statusCode());
    assertFalse(listCached(), "update drops the cached list");
    assertEquals("Second, renamed", listed(second).getString("name"));
    assertTrue(listCached());

    // Delete drops it.
    assertEquals(200, app.delete(delete(second), app.adminToken()).statusCode());
    assertFalse(listCached(), "delete drops the cached list");
    assertNull(listed(second), "a deleted event is not listed");
    assertNotNull(listed(first));
  }

  @Test
  void listShowsLiveEventsInStartOrderWithTheirSeats() {
    long later = app.createEvent("Later " + System.nanoTime(), 5, inDays(40));
    long sooner = app.createEvent("Sooner " + System.nanoTime(), 7, inDays(20));
    JsonArray events = listedEvents();
    List<Long> ids = events.stream().map(JsonObject.class::cast).map(e -> e.getLong("id")).toList();
    assertTrue(ids.indexOf(sooner) >= 0 && ids.indexOf(sooner) < ids.indexOf(later), ids.toString());
    for (Object o : events) {
      JsonObject event = (JsonObject) o;
      assertEquals(event.getInteger("capacity") - event.getInteger("booked"), event.getInteger("seatsLeft"));
    }
    assertEquals(app.queryLong("SELECT count(*) FROM events WHERE deleted_at IS NULL"), events.size());
  }

  // ---- view ----

  @Test
  void viewReturnsTheEventWithSeatsLeft() {
    Instant startsAt = inDays(12);
    long id = app.createEvent("Viewed " + System.nanoTime(), 3, startsAt);
    bookThroughTheQueue(id, 1);
    HttpResponse<Buffer> response = app.get(view(id), null);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"));
    JsonObject event = response.bodyAsJsonObject();
    assertEquals(id, event.getLong("id"));
    assertEquals("Test Hall", event.getString("venue"));
    assertEquals(startsAt.toString(), event.getString("startsAt"));
    assertEquals(startsAt.toString(), event.getString("time"));
    assertEquals(3, event.getInteger("capacity"));
    assertEquals(1, event.getInteger("booked"));
    assertEquals(2, event.getInteger("seatsLeft"));
    assertEquals(1, event.getLong("impressions"));
  }

  @Test
  void concurrentViewsAreEachCountedExactlyOnce() {
    long id = app.createEvent(10);
    int views = 50;
    List<Future<HttpResponse<Buffer>>> responses = new ArrayList<>();
    for (int i = 0; i < views; i++) {
      responses.add(app.http.get(view(id)).send());
    }
    TestApp.await(Future.all(responses));
    Set<Long> seen = new TreeSet<>();
    for (Future<HttpResponse<Buffer>> response : responses) {
      assertEquals(200, response.result().statusCode(), response.result().bodyAsString());
      seen.add(response.result().bodyAsJsonObject().getLong("impressions"));
    }
    assertEquals(views, app.queryLong("SELECT impressions FROM events WHERE id = $1", id));
    // Each view saw its own increment: no two requests read the same count.
    assertEquals(LongStream.rangeClosed(1, views).boxed().collect(Collectors.toCollection(TreeSet::new)), seen);
  }

  @Test
  void viewOfAMissingEventIsNotFound() {
    assertError(app.get(view(987_654_321L), null), 404, "NOT_FOUND");
    assertEquals(0, app.queryLong("SELECT count(*) FROM events WHERE id = 987654321"));
  }

  // ---- create ----

  @Test
  void adminCreatesAnEventAndGetsItsIdAtTheTopLevel() {
    Instant startsAt = inDays(30);
    JsonObject request = new JsonObject().put("name", "  Aurora Live  ").put("venue", "Arena 1")
        .put("startsAt", startsAt.toString()).put("capacity", 250);
    HttpResponse<Buffer> response = app.post(CREATE, app.adminToken(), request);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    JsonObject event = response.bodyAsJsonObject();
    long id = event.getLong("id");
    assertEquals("Aurora Live", event.getString("name"), "names are trimmed");
    assertEquals(250, event.getInteger("seatsLeft"));
    assertEquals(0, event.getInteger("booked"));
    assertEquals(0, event.getLong("impressions"));

    Row row = eventRow(id);
    assertEquals("Aurora Live", row.getString("name"));
    assertEquals("Arena 1", row.getString("venue"));
    assertEquals(startsAt, row.getOffsetDateTime("starts_at").toInstant());
    assertEquals(250, row.getInteger("capacity"));
    assertEquals(0, row.getInteger("booked"));
    assertNull(row.getValue("deleted_at"));
  }

  @Test
  void onlyAdminsCreateEvents() {
    long before = eventCount();
    assertError(app.post(CREATE, null, newEvent("No token")), 401, "UNAUTHORIZED");
    assertError(app.post(CREATE, app.user().token(), newEvent("User token")), 403, "FORBIDDEN");
    assertEquals(before, eventCount());
  }

  @Test
  void createAcceptsTimeAsAnAliasOfStartsAt() {
    Instant time = inDays(15);
    JsonObject request = newEvent("Alias");
    request.remove("startsAt");
    request.put("time", time.toString());
    HttpResponse<Buffer> response = app.post(CREATE, app.adminToken(), request);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    long id = response.bodyAsJsonObject().getLong("id");
    assertEquals(time, eventRow(id).getOffsetDateTime("starts_at").toInstant());
    assertEquals(time.toString(), response.bodyAsJsonObject().getString("startsAt"));

    // When both are given, startsAt is the one that counts.
    Instant startsAt = inDays(16);
    JsonObject both = newEvent("Both").put("startsAt", startsAt.toString()).put("time", inDays(17).toString());
    long bothId = app.post(CREATE, app.adminToken(), both).bodyAsJsonObject().getLong("id");
    assertEquals(startsAt, eventRow(bothId).getOffsetDateTime("starts_at").toInstant());
  }

  @Test
  void createAcceptsTheLimitsThemselves() {
    JsonObject widest = newEvent("n".repeat(200)).put("venue", "v".repeat(200)).put("capacity", EventRoutes.MAX_CAPACITY);
    HttpResponse<Buffer> response = app.post(CREATE, app.adminToken(), widest);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    assertEquals(EventRoutes.MAX_CAPACITY, eventRow(response.bodyAsJsonObject().getLong("id")).getInteger("capacity"));

    JsonObject empty = newEvent("Sold out from the start").put("capacity", 0)
        .put("startsAt", Instant.now().plus(Duration.ofHours(1)).atOffset(ZoneOffset.ofHours(2)).toString());
    response = app.post(CREATE, app.adminToken(), empty);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    assertEquals(0, eventRow(response.bodyAsJsonObject().getLong("id")).getInteger("capacity"));
  }

  @Test
  void createRejectsEveryBadFieldWithA400AndStoresNothing() {
    String admin = app.adminToken();
    long before = eventCount();
    String past = Instant.now().minus(Duration.ofMinutes(1)).toString();
    List<JsonObject> bad = List.of(
        newEvent("x").putNull("name"),
        withoutField(newEvent("x"), "name"),
        newEvent(""),
        newEvent("   "),
        newEvent("n".repeat(201)),
        newEvent("x").put("name", 42),
        withoutField(newEvent("x"), "venue"),
        newEvent("x").put("venue", ""),
        newEvent("x").put("venue", "v".repeat(201)),
        newEvent("x").put("venue", new JsonObject()),
        withoutField(newEvent("x"), "capacity"),
        newEvent("x").put("capacity", -1),
        newEvent("x").put("capacity", 1.5),
        newEvent("x").put("capacity", EventRoutes.MAX_CAPACITY + 1),
        newEvent("x").put("capacity", Long.MAX_VALUE),
        newEvent("x").put("capacity", "100"),
        newEvent("x").put("capacity", true),
        withoutField(newEvent("x"), "startsAt"),
        newEvent("x").put("startsAt", "next friday"),
        newEvent("x").put("startsAt", "2031-05-01"),
        newEvent("x").put("startsAt", "2031-05-01T19:30:00"),
        newEvent("x").put("startsAt", "2031-13-01T19:30:00Z"),
        newEvent("x").put("startsAt", 1_900_000_000_000L),
        newEvent("x").put("startsAt", past),
        newEvent("x").put("startsAt", "+10000-01-01T00:00:00Z"),
        newEvent("x").put("startsAt", "+999999999-12-31T23:59:59Z"),
        withoutField(newEvent("x"), "startsAt").put("time", "not a time"),
        withoutField(newEvent("x"), "startsAt").put("time", past),
        newEvent("nul\u0000byte"));
    for (JsonObject body : bad) {
      HttpResponse<Buffer> response = app.post(CREATE, admin, body);
      assertEquals(400, response.statusCode(), body.encode() + " -> " + response.bodyAsString());
      assertError(response, 400, "VALIDATION_FAILED");
    }
    assertError(app.post(CREATE, admin, "{\"name\": \"unterminated"), 400, "INVALID_JSON");
    assertError(app.post(CREATE, admin, "[]"), 400, "INVALID_JSON");
    assertError(app.post(CREATE, admin, null), 400, "INVALID_JSON");
    assertEquals(before, eventCount());
  }

  private static JsonObject withoutField(JsonObject json, String field) {
    json.remove(field);
    return json;
  }

  // ---- update ----

  @Test
  void updateChangesOnlyTheFieldsGiven() {
    Instant startsAt = inDays(20);
    long id = app.createEvent("Original", 50, startsAt);
    Row before = eventRow(id);

    HttpResponse<Buffer> response = app.put(update(id), app.adminToken(), new JsonObject().put("venue", "New Venue"));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals("New Venue", response.bodyAsJsonObject().getString("venue"));
    Row after = eventRow(id);
    assertEquals("Original", after.getString("name"));
    assertEquals("New Venue", after.getString("venue"));
    assertEquals(startsAt, after.getOffsetDateTime("starts_at").toInstant());
    assertEquals(50, after.getInteger("capacity"));
    assertTrue(after.getOffsetDateTime("updated_at").isAfter(before.getOffsetDateTime("updated_at")));

    Instant moved = inDays(21);
    response = app.put(update(id), app.adminToken(), new JsonObject().put("time", moved.toString()).put("capacity", 60));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals(60, response.bodyAsJsonObject().getInteger("seatsLeft"));
    after = eventRow(id);
    assertEquals(moved, after.getOffsetDateTime("starts_at").toInstant());
    assertEquals(60, after.getInteger("capacity"));
    assertEquals("Original", after.getString("name"));
    assertEquals("New Venue", after.getString("venue"));
  }

  @Test
  void updateRejectsBadInputAndChangesNothing() {
    String admin = app.adminToken();
    long id = app.createEvent("Untouched", 40, inDays(25));
    Row before = eventRow(id);
    List<JsonObject> bad = List.of(
        new JsonObject(),
        new JsonObject().put("description", "not a field we know"),
        new JsonObject().put("name", ""),
        new JsonObject().put("name", "n".repeat(201)),
        new JsonObject().put("venue", 7),
        new JsonObject().put("capacity", -5),
        new JsonObject().put("capacity", "50"),
        new JsonObject().put("capacity", 2.5),
        new JsonObject().put("capacity", EventRoutes.MAX_CAPACITY + 1),
        new JsonObject().put("startsAt", "soon"),
        new JsonObject().put("startsAt", Instant.now().minus(Duration.ofDays(1)).toString()),
        new JsonObject().put("time", "2020-01-01T00:00:00Z"),
        new JsonObject().put("name", "Fine").put("capacity", -1),
        new JsonObject().put("venue", "\u0000"));
    for (JsonObject body : bad) {
      HttpResponse<Buffer> response = app.put(update(id), admin, body);
      assertEquals(400, response.statusCode(), body.encode() + " -> " + response.bodyAsString());
      assertError(response, 400, "VALIDATION_FAILED");
    }
    assertError(app.put(update(id), admin, "{oops"), 400, "INVALID_JSON");
    assertError(app.put(update(id), admin, null), 400, "INVALID_JSON");
    assertError(app.put(update(id), app.user().token(), new JsonObject().put("name", "Hijacked")), 403, "FORBIDDEN");
    assertError(app.put(update(987_654_321L), admin, new JsonObject().put("name", "Nobody")), 404, "NOT_FOUND");

    Row after = eventRow(id);
    assertEquals(before.getString("name"), after.getString("name"));
    assertEquals(before.getString("venue"), after.getString("venue"));
    assertEquals(before.getInteger("capacity"), after.getInteger("capacity"));
    assertEquals(before.getOffsetDateTime("starts_at"), after.getOffsetDateTime("starts_at"));
    assertEquals(before.getOffsetDateTime("updated_at"), after.getOffsetDateTime("updated_at"));
  }

  @Test
  void capacityCanNeverBeSetBelowTheSeatsBooked() {
    long id = app.createEvent(3);
    bookThroughTheQueue(id, 2);

    assertError(app.put(update(id), app.adminToken(), new JsonObject().put("capacity", 1)), 409, "CAPACITY_BELOW_BOOKED");
    assertError(app.put(update(id), app.adminToken(), new JsonObject().put("capacity", 0).put("name", "Renamed too")),
        409, "CAPACITY_BELOW_BOOKED");
    Row row = eventRow(id);
    assertEquals(3, row.getInteger("capacity"));
    assertEquals(2, row.getInteger("booked"));
    assertNotEquals("Renamed too", row.getString("name"), "a refused update changes nothing");

    HttpResponse<Buffer> exact = app.put(update(id), app.adminToken(), new JsonObject().put("capacity", 2));
    assertEquals(200, exact.statusCode(), exact.bodyAsString());
    assertEquals(0, exact.bodyAsJsonObject().getInteger("seatsLeft"));
    assertEquals(2, app.queryLong("SELECT capacity FROM events WHERE id = $1", id));
  }

  // ---- delete ----

  @Test
  void deleteIsSoftAndTheEventIsGoneFromTheApi() {
    long id = app.createEvent(5);
    HttpResponse<Buffer> response = app.delete(delete(id), app.adminToken());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals(id, response.bodyAsJsonObject().getLong("id"));
    assertEquals(0, response.bodyAsJsonObject().getInteger("cancelledBookings"));

    Row row = eventRow(id);
    assertNotNull(row.getValue("deleted_at"), "the row stays, marked deleted");
    assertError(app.get(view(id), null), 404, "NOT_FOUND");
    assertEquals(0, app.queryLong("SELECT impressions FROM events WHERE id = $1", id), "a 404 view counts nothing");
    assertNull(listed(id));
    assertError(app.put(update(id), app.adminToken(), new JsonObject().put("name", "Back")), 404, "NOT_FOUND");
    assertError(app.delete(delete(id), app.adminToken()), 404, "NOT_FOUND");
    assertError(app.book(app.user().token(), id), 404, "NOT_FOUND");
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1", id));
  }

  @Test
  void onlyAdminsDeleteEvents() {
    long id = app.createEvent(5);
    assertError(app.delete(delete(id), null), 401, "UNAUTHORIZED");
    assertError(app.delete(delete(id), app.user().token()), 403, "FORBIDDEN");
    assertNull(eventRow(id).getValue("deleted_at"));
  }

  @Test
  void deletingAnEventWithBookingsIsRefusedUnlessForcedAndForceCancelsThem() {
    long id = app.createEvent(5);
    List<TestUser> holders = bookThroughTheQueue(id, 2);

    assertError(app.delete(delete(id), app.adminToken()), 409, "EVENT_HAS_BOOKINGS");
    assertError(app.delete(delete(id) + "?force=false", app.adminToken()), 409, "EVENT_HAS_BOOKINGS");
    assertNull(eventRow(id).getValue("deleted_at"));
    assertEquals(2, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", id));

    HttpResponse<Buffer> forced = app.delete(delete(id) + "?force=true", app.adminToken());
    assertEquals(200, forced.statusCode(), forced.bodyAsString());
    assertEquals(2, forced.bodyAsJsonObject().getInteger("cancelledBookings"));

    Row event = eventRow(id);
    assertNotNull(event.getValue("deleted_at"));
    assertEquals(0, event.getInteger("booked"));
    List<Row> bookings = app.queryRows("SELECT user_id, status, cancelled_at FROM bookings WHERE event_id = $1", id);
    assertEquals(2, bookings.size());
    for (Row booking : bookings) {
      assertEquals("CANCELLED", booking.getString("status"));
      assertNotNull(booking.getValue("cancelled_at"));
    }
    assertEquals(holders.stream().map(TestUser::id).collect(Collectors.toSet()),
        bookings.stream().map(b -> b.getLong("user_id")).collect(Collectors.toSet()));
    assertError(app.get(view(id), null), 404, "NOT_FOUND");
  }

  @Test
  void forceMustBeTrueOrFalse() {
    long id = app.createEvent(5);
    assertError(app.delete(delete(id) + "?force=maybe", app.adminToken()), 400, "VALIDATION_FAILED");
    assertError(app.delete(delete(id) + "?force=1", app.adminToken()), 400, "VALIDATION_FAILED");
    assertNull(eventRow(id).getValue("deleted_at"));
  }

  // ---- ids in paths ----

  @Test
  void idsInPathsMustBePositiveWholeNumbers() {
    String admin = app.adminToken();
    long before = app.queryLong("SELECT coalesce(sum(impressions), 0) FROM events");
    for (String id : List.of("abc", "0", "-1", "1.5", "1e3", "99999999999999999999", "%20")) {
      assertError(app.get("/api/events/" + id + "/view", null), 400, "VALIDATION_FAILED");
      assertError(app.put("/api/events/" + id + "/update", admin, new JsonObject().put("name", "x")), 400, "VALIDATION_FAILED");
      assertError(app.delete("/api/events/" + id + "/delete", admin), 400, "VALIDATION_FAILED");
    }
    assertEquals(before, app.queryLong("SELECT coalesce(sum(impressions), 0) FROM events"));
  }
}
