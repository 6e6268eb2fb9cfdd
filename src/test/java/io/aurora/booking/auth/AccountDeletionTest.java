package io.aurora.booking.auth;

import io.aurora.booking.testing.OneAppPerClass;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deleting an account (GDPR) refuses its tokens at once, keeps its bookings and their history, and leaves
 * nothing personal in the user row; the same e-mail can make a new account afterwards.
 */
@ExtendWith(VertxExtension.class)
class AccountDeletionTest extends OneAppPerClass {



  private static JsonObject register(String email) {
    HttpResponse<Buffer> answer = app.post("/api/auth/register", null,
        new JsonObject().put("name", "Mary Shelley").put("email", email).put("password", "frankenstein-1818"));
    assertEquals(201, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject();
  }

  @Test
  void aDeletedAccountsTokensAreRefusedAndItsBookingsStay() {
    JsonObject session = register("mary@example.com");
    long userId = session.getJsonObject("user").getLong("id");
    String token = session.getString("token");
    String secondToken = app.post("/api/auth/login", null,
        new JsonObject().put("email", "mary@example.com").put("password", "frankenstein-1818")).bodyAsJsonObject().getString("token");
    long eventId = app.createEvent(5);
    assertEquals("completed", app.awaitJob(app.bookJob(token, eventId)).getString("status"));

    HttpResponse<Buffer> deleted = app.delete("/api/auth/me", token);
    assertEquals(200, deleted.statusCode(), deleted.bodyAsString());
    assertEquals(userId, deleted.bodyAsJsonObject().getLong("id"));

    // Every token of the account is refused, on every route, at once.
    for (String old : List.of(token, secondToken)) {
      assertError(app.get("/api/bookings/history", old), 401, "UNAUTHORIZED");
      assertError(app.post("/api/bookings/" + eventId + "/book", old, null), 401, "UNAUTHORIZED");
      assertError(app.delete("/api/auth/me", old), 401, "UNAUTHORIZED");
    }
    assertError(app.post("/api/auth/login", null,
        new JsonObject().put("email", "mary@example.com").put("password", "frankenstein-1818")), 401, "INVALID_CREDENTIALS");

    // The row stays for the bookings, with nothing personal in it; the booking and the seat stand.
    Row row = app.queryRows("SELECT name, email, deleted_at, token_generation FROM users WHERE id = $1", userId).get(0);
    assertEquals("Deleted user", row.getString("name"));
    assertFalse(row.getString("email").contains("mary"), row.getString("email"));
    assertNotNull(row.getOffsetDateTime("deleted_at"));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1 AND event_id = $2 AND status = 'CONFIRMED'",
        userId, eventId));
    assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));

    // The address is free again: a new account, a new user id, whose tokens work.
    JsonObject again = register("mary@example.com");
    assertNotEquals(userId, again.getJsonObject("user").getLong("id"));
    assertEquals(200, app.get("/api/bookings/history", again.getString("token")).statusCode());
    assertTrue(app.get("/api/bookings/history", again.getString("token")).bodyAsJsonObject().getJsonArray("bookings").isEmpty());
  }

  @Test
  void aNodeStartingAfterTheDeletionLearnsItFromTheDatabase(Vertx vertx) {
    JsonObject session = register("percy@example.com");
    long userId = session.getJsonObject("user").getLong("id");
    Caller before = new Caller(userId, "percy@example.com", Role.USER, 0);
    Revocations early = new Revocations(vertx, app.db, 600_000);
    TestApp.await(early.start());
    assertTrue(early.accepts(before));
    assertEquals(200, app.delete("/api/auth/me", session.getString("token")).statusCode());
    // A node up at the time hears of it (published); one starting later reads it from PostgreSQL.
    TestApp.awaitCondition("the revocation to be published", java.time.Duration.ofSeconds(10), () -> !early.accepts(before));
    Revocations late = new Revocations(vertx, app.db, 600_000);
    TestApp.await(late.start());
    assertFalse(late.accepts(before));
    assertTrue(late.accepts(new Caller(userId + 1_000_000, "other@example.com", Role.USER, 0)), "other users are untouched");
    TestApp.await(early.stop());
    TestApp.await(late.stop());
  }

  @Test
  void deletingNeedsAToken() {
    assertError(app.delete("/api/auth/me", null), 401, "UNAUTHORIZED");
    assertError(app.delete("/api/auth/me", "not.a.token"), 401, "UNAUTHORIZED");
  }
}
