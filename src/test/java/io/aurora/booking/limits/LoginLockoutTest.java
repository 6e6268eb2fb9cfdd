package io.aurora.booking.limits;

import io.aurora.booking.testing.TestApp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wrong passwords against one account lock it for everyone, the admin account too, and the owner gets in
 * once the lock is over. Locks are short here (1 s, at most 2 s) so the test waits briefly, by polling.
 */
@ExtendWith(VertxExtension.class)
class LoginLockoutTest {

  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx, Map.of("loginFailuresBeforeLockout", 5, "loginLockoutSeconds", 1,
        "loginLockoutMaxSeconds", 2, "loginRatePerAccount", 6_000, "loginBurstPerAccount", 1_000));
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void sixtyWrongPasswordsAreThrottledAndTheOwnerGetsInAfterTheLock() {
    List<Future<HttpResponse<Buffer>>> attempts = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      attempts.add(login(TestApp.ADMIN_EMAIL, "wrong-password-" + i));
    }
    await(Future.join(new ArrayList<Future<?>>(attempts)));
    long refused = attempts.stream().map(Future::result).filter(r -> r.statusCode() == 429).peek(r -> {
      assertEquals("RATE_LIMITED", r.bodyAsJsonObject().getString("error"));
      assertTrue(Long.parseLong(r.getHeader("Retry-After")) >= 1);
    }).count();
    long wrong = attempts.stream().map(Future::result).filter(r -> r.statusCode() == 401).count();
    assertEquals(60, refused + wrong, "every attempt is 401 or 429");
    assertTrue(refused > 0, "the account was locked");
    // Counted before the password is checked: sent all at once, the attempts get no more guesses than one
    // by one (5, then one per lock; locks of 1 s, then 2 s).
    assertTrue(wrong <= 10, "guesses checked: " + wrong);

    // Locked: even the right password is refused for now.
    HttpResponse<Buffer> owner = await(login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD));
    if (owner.statusCode() == 429) {
      assertTrue(Long.parseLong(owner.getHeader("Retry-After")) <= 2);
    }
    // After the lock the owner gets in, and the count of wrong passwords starts again.
    HttpResponse<Buffer>[] last = new HttpResponse[1];
    awaitCondition("the owner's login after the lock", Duration.ofSeconds(15), () -> {
      last[0] = await(login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD));
      return last[0].statusCode() == 200;
    });
    assertEquals("ADMIN", last[0].bodyAsJsonObject().getJsonObject("user").getString("role"));
    assertEquals(401, await(login(TestApp.ADMIN_EMAIL, "one-more-wrong")).statusCode(), "one wrong password is no lock");
    assertTrue(app.queueStats().getJsonObject("throttled").getJsonObject("totalByLimit").getLong("login-lockout") >= refused);
  }

  @Test
  void tooManyAttemptsForOneAccountAreRefusedWithTheDraftHeaders() {
    // A Vert.x of its own: two applications in one would share the event bus.
    Vertx otherVertx = Vertx.vertx();
    TestApp tight = TestApp.start(otherVertx, Map.of("loginRatePerAccount", 1, "loginBurstPerAccount", 2));
    try {
      String email = "nobody-" + System.nanoTime() + "@test.local";
      for (int i = 0; i < 2; i++) {
        HttpResponse<Buffer> allowed = await(tight.http.post("/api/auth/login")
            .sendJsonObject(new JsonObject().put("email", email).put("password", "whatever-123")));
        assertEquals(401, allowed.statusCode());
        assertEquals("\"login-account\";q=2;w=120", allowed.getHeader("RateLimit-Policy"));
      }
      HttpResponse<Buffer> refused = await(tight.http.post("/api/auth/register")
          .sendJsonObject(new JsonObject().put("name", "N").put("email", email).put("password", "whatever-123")));
      assertEquals(429, refused.statusCode(), refused.bodyAsString());
      assertEquals("RATE_LIMITED", refused.bodyAsJsonObject().getString("error"));
      assertEquals("\"login-account\";q=2;w=120", refused.getHeader("RateLimit-Policy"));
      assertTrue(refused.getHeader("RateLimit").startsWith("\"login-account\";r=0;t="));
      assertTrue(Long.parseLong(refused.getHeader("Retry-After")) >= 1);
      assertEquals(0, tight.queryLong("SELECT count(*) FROM users WHERE email = $1", email), "no account was made");
    } finally {
      tight.close();
      await(otherVertx.close());
    }
  }

  private static Future<HttpResponse<Buffer>> login(String email, String password) {
    return app.http.post("/api/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", password));
  }
}
