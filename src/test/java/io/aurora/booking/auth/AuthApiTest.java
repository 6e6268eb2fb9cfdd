package io.aurora.booking.auth;

import io.aurora.booking.testing.Jwts;
import io.aurora.booking.testing.OneAppPerClass;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class AuthApiTest extends OneAppPerClass {



  private static JsonObject registration(String email) {
    return new JsonObject().put("name", "Ada Lovelace").put("email", email).put("password", "correct horse battery");
  }

  @Test
  void registerReturnsUserWithoutPasswordDataAndStoresAHashedPassword() {
    HttpResponse<Buffer> response = app.post("/api/auth/register", null, registration("Ada@Example.com"));
    assertEquals(201, response.statusCode(), response.bodyAsString());
    JsonObject body = response.bodyAsJsonObject();
    JsonObject user = body.getJsonObject("user");
    assertEquals("ada@example.com", user.getString("email"));
    assertEquals("USER", user.getString("role"));
    assertFalse(body.encode().toLowerCase().contains("password"), body.encode());
    assertNotNull(body.getString("token"));

    String hash = app.queryRows("SELECT password_hash FROM users WHERE email = $1", "ada@example.com").get(0).getString(0);
    assertTrue(hash.startsWith("$2"), "stored as a bcrypt hash");
    assertFalse(hash.contains("correct horse"));
  }

  @Test
  void registrationNeverCreatesAnAdminEvenWhenAskedTo() {
    JsonObject body = registration("mallory@example.com").put("role", "ADMIN");
    HttpResponse<Buffer> response = app.post("/api/auth/register", null, body);
    assertEquals(201, response.statusCode());
    assertEquals("USER", response.bodyAsJsonObject().getJsonObject("user").getString("role"));
    assertEquals(1, app.queryLong("SELECT count(*) FROM users WHERE role = 'ADMIN'"));
  }

  @Test
  void duplicateEmailIsAConflictAndCreatesNoSecondUser() {
    assertEquals(201, app.post("/api/auth/register", null, registration("twice@example.com")).statusCode());
    assertError(app.post("/api/auth/register", null, registration("TWICE@example.com")), 409, "EMAIL_TAKEN");
    assertEquals(1, app.queryLong("SELECT count(*) FROM users WHERE email = 'twice@example.com'"));
  }

  @Test
  void loginWithTheRightPasswordGivesAWorkingToken() {
    app.post("/api/auth/register", null, registration("login@example.com"));
    HttpResponse<Buffer> login = app.post("/api/auth/login", null,
        new JsonObject().put("email", "login@example.com").put("password", "correct horse battery"));
    assertEquals(200, login.statusCode());
    String token = login.bodyAsJsonObject().getString("token");
    assertEquals(200, app.get("/api/bookings/history", token).statusCode());
  }

  @Test
  void loginWithAWrongPasswordOrUnknownEmailIsRefusedAlike() {
    app.post("/api/auth/register", null, registration("wrong@example.com"));
    assertError(app.post("/api/auth/login", null,
        new JsonObject().put("email", "wrong@example.com").put("password", "not the password")), 401, "INVALID_CREDENTIALS");
    assertError(app.post("/api/auth/login", null,
        new JsonObject().put("email", "nobody@example.com").put("password", "whatever123")), 401, "INVALID_CREDENTIALS");
  }

  @Test
  void bootstrapAdminCanLogInAndIsAnAdmin() {
    HttpResponse<Buffer> login = app.post("/api/auth/login", null,
        new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", TestApp.ADMIN_PASSWORD));
    assertEquals(200, login.statusCode());
    assertEquals("ADMIN", login.bodyAsJsonObject().getJsonObject("user").getString("role"));
  }

  @Test
  void registrationRejectsBadFields() {
    assertError(app.post("/api/auth/register", null, registration("not-an-email")), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/auth/register", null, registration("short@example.com").put("password", "short")), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/auth/register", null, registration("long@example.com").put("password", "x".repeat(73))), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/auth/register", null, registration("type@example.com").put("name", 42)), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/auth/register", null, registration("empty@example.com").put("name", "   ")), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/auth/register", null, new JsonObject().put("email", "missing@example.com")), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/auth/register", null, "{\"name\":"), 400, "INVALID_JSON");
    assertError(app.post("/api/auth/register", null, "[1,2]"), 400, "INVALID_JSON");
    assertError(app.post("/api/auth/register", null, null), 400, "INVALID_JSON");
    assertEquals(0, app.queryLong("SELECT count(*) FROM users WHERE email IN "
        + "('short@example.com','long@example.com','type@example.com','empty@example.com','missing@example.com')"));
  }

  @Test
  void protectedRoutesNeedAValidToken() {
    long userId = app.user().id();
    JsonObject claims = new JsonObject().put("sub", Long.toString(userId)).put("email", "x@test.local").put("role", "USER");
    long now = System.currentTimeMillis() / 1000;

    assertError(app.get("/api/bookings/history", null), 401, "UNAUTHORIZED");
    assertError(app.get("/api/bookings/history", "not.a.token"), 401, "UNAUTHORIZED");
    String forged = Jwts.hs256(claims.copy().put("exp", now + 600), "some-other-secret-of-sufficient-length-000000");
    assertError(app.get("/api/bookings/history", forged), 401, "UNAUTHORIZED");
    String expired = Jwts.hs256(claims.copy().put("iat", now - 7200).put("exp", now - 3600), TestApp.SECRET);
    assertError(app.get("/api/bookings/history", expired), 401, "UNAUTHORIZED");
    String noExpiry = Jwts.hs256(claims.copy(), TestApp.SECRET);
    assertError(app.get("/api/bookings/history", noExpiry), 401, "UNAUTHORIZED");
    String unsigned = Jwts.unsigned(claims.copy().put("exp", now + 600).put("role", "ADMIN"));
    assertError(app.get("/api/admin/queue/stats", unsigned), 401, "UNAUTHORIZED");
    String valid = Jwts.hs256(claims.copy().put("exp", now + 600), TestApp.SECRET);
    assertEquals(200, app.get("/api/bookings/history", valid).statusCode());
  }

  @Test
  void lookAlikeEmailsNeverMakeASecondAccount() {
    HttpResponse<Buffer> first = app.post("/api/auth/register", null, registration("grace@example.com"));
    assertEquals(201, first.statusCode(), first.bodyAsString());
    // Full-width letters are the same letters (NFKC): the same account, so the address is taken.
    assertError(app.post("/api/auth/register", null, registration("ｇｒａｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ")), 409, "EMAIL_TAKEN");
    assertError(app.post("/api/auth/register", null, registration("GRACE@Example.COM\u00a0")), 409, "EMAIL_TAKEN");
    // Invisible characters, a no-break space inside, and mixed scripts are refused outright.
    for (String lookAlike : List.of("gr\u200bace@example.com", "grace\u200d@example.com", "\ufeffgrace@example.com",
        "gra\u00a0ce@example.com", "gr\u0430ce@example.com", "grace@ex\u0430mple.com", "grace@example.c\u043em",
        "gra\u2060ce@example.com", "grace\u00ad@example.com")) {
      assertError(app.post("/api/auth/register", null, registration(lookAlike)), 400, "VALIDATION_FAILED");
    }
    assertEquals(1, app.queryLong("SELECT count(*) FROM users WHERE email LIKE '%grace%' OR email LIKE '%gr_ce%'"));
    // Logging in with the full-width form is logging in to the one account.
    HttpResponse<Buffer> login = app.post("/api/auth/login", null,
        new JsonObject().put("email", "ｇｒａｃｅ@example.com").put("password", "correct horse battery"));
    assertEquals(200, login.statusCode(), login.bodyAsString());
    assertEquals("grace@example.com", login.bodyAsJsonObject().getJsonObject("user").getString("email"));
    // One script per part is allowed: an address in another script is an address.
    HttpResponse<Buffer> cyrillic = app.post("/api/auth/register", null, registration("иван@example.com"));
    assertEquals(201, cyrillic.statusCode(), cyrillic.bodyAsString());
  }

  @Test
  void passwordsAreTakenExactlyAsGiven() {
    JsonObject spaced = registration("spaces@example.com").put("password", "  padded secret  ");
    assertEquals(201, app.post("/api/auth/register", null, spaced).statusCode());
    JsonObject login = new JsonObject().put("email", "spaces@example.com");
    assertEquals(200, app.post("/api/auth/login", null, login.copy().put("password", "  padded secret  ")).statusCode());
    assertError(app.post("/api/auth/login", null, login.copy().put("password", "padded secret")), 401, "INVALID_CREDENTIALS");
    assertError(app.post("/api/auth/login", null, login.copy().put("password", "  padded secret")), 401, "INVALID_CREDENTIALS");
    // Eight characters counted as sent: seven letters and a space are enough, seven letters are not.
    assertEquals(201, app.post("/api/auth/register", null, registration("eight@example.com").put("password", "sevenxx ")).statusCode());
    assertError(app.post("/api/auth/register", null, registration("seven@example.com").put("password", " sevenx")), 400, "VALIDATION_FAILED");
  }

  @Test
  void correctlySignedTokensWithMalformedClaimsAre401NeverA500() {
    long userId = app.user().id();
    long now = System.currentTimeMillis() / 1000;
    JsonObject good = new JsonObject().put("sub", Long.toString(userId)).put("email", "x@test.local").put("role", "USER")
        .put("exp", now + 600);
    List<JsonObject> malformed = List.of(
        good.copy().put("exp", Long.toString(now + 600)),
        good.copy().put("exp", true),
        good.copy().put("exp", new JsonObject()),
        good.copy().put("exp", 1.0e300),
        good.copy().put("iat", "yesterday"),
        good.copy().put("nbf", "soon"),
        good.copy().put("sub", userId),
        good.copy().put("sub", "not-a-number"),
        good.copy().putNull("sub"),
        good.copy().put("role", "OWNER"),
        good.copy().put("role", 7),
        good.copy().put("email", new io.vertx.core.json.JsonArray()),
        good.copy().put("aud", 5),
        good.copy().put("iss", List.of()),
        good.copy().put("gen", "1"),
        good.copy().put("gen", -1),
        good.copy().put("gen", 1.5),
        good.copy().put("sid", 42),
        good.copy().put("sid", new JsonObject()));
    for (JsonObject claims : malformed) {
      String token = Jwts.hs256(claims, TestApp.SECRET);
      HttpResponse<Buffer> answer = app.get("/api/bookings/history", token);
      assertEquals(401, answer.statusCode(), claims.encode());
      assertError(answer, 401, "UNAUTHORIZED");
    }
    assertEquals(200, app.get("/api/bookings/history", Jwts.hs256(good, TestApp.SECRET)).statusCode());
  }

  @Test
  void usersCannotCallAdminRoutes() {
    String token = app.user().token();
    assertError(app.get("/api/admin/queue/stats", token), 403, "FORBIDDEN");
    assertError(app.post("/api/admin/queue/pause", token, null), 403, "FORBIDDEN");
    assertError(app.get("/api/admin/analytics", token), 403, "FORBIDDEN");
    assertError(app.post("/api/events/create", token, new JsonObject()), 403, "FORBIDDEN");
    assertError(app.delete("/api/events/1/delete", token), 403, "FORBIDDEN");
  }

  @Test
  void theAuthorizationHeaderMustBeABearerTokenWhateverTheCaseOfTheScheme() {
    String token = app.user().token();
    assertEquals(200, app.getWithAuthorization("/api/bookings/history", "Bearer " + token).statusCode());
    assertEquals(200, app.getWithAuthorization("/api/bookings/history", "bearer  " + token + " ").statusCode());
    assertError(app.getWithAuthorization("/api/bookings/history", null), 401, "UNAUTHORIZED");
    for (String malformed : new String[] {"Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", token}) {
      assertError(app.getWithAuthorization("/api/bookings/history", malformed), 401, "UNAUTHORIZED");
    }
    assertError(app.getWithAuthorization("/api/bookings/history", "Bearer not-a-jwt"), 401, "UNAUTHORIZED");
  }
}
