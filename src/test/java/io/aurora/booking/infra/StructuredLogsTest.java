package io.aurora.booking.infra;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.aurora.booking.testing.Jwts;
import io.aurora.booking.testing.LogCapture;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import net.logstash.logback.argument.StructuredArguments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the service writes to its logs, captured through the real encoders while real requests run:
 * one JSON object per line with the job's fields, and never a password, token or password hash.
 */
@ExtendWith(VertxExtension.class)
class StructuredLogsTest {

  private static final String PASSWORD = "correct horse battery staple 42";
  private static final String WRONG_PASSWORD = "Tr0ub4dor&3-not-it";
  private static final String METRICS_TOKEN = "metrics-token-abcdef0123456789";
  private static final String NODE = "test-node-7";

  @Test
  void noPasswordTokenOrPasswordHashEverReachesTheLogs(Vertx vertx) {
    Map<String, String> secrets = new LinkedHashMap<>();
    String json;
    String text;
    // DEBUG everywhere (but for the loggers pinned lower in logback-test.xml): more than production logs.
    try (LogCapture logs = LogCapture.start(Level.DEBUG)) {
      try (TestApp app = TestApp.start(vertx, Map.of("metricsToken", METRICS_TOKEN, "nodeName", NODE))) {
        secrets.put("the admin password", TestApp.ADMIN_PASSWORD);
        secrets.put("the JWT secret", TestApp.SECRET);
        secrets.put("the metrics token", METRICS_TOKEN);
        secrets.put("the user's password", PASSWORD);
        secrets.put("a wrong password", WRONG_PASSWORD);

        HttpResponse<Buffer> registered = app.post("/api/auth/register", null, new JsonObject()
            .put("name", "Grace").put("email", "grace@example.com").put("password", PASSWORD));
        assertEquals(201, registered.statusCode(), registered.bodyAsString());
        secrets.put("the registration token", registered.bodyAsJsonObject().getString("token"));

        HttpResponse<Buffer> login = app.post("/api/auth/login", null,
            new JsonObject().put("email", "grace@example.com").put("password", PASSWORD));
        assertEquals(200, login.statusCode(), login.bodyAsString());
        String token = login.bodyAsJsonObject().getString("token");
        secrets.put("the login token", token);
        assertError(app.post("/api/auth/login", null,
            new JsonObject().put("email", "grace@example.com").put("password", WRONG_PASSWORD)), 401, "INVALID_CREDENTIALS");
        secrets.put("the admin token", app.adminToken());

        long eventId = app.createEvent(1);
        String jobId = app.bookJob(token, eventId);
        assertEquals("completed", app.awaitJob(jobId).getString("status"));
        assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));

        String forged = Jwts.hs256(new JsonObject().put("sub", "1").put("email", "grace@example.com").put("role", "ADMIN")
            .put("exp", Instant.now().plusSeconds(600).getEpochSecond()), "a-secret-that-is-not-the-servers-0123456789");
        secrets.put("a forged token", forged);
        assertError(app.get("/api/admin/queue/stats", forged), 401, "UNAUTHORIZED");
        assertError(app.get("/api/bookings/history", "not.a.token"), 401, "UNAUTHORIZED");
        assertError(app.get("/metrics", "wrong-" + METRICS_TOKEN), 401, "UNAUTHORIZED");
        assertEquals(200, app.get("/metrics", METRICS_TOKEN).statusCode());

        String hash = app.queryRows("SELECT password_hash FROM users WHERE email = $1", "grace@example.com").get(0).getString(0);
        assertTrue(hash.startsWith("$2"), hash);
        secrets.put("the password hash", hash);
        secrets.put("the hash without its prefix", hash.substring(7));
        String adminHash = app.queryRows("SELECT password_hash FROM users WHERE role = 'ADMIN'").get(0).getString(0);
        secrets.put("the admin's password hash", adminHash.substring(7));
      }
      json = logs.json();
      text = logs.text();
    }
    // A token's signature alone is as good as the token for telling whether it leaked.
    for (String name : List.copyOf(secrets.keySet())) {
      String value = secrets.get(name);
      if (name.contains("token") && value.split("\\.").length == 3) {
        secrets.put(name + " (its signature)", value.split("\\.")[2]);
      }
    }

    assertTrue(json.lines().count() > 10, "the flows were logged: " + json.lines().count() + " lines");
    assertTrue(json.contains("Aurora Booking is up"), "the start-up banner is in the capture");
    for (Map.Entry<String, String> secret : secrets.entrySet()) {
      assertFalse(json.contains(secret.getValue()), secret.getKey() + " is in the JSON log");
      assertFalse(text.contains(secret.getValue()), secret.getKey() + " is in the text log");
    }
  }

  @Test
  void anUnknownLogFormatLogsJsonRatherThanNothing() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    LogFormatEncoder encoder = new LogFormatEncoder();
    encoder.setContext(context);
    encoder.setFormat("yaml");
    encoder.start();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("test"), Level.WARN, "shard {} stalled",
        null, new Object[] {StructuredArguments.v("shard", 3)});
    JsonObject line = new JsonObject(new String(encoder.encode(event), StandardCharsets.UTF_8).trim());
    assertEquals("shard 3 stalled", line.getString("message"));
    assertEquals(3, line.getInteger("shard"));
    encoder.stop();

    LogFormatEncoder text = new LogFormatEncoder();
    text.setContext(context);
    text.setFormat("TEXT");
    text.start();
    String textLine = new String(text.encode(event), StandardCharsets.UTF_8);
    assertTrue(textLine.contains(" WARN ") && textLine.endsWith(" test - shard 3 stalled\n"), textLine);
    text.stop();
  }

  @Test
  void everyJsonLineIsOneObjectAndJobLinesCarryJobEventShardAndNode(Vertx vertx) {
    String json;
    String jobId;
    long eventId;
    try (LogCapture logs = LogCapture.start(Level.DEBUG)) {
      try (TestApp app = TestApp.start(vertx, Map.of("nodeName", NODE))) {
        eventId = app.createEvent(1);
        jobId = app.bookJob(app.user().token(), eventId);
        assertEquals("completed", app.awaitJob(jobId).getString("status"));
        String late = app.bookJob(app.user().token(), eventId);
        assertEquals("SOLD_OUT", app.awaitJob(late).getString("error"));
      }
      json = logs.json();
    }

    List<JsonObject> lines = new ArrayList<>();
    json.lines().forEach(line -> {
      try {
        lines.add(new JsonObject(line));
      } catch (RuntimeException e) {
        fail("not one JSON object per line: " + line);
      }
    });
    for (JsonObject line : lines) {
      assertTrue(line.containsKey("@timestamp") && line.containsKey("level") && line.containsKey("logger_name"), line.encode());
      if (line.getString("logger_name").startsWith("io.aurora.")) {
        // Lines of libraries logged before the application named its node (the test's own set-up) have none.
        assertEquals(NODE, line.getString("node"), line.encode());
      }
    }
    JsonObject jobLine = lines.stream().filter(line -> jobId.equals(line.getString("jobId"))).findFirst()
        .orElseThrow(() -> new AssertionError("no line with the job's id among " + lines.size()));
    assertEquals(eventId, jobLine.getLong("eventId"), jobLine.encode());
    assertEquals(Integer.parseInt(jobId.substring(0, jobId.indexOf('-'))), jobLine.getInteger("shard"), jobLine.encode());
    assertEquals("completed", jobLine.getString("outcome"), jobLine.encode());
    assertTrue(lines.stream().anyMatch(line -> "SOLD_OUT".equals(line.getString("reason"))), "the failed job's line");
    // The same line reads naturally in the text format: the structured values sit in the message.
    assertTrue(jobLine.getString("message").contains(jobId), jobLine.encode());
  }
}
