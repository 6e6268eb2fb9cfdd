package io.aurora.booking.auth;

import io.aurora.booking.config.JwtKey;
import io.aurora.booking.testing.Jwts;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Key rotation: tokens name their key ({@code kid}); the current key signs, the previous one is still
 * accepted, and a token of a key no longer configured is refused with a JSON 401.
 */
@ExtendWith(VertxExtension.class)
class KeyRotationTest {

  private static final String CURRENT = "the-current-key-of-december-0123456789abcdef";
  private static final String REMOVED = "a-key-removed-from-the-configuration-0123456789";
  private static TestApp app;

  /** The server signs with "2026-12" and still accepts the tests' usual key, as "default" (the previous one). */
  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("jwtSecret", "", "jwtKeys", "2026-12:" + CURRENT + ",default:" + TestApp.SECRET));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  private static String kidOf(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8)).getString("kid");
  }

  private static JsonObject claims(long userId) {
    return new JsonObject().put("sub", Long.toString(userId)).put("email", "u" + userId + "@example.com").put("role", "USER")
        .put("exp", Instant.now().getEpochSecond() + 600);
  }

  @Test
  void newTokensAreSignedWithTheCurrentKeyAndPreviousOnesStillCount(Vertx vertx) {
    HttpResponse<Buffer> login = app.post("/api/auth/login", null,
        new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", TestApp.ADMIN_PASSWORD));
    assertEquals(200, login.statusCode(), login.bodyAsString());
    String current = login.bodyAsJsonObject().getString("token");
    assertEquals("2026-12", kidOf(current));
    assertEquals(200, app.get("/api/admin/queue/stats", current).statusCode());

    TestApp.TestUser user = app.user(); // its token is signed with the previous key ("default")
    assertEquals("default", kidOf(user.token()));
    assertEquals(200, app.get("/api/bookings/history", user.token()).statusCode(), "a token of the previous key is accepted");
    String beforeRotation = Jwts.hs256(claims(user.id()), TestApp.SECRET); // no kid at all: from before kids existed
    assertEquals(200, app.get("/api/bookings/history", beforeRotation).statusCode());
  }

  @Test
  void aTokenOfARemovedOrUnknownKeyIsRefused(Vertx vertx) {
    TestApp.TestUser user = app.user();
    String removed = new Tokens(vertx, List.of(new JwtKey("2026-06", REMOVED)), 600, 0).issue(user.id(), user.email(), Role.USER);
    assertError(app.get("/api/bookings/history", removed), 401, "UNAUTHORIZED");
    // A known kid does not help a token signed with another key.
    String forgedKid = new Tokens(vertx, List.of(new JwtKey("2026-12", REMOVED)), 600, 0).issue(user.id(), user.email(), Role.USER);
    assertError(app.get("/api/bookings/history", forgedKid), 401, "UNAUTHORIZED");
    // Nor does a token without kid signed by a removed key.
    assertError(app.get("/api/bookings/history", Jwts.hs256(claims(user.id()), REMOVED)), 401, "UNAUTHORIZED");
  }

  @Test
  void onceThePreviousKeyIsRemovedItsTokensAreRefused(Vertx vertx) {
    JwtKey december = new JwtKey("2026-12", CURRENT);
    JwtKey november = new JwtKey("2026-11", REMOVED);
    String oldToken = new Tokens(vertx, List.of(november), 600, 0).issue(7, "ada@example.com", Role.USER);
    Tokens rotating = new Tokens(vertx, List.of(december, november), 600, 100);
    assertEquals("2026-12", kidOf(rotating.issue(7, "ada@example.com", Role.USER)));
    assertEquals(7, TestApp.await(rotating.verify(oldToken)).id(), "accepted while the key is listed");
    Tokens rotated = new Tokens(vertx, List.of(december), 600, 100);
    assertTrue(TestApp.await(rotated.verify(oldToken).map(c -> false).otherwise(true)), "refused once the key is gone");
  }
}
