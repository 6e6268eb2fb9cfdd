package io.aurora.booking.auth;

import io.aurora.booking.testing.OneAppPerClass;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A password change revokes every token and session of the account issued before it (through the same
 * cluster-wide generation as a deletion) and answers a new session; the old password stops working.
 */
@ExtendWith(VertxExtension.class)
class PasswordChangeTest extends OneAppPerClass {

  private static final String OLD = "the-old-password";
  private static final String NEW = "the-new-password";


  private static HttpResponse<Buffer> login(String email, String password) {
    return app.post("/api/auth/login", null, new JsonObject().put("email", email).put("password", password));
  }

  private static HttpResponse<Buffer> change(String token, String current, String next) {
    return app.post("/api/auth/password", token, new JsonObject().put("currentPassword", current).put("newPassword", next));
  }

  @Test
  void aChangedPasswordRefusesEveryEarlierTokenAndTheOldPassword() {
    JsonObject first = app.post("/api/auth/register", null,
        new JsonObject().put("name", "Grace").put("email", "grace@example.com").put("password", OLD)).bodyAsJsonObject();
    JsonObject second = login("grace@example.com", OLD).bodyAsJsonObject();
    long userId = first.getJsonObject("user").getLong("id");
    long generation = app.queryLong("SELECT token_generation FROM users WHERE id = $1", userId);

    HttpResponse<Buffer> changed = change(first.getString("token"), OLD, NEW);
    assertEquals(200, changed.statusCode(), changed.bodyAsString());
    JsonObject fresh = changed.bodyAsJsonObject();

    assertEquals(generation + 1, app.queryLong("SELECT token_generation FROM users WHERE id = $1", userId));
    assertEquals(2, app.queryLong("SELECT count(*) FROM auth_sessions WHERE user_id = $1 AND revoked_reason = 'PASSWORD_CHANGED'", userId));
    for (JsonObject old : new JsonObject[] {first, second}) {
      assertError(app.get("/api/bookings/history", old.getString("token")), 401, "UNAUTHORIZED");
      assertError(app.post("/api/auth/refresh", null, new JsonObject().put("refreshToken", old.getString("refreshToken"))),
          401, "UNAUTHORIZED");
    }
    assertError(login("grace@example.com", OLD), 401, "INVALID_CREDENTIALS");

    assertEquals(200, app.get("/api/bookings/history", fresh.getString("token")).statusCode());
    assertEquals(200, app.post("/api/auth/refresh", null, new JsonObject().put("refreshToken", fresh.getString("refreshToken")))
        .statusCode());
    assertEquals(200, login("grace@example.com", NEW).statusCode());
  }

  @Test
  void theCurrentPasswordMustBeRightAndTheNewOneValid() {
    JsonObject session = app.post("/api/auth/register", null,
        new JsonObject().put("name", "Alan").put("email", "alan@example.com").put("password", OLD)).bodyAsJsonObject();
    long userId = session.getJsonObject("user").getLong("id");
    assertError(change(session.getString("token"), "not-the-password", NEW), 401, "INVALID_CREDENTIALS");
    assertError(change(session.getString("token"), OLD, "short"), 400, "VALIDATION_FAILED");
    assertError(change(null, OLD, NEW), 401, "UNAUTHORIZED");
    // Nothing changed: the token still works, the old password still logs in.
    assertEquals(0, app.queryLong("SELECT token_generation FROM users WHERE id = $1", userId));
    assertEquals(200, app.get("/api/bookings/history", session.getString("token")).statusCode());
    assertEquals(200, login("alan@example.com", OLD).statusCode());
  }
}
