package io.aurora.booking.notifications;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook admin endpoints and the SSRF guard, on a service with the guard on (the default): loopback,
 * link-local and private targets are refused when registered and again when delivered to.
 */
@ExtendWith(VertxExtension.class)
class WebhookAdminTest {

  private static TestApp app;
  private static WebhookReceiver receiver;

  @BeforeAll
  static void deploy(Vertx vertx) {
    receiver = new WebhookReceiver(vertx, 0);
    app = TestApp.start(vertx, Map.of("notificationRetryBaseMillis", 50, "notificationRetryMaxMillis", 100,
        "notificationMaxAttempts", 2, "notificationPollMillis", 50));
  }

  @AfterAll
  static void undeploy() {
    try {
      app.close();
    } finally {
      receiver.close();
    }
  }

  private static HttpResponse<Buffer> create(Object body) {
    return app.post("/api/admin/webhooks", app.adminToken(), body);
  }

  private static JsonObject hook(String url, String... events) {
    return new JsonObject().put("url", url).put("events", new JsonArray(List.of((Object[]) events)));
  }

  @Test
  void privateLoopbackAndLinkLocalTargetsAreRefused() {
    List<String> urls = List.of("http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data", "http://10.0.0.7/hook", "http://192.168.1.1/hook",
        "http://172.16.5.4/hook", "http://0.0.0.0/hook", "http://[fd00::1]/hook", "http://[::ffff:127.0.0.1]/hook");
    for (String url : urls) {
      assertError(create(hook(url, "booking.confirmed")), 400, "VALIDATION_FAILED");
    }
    assertEquals(0, app.queryLong("SELECT count(*) FROM webhooks WHERE url = ANY($1)", (Object) urls.toArray(String[]::new)));
  }

  @Test
  void aPrivateTargetThatGotInAnywayIsRefusedAtDeliveryAndDeadLettered() {
    // As if the guard had been off when it was registered, or the name resolved elsewhere then.
    long hookId = app.queryLong("INSERT INTO webhooks (url, events, secret) VALUES ($1, $2, $3) RETURNING id",
        receiver.url("/private"), new String[] {"booking.confirmed"}, WebhookSignature.newSecret());
    long eventId = app.createEvent(3);
    TestUser user = app.user();
    String jobId = app.bookJob(user.token(), eventId);
    app.awaitJob(jobId);
    awaitCondition("the delivery to be dead-lettered", Duration.ofSeconds(30), () -> app.queryRows("""
        SELECT 1 FROM notification_deliveries d JOIN outbox o ON o.id = d.outbox_id
        WHERE d.webhook_id = $1 AND o.dedup_key = $2 AND d.status = 'DEAD'""", hookId, "job:" + jobId).size() == 1);
    String error = app.queryRows("SELECT last_error FROM notification_deliveries WHERE webhook_id = $1", hookId)
        .get(0).getString("last_error");
    assertTrue(error.contains("127.0.0.1"), error);
    assertEquals(2, app.queryLong("SELECT attempts FROM notification_deliveries WHERE webhook_id = $1", hookId));
    assertTrue(receiver.calls.isEmpty(), "the private receiver was never called");
    app.queryRows("UPDATE webhooks SET deleted_at = now() WHERE id = $1", hookId);
  }

  @Test
  void invalidRegistrationsAreRefusedWithJsonErrors() {
    assertError(create(new JsonObject().put("events", new JsonArray().add("booking.confirmed"))), 400, "VALIDATION_FAILED");
    assertError(create(new JsonObject().put("url", "https://hooks.example.com/x")), 400, "VALIDATION_FAILED");
    assertError(create(hook("https://hooks.example.com/x")), 400, "VALIDATION_FAILED");
    assertError(create(hook("https://hooks.example.com/x", "booking.exploded")), 400, "VALIDATION_FAILED");
    assertError(create(hook("ftp://hooks.example.com/x", "booking.confirmed")), 400, "VALIDATION_FAILED");
    assertError(create(hook("https://user:pw@hooks.example.com/x", "booking.confirmed")), 400, "VALIDATION_FAILED");
    assertError(create(hook("not a url", "booking.confirmed")), 400, "VALIDATION_FAILED");
    assertError(create(new JsonObject().put("url", 42).put("events", "booking.confirmed")), 400, "VALIDATION_FAILED");
    assertError(create("[1,2]"), 400, "INVALID_JSON");
    assertError(app.post("/api/admin/webhooks", app.user().token(), hook("https://hooks.example.com/x", "booking.confirmed")),
        403, "FORBIDDEN");
    assertError(app.post("/api/admin/webhooks", null, hook("https://hooks.example.com/x", "booking.confirmed")),
        401, "UNAUTHORIZED");
    assertError(app.delete("/api/admin/webhooks/abc", app.adminToken()), 400, "VALIDATION_FAILED");
    assertError(app.delete("/api/admin/webhooks/987654", app.adminToken()), 404, "NOT_FOUND");
    assertError(app.get("/api/admin/webhooks/987654/deliveries", app.adminToken()), 404, "NOT_FOUND");
    assertError(app.get("/api/admin/webhooks/1/deliveries?limit=0", app.adminToken()), 400, "VALIDATION_FAILED");
    assertError(app.post("/api/admin/webhooks/987654/deliveries/1/replay", app.adminToken(), null), 404, "NOT_FOUND");
    assertError(app.post("/api/admin/webhooks/1/deliveries/x/replay", app.adminToken(), null), 400, "VALIDATION_FAILED");
  }

  @Test
  void aWebhookIsListedWithoutItsSecretAndCanBeDeleted() {
    long id = app.queryLong("INSERT INTO webhooks (url, events, secret) VALUES ($1, $2, $3) RETURNING id",
        "https://hooks.example.com/listed", new String[] {"booking.cancelled"}, WebhookSignature.newSecret());
    JsonObject listed = app.get("/api/admin/webhooks", app.adminToken()).bodyAsJsonObject();
    JsonObject mine = listed.getJsonArray("webhooks").stream().map(JsonObject.class::cast)
        .filter(h -> h.getLong("id") == id).findFirst().orElseThrow();
    assertEquals(new JsonArray().add("booking.cancelled"), mine.getJsonArray("events"));
    assertFalse(mine.containsKey("secret"));
    HttpResponse<Buffer> deleted = app.delete("/api/admin/webhooks/" + id, app.adminToken());
    assertEquals(200, deleted.statusCode(), deleted.bodyAsString());
    assertEquals(1, app.queryLong("SELECT count(*) FROM webhooks WHERE id = $1 AND deleted_at IS NOT NULL", id));
    assertError(app.delete("/api/admin/webhooks/" + id, app.adminToken()), 404, "NOT_FOUND");
    assertTrue(app.get("/api/admin/webhooks", app.adminToken()).bodyAsJsonObject().getJsonArray("webhooks").stream()
        .map(JsonObject.class::cast).noneMatch(h -> h.getLong("id") == id));
  }
}
