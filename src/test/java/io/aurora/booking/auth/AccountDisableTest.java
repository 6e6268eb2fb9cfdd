package io.aurora.booking.auth;

import io.aurora.booking.testing.OneAppPerClass;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An admin disables an account: its tokens are refused at once and it cannot log in; enabled, it can again. */
@ExtendWith(VertxExtension.class)
class AccountDisableTest extends OneAppPerClass {

  private static final String PASSWORD = "disabled-for-a-while";


  private static HttpResponse<Buffer> login(String email, String password) {
    return app.post("/api/auth/login", null, new JsonObject().put("email", email).put("password", password));
  }

  @Test
  void aDisabledAccountsTokensAreRefusedAndItCannotLogInUntilEnabled() {
    JsonObject session = app.post("/api/auth/register", null,
        new JsonObject().put("name", "Eve").put("email", "eve@example.com").put("password", PASSWORD)).bodyAsJsonObject();
    long userId = session.getJsonObject("user").getLong("id");
    String token = session.getString("token");
    assertEquals(200, app.get("/api/bookings/history", token).statusCode());

    HttpResponse<Buffer> disabled = app.post("/api/admin/users/" + userId + "/disable", app.adminToken(), null);
    assertEquals(200, disabled.statusCode(), disabled.bodyAsString());
    assertTrue(disabled.bodyAsJsonObject().getBoolean("disabled"));
    assertNotNull(app.queryRows("SELECT disabled_at FROM users WHERE id = $1", userId).get(0).getValue("disabled_at"));

    assertError(app.get("/api/bookings/history", token), 401, "UNAUTHORIZED");
    assertError(app.post("/api/bookings/1/book", token, null), 401, "UNAUTHORIZED");
    assertError(app.post("/api/auth/refresh", null, new JsonObject().put("refreshToken", session.getString("refreshToken"))),
        401, "UNAUTHORIZED");
    assertError(login("eve@example.com", PASSWORD), 403, "ACCOUNT_DISABLED");
    // Only the right password learns that the account is disabled.
    assertError(login("eve@example.com", "a-wrong-password"), 401, "INVALID_CREDENTIALS");

    HttpResponse<Buffer> enabled = app.post("/api/admin/users/" + userId + "/enable", app.adminToken(), null);
    assertEquals(200, enabled.statusCode(), enabled.bodyAsString());
    assertFalse(enabled.bodyAsJsonObject().getBoolean("disabled"));
    assertNull(app.queryRows("SELECT disabled_at FROM users WHERE id = $1", userId).get(0).getValue("disabled_at"));
    HttpResponse<Buffer> again = login("eve@example.com", PASSWORD);
    assertEquals(200, again.statusCode(), again.bodyAsString());
    assertEquals(200, app.get("/api/bookings/history", again.bodyAsJsonObject().getString("token")).statusCode());
    assertError(app.get("/api/bookings/history", token), 401, "UNAUTHORIZED"); // tokens from before stay refused
  }

  @Test
  void onlyAnAdminDisablesAndNotThemself() {
    TestApp.TestUser user = app.user();
    assertError(app.post("/api/admin/users/" + user.id() + "/disable", user.token(), null), 403, "FORBIDDEN");
    assertError(app.post("/api/admin/users/" + user.id() + "/disable", null, null), 401, "UNAUTHORIZED");
    long adminId = app.queryLong("SELECT id FROM users WHERE email = $1", TestApp.ADMIN_EMAIL);
    assertError(app.post("/api/admin/users/" + adminId + "/disable", app.adminToken(), null), 409, "CONFLICT");
    assertError(app.post("/api/admin/users/999999999/disable", app.adminToken(), null), 404, "NOT_FOUND");
    assertError(app.post("/api/admin/users/999999999/enable", app.adminToken(), null), 404, "NOT_FOUND");
    assertError(app.post("/api/admin/users/abc/enable", app.adminToken(), null), 400, "VALIDATION_FAILED");
    assertEquals(200, app.get("/api/bookings/history", user.token()).statusCode());
  }
}
