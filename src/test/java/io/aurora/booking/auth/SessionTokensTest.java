package io.aurora.booking.auth;

import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions: a login answers a short access token and a refresh token; a refresh consumes its token and
 * hands out the next pair; a consumed token shown again revokes the whole session; logout ends the
 * session, its access tokens included.
 */
@ExtendWith(VertxExtension.class)
class SessionTokensTest {

  private static final String PASSWORD = "a-long-enough-password";
  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, java.util.Map.of("accessTokenTtlSeconds", 600));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  private static JsonObject register(String email) {
    HttpResponse<Buffer> answer = app.post("/api/auth/register", null,
        new JsonObject().put("name", "Ada").put("email", email).put("password", PASSWORD));
    assertEquals(201, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject();
  }

  private static JsonObject login(String email) {
    HttpResponse<Buffer> answer = app.post("/api/auth/login", null, new JsonObject().put("email", email).put("password", PASSWORD));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> refresh(String refreshToken) {
    return app.post("/api/auth/refresh", null, new JsonObject().put("refreshToken", refreshToken));
  }

  private static void assertWorks(String accessToken) {
    HttpResponse<Buffer> answer = app.get("/api/bookings/history", accessToken);
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
  }

  private static List<Row> tokensOf(JsonObject session) {
    return app.queryRows("""
        SELECT t.consumed_at, s.id, s.revoked_at, s.revoked_reason FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
        WHERE s.user_id = $1 ORDER BY t.created_at, t.consumed_at NULLS LAST""", session.getJsonObject("user").getLong("id"));
  }

  @Test
  void loginAnswersAShortAccessTokenAndARefreshToken() {
    JsonObject session = register("short@example.com");
    assertEquals(600, session.getInteger("expiresIn"));
    assertNotNull(session.getString("refreshToken"));
    assertWorks(session.getString("token"));
    // Only the hash is kept: the token itself is nowhere in the database.
    assertEquals(0, app.queryLong("SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'",
        session.getString("refreshToken")));
    assertEquals(1, app.queryLong("SELECT count(*) FROM refresh_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
        session.getString("refreshToken")));
  }

  @Test
  void aRefreshConsumesItsTokenAndHandsOutTheNextPairOfTheSameSession() {
    JsonObject first = register("rotate@example.com");
    HttpResponse<Buffer> renewed = refresh(first.getString("refreshToken"));
    assertEquals(200, renewed.statusCode(), renewed.bodyAsString());
    JsonObject second = renewed.bodyAsJsonObject();
    assertNotEquals(first.getString("refreshToken"), second.getString("refreshToken"));
    assertEquals(first.getJsonObject("user").getLong("id"), second.getJsonObject("user").getLong("id"));
    assertWorks(second.getString("token"));
    assertWorks(first.getString("token")); // the earlier access token runs until it expires

    List<Row> rows = tokensOf(first);
    assertEquals(2, rows.size());
    assertNotNull(rows.get(0).getValue("consumed_at"), "the used token is consumed");
    assertNull(rows.get(1).getValue("consumed_at"));
    assertEquals(rows.get(0).getUUID("id"), rows.get(1).getUUID("id"), "one session, one family");

    assertEquals(200, refresh(second.getString("refreshToken")).statusCode(), "the next token renews it again");
  }

  @Test
  void aRefreshTokenUsedTwiceRevokesTheWholeSession() {
    JsonObject first = register("reuse@example.com");
    JsonObject other = login("reuse@example.com"); // another device: another session
    JsonObject second = refresh(first.getString("refreshToken")).bodyAsJsonObject();

    assertError(refresh(first.getString("refreshToken")), 401, "UNAUTHORIZED");

    // The token rotated to, and every access token of the session, are refused from now on.
    assertError(refresh(second.getString("refreshToken")), 401, "UNAUTHORIZED");
    assertError(app.get("/api/bookings/history", second.getString("token")), 401, "UNAUTHORIZED");
    assertError(app.get("/api/bookings/history", first.getString("token")), 401, "UNAUTHORIZED");
    Row session = tokensOf(first).get(0);
    assertEquals("REFRESH_TOKEN_REUSED", session.getString("revoked_reason"));
    assertNotNull(session.getValue("revoked_at"));

    // The other session is untouched.
    assertWorks(other.getString("token"));
    assertEquals(200, refresh(other.getString("refreshToken")).statusCode());
  }

  @Test
  void logoutEndsTheSessionItsAccessTokenIncludedAndNoOther() {
    JsonObject phone = register("logout@example.com");
    JsonObject laptop = login("logout@example.com");
    HttpResponse<Buffer> out = app.post("/api/auth/logout", phone.getString("token"), null);
    assertEquals(200, out.statusCode(), out.bodyAsString());
    assertTrue(out.bodyAsJsonObject().getBoolean("revoked"));

    assertError(app.get("/api/bookings/history", phone.getString("token")), 401, "UNAUTHORIZED");
    assertError(refresh(phone.getString("refreshToken")), 401, "UNAUTHORIZED");
    assertEquals(1, app.queryLong("SELECT count(*) FROM auth_sessions WHERE user_id = $1 AND revoked_reason = 'LOGOUT'",
        phone.getJsonObject("user").getLong("id")));

    assertWorks(laptop.getString("token"));
    assertEquals(200, refresh(laptop.getString("refreshToken")).statusCode());
  }

  @Test
  void aNodeStartingAfterALogoutLearnsItFromTheDatabase(Vertx vertx) {
    JsonObject session = register("late-node@example.com");
    Caller caller = TestApp.await(new Tokens(vertx, TestApp.SECRET, 60).verify(session.getString("token")));
    assertNotNull(caller.session());
    assertEquals(200, app.post("/api/auth/logout", session.getString("token"), null).statusCode());
    Revocations late = new Revocations(vertx, app.db, 600_000, 600_000);
    TestApp.await(late.start());
    assertTrue(!late.accepts(caller), "a session revoked before the node started is refused");
    assertTrue(late.accepts(new Caller(caller.id(), caller.email(), Role.USER, 0, java.util.UUID.randomUUID().toString())));
    TestApp.await(late.stop());
  }

  @Test
  void refreshRefusesWhatIsNotAToken() {
    assertError(refresh("not-a-refresh-token"), 401, "UNAUTHORIZED");
    assertError(app.post("/api/auth/refresh", null, new JsonObject()), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/auth/logout", null, null), 401, "UNAUTHORIZED");
  }
}
