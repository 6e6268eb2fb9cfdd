package io.aurora.booking.notifications;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.SeatLedger;
import io.aurora.booking.bookings.TakenJob;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Notifications end to end, on real PostgreSQL and Redis: the outbox row commits with the booking, a real
 * HTTP receiver gets the signed event at least once (exactly once after deduplication by webhook-id), through
 * failures and a restart of the service, and a real SMTP server (GreenMail) gets the user's email.
 */
@ExtendWith(VertxExtension.class)
class WebhookDeliveryTest {

  private static TestApp app;
  private static NotificationServers servers;

  @BeforeAll
  static void deploy(Vertx vertx) {
    servers = NotificationServers.start(vertx, 2);
    app = TestApp.start(vertx, servers.appSettings(Map.of("webhookTimeoutMillis", 2_000)));
  }

  @AfterAll
  static void undeploy() {
    try {
      app.close();
    } finally {
      servers.close();
    }
  }

  private static JsonObject register(String path, String... events) {
    HttpResponse<Buffer> created = app.post("/api/admin/webhooks", app.adminToken(),
        new JsonObject().put("url", servers.receiver().url(path)).put("events", new JsonArray(Arrays.asList(events))));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    return created.bodyAsJsonObject();
  }

  @Test
  void aReceiverFailingTwiceGetsTheSignedEventOnceAfterDeduplication() {
    JsonObject hook = register("/twice", "booking.confirmed");
    long eventId = app.createEvent(5);
    TestUser user = app.user();
    String jobId = app.bookJob(user.token(), eventId);
    JsonObject outcome = app.awaitJob(jobId);
    assertEquals("completed", outcome.getString("status"));

    awaitCondition("the third attempt to be accepted", Duration.ofSeconds(30),
        () -> servers.receiver().callsOfJob(jobId).stream().anyMatch(c -> c.answered() == 204 && c.path().equals("/twice")));
    List<WebhookReceiver.Call> calls = servers.receiver().callsOfJob(jobId).stream().filter(c -> c.path().equals("/twice")).toList();
    assertEquals(List.of(500, 500, 204), calls.stream().map(WebhookReceiver.Call::answered).toList());
    assertEquals(1, calls.stream().map(WebhookReceiver.Call::id).distinct().count(), "the webhook-id is stable across retries");
    for (WebhookReceiver.Call call : calls) {
      assertTrue(WebhookReceiver.signatureValid(call, hook.getString("secret")), "signature of " + call);
      assertTrue(!WebhookReceiver.signatureValid(call, WebhookSignature.newSecret()), "another secret does not verify");
    }
    JsonObject event = new JsonObject(servers.receiver().accepted.get(calls.get(0).id()));
    assertEquals("booking.confirmed", event.getString("type"));
    assertEquals(outcome.getJsonObject("result").getLong("bookingId"), event.getJsonObject("data").getLong("bookingId"));
    assertEquals(user.id(), event.getJsonObject("data").getLong("userId"));

    Row delivery = app.queryRows("""
        SELECT d.status, d.attempts FROM notification_deliveries d JOIN outbox o ON o.id = d.outbox_id
        WHERE d.webhook_id = $1 AND o.dedup_key = $2""", hook.getLong("id"), "job:" + jobId).get(0);
    assertEquals("DELIVERED", delivery.getString("status"));
    assertEquals(3, delivery.getInteger("attempts"));

    // The admins see it, and a replay sends it again under the same webhook-id.
    JsonArray deliveries = app.get("/api/admin/webhooks/" + hook.getLong("id") + "/deliveries", app.adminToken())
        .bodyAsJsonObject().getJsonArray("deliveries");
    JsonObject listed = deliveries.stream().map(JsonObject.class::cast)
        .filter(d -> d.getString("webhookId").equals(calls.get(0).id())).findFirst().orElseThrow();
    assertEquals("DELIVERED", listed.getString("status"));
    HttpResponse<Buffer> replayed = app.post("/api/admin/webhooks/" + hook.getLong("id") + "/deliveries/"
        + listed.getLong("id") + "/replay", app.adminToken(), null);
    assertEquals(202, replayed.statusCode(), replayed.bodyAsString());
    awaitCondition("the replay", Duration.ofSeconds(30),
        () -> servers.receiver().callsOfJob(jobId).stream().filter(c -> c.path().equals("/twice")).count() == 4);
    assertEquals(calls.get(0).id(), servers.receiver().callsOfJob(jobId).stream().filter(c -> c.path().equals("/twice")).toList().get(3).id());
  }

  @Test
  void deliveriesSurviveARestartOfTheServiceHalfway() {
    servers.receiver().refusing.add("/restart");
    register("/restart", "booking.confirmed", "booking.cancelled");
    long eventId = app.createEvent(5);
    TestUser user = app.user();
    String jobId = app.bookJob(user.token(), eventId);
    app.awaitJob(jobId);
    awaitCondition("a first, refused attempt", Duration.ofSeconds(30),
        () -> servers.receiver().callsOfJob(jobId).stream().anyMatch(c -> c.path().equals("/restart")));

    app.stopServer();
    servers.receiver().refusing.remove("/restart");
    app.restartServer();

    awaitCondition("the delivery after the restart", Duration.ofSeconds(60),
        () -> servers.receiver().callsOfJob(jobId).stream().anyMatch(c -> c.path().equals("/restart") && c.answered() == 204));
    List<WebhookReceiver.Call> calls = servers.receiver().callsOfJob(jobId).stream().filter(c -> c.path().equals("/restart")).toList();
    assertEquals(1, calls.stream().map(WebhookReceiver.Call::id).distinct().count(), "one webhook-id before and after");
    assertEquals(1, calls.stream().filter(c -> c.answered() == 204).count());
    assertEquals("DELIVERED", app.queryRows("""
        SELECT d.status FROM notification_deliveries d JOIN outbox o ON o.id = d.outbox_id
        JOIN webhooks w ON w.id = d.webhook_id WHERE w.url = $1 AND o.dedup_key = $2""",
        servers.receiver().url("/restart"), "job:" + jobId).get(0).getString("status"));
  }

  @Test
  void aCancellationIsAnnouncedInItsOwnTransaction() {
    long eventId = app.createEvent(5);
    TestUser user = app.user();
    JsonObject outcome = app.awaitJob(app.bookJob(user.token(), eventId));
    long bookingId = outcome.getJsonObject("result").getLong("bookingId");
    assertEquals(200, app.delete("/api/bookings/" + bookingId + "/cancel", user.token()).statusCode());
    List<Row> rows = app.queryRows("SELECT event_type, payload::text AS payload FROM outbox WHERE dedup_key = $1",
        "cancel:" + bookingId);
    assertEquals(1, rows.size());
    assertEquals("booking.cancelled", rows.get(0).getString("event_type"));
    assertEquals(user.id(), new JsonObject(rows.get(0).getString("payload")).getJsonObject("data").getLong("userId"));
    // Cancelling again changes nothing and announces nothing more.
    app.delete("/api/bookings/" + bookingId + "/cancel", user.token());
    assertEquals(1, app.queryLong("SELECT count(*) FROM outbox WHERE dedup_key = $1", "cancel:" + bookingId));
  }

  @Test
  void aBatchThatRollsBackLeavesNoOutboxRows() {
    long eventId = app.createEvent(10);
    List<TestUser> users = app.users(3);
    List<TakenJob> jobs = users.stream()
        .map(u -> new TakenJob("rollback-" + u.id(), u.id(), eventId, 1, 1, System.currentTimeMillis())).toList();
    // Fails at COMMIT, after the bookings and their outbox rows were written in the transaction.
    app.queryRows("""
        CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused at commit'; END $$""");
    app.queryRows("""
        CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON bookings DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.job_id LIKE 'rollback-%') EXECUTE FUNCTION refuse_at_commit()""");
    SeatLedger ledger = new SeatLedger(app.db, 1);
    try {
      assertThrows(RuntimeException.class, () -> await(ledger.decide(eventId, jobs)));
      assertEquals(0, app.queryLong("SELECT count(*) FROM outbox WHERE dedup_key LIKE 'job:rollback-%'"));
      assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE job_id LIKE 'rollback-%'"));
    } finally {
      app.queryRows("DROP TRIGGER refuse_at_commit ON bookings");
      app.queryRows("DROP FUNCTION refuse_at_commit()");
    }
    List<JobOutcome> outcomes = await(ledger.decide(eventId, jobs));
    assertTrue(outcomes.stream().allMatch(JobOutcome::completed));
    assertEquals(3, app.queryLong("SELECT count(*) FROM outbox WHERE dedup_key LIKE 'job:rollback-%'"
        + " AND event_type = 'booking.confirmed'"));
    // Deciding the same jobs again (a redelivery) announces nothing twice.
    await(ledger.decide(eventId, jobs));
    assertEquals(3, app.queryLong("SELECT count(*) FROM outbox WHERE dedup_key LIKE 'job:rollback-%'"));
  }

  @Test
  void aJobTheDatabaseRefusesAloneIsAnnouncedAndItsBatchMatesToo() {
    long eventId = app.createEvent(10);
    List<TestUser> users = app.users(3);
    List<TakenJob> jobs = users.stream()
        .map(u -> new TakenJob("refused-" + u.id(), u.id(), eventId, 1, 1, System.currentTimeMillis())).toList();
    String refusedJob = jobs.get(1).jobId();
    // A row refusal no check foresaw (class 23): the batch splits until the refused job stands alone.
    app.queryRows("""
        CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END $$""");
    app.queryRows("CREATE TRIGGER refuse_one BEFORE INSERT ON bookings FOR EACH ROW WHEN (NEW.job_id = '"
        + refusedJob + "') EXECUTE FUNCTION refuse_one()");
    List<JobOutcome> outcomes;
    try {
      outcomes = await(new SeatLedger(app.db, 1).decide(eventId, jobs));
    } finally {
      app.queryRows("DROP TRIGGER refuse_one ON bookings");
      app.queryRows("DROP FUNCTION refuse_one()");
    }
    assertEquals(List.of(true, false, true), outcomes.stream().map(JobOutcome::completed).toList());
    List<Row> rows = app.queryRows("""
        SELECT dedup_key, event_type, payload->'data'->>'reason' AS reason FROM outbox
        WHERE dedup_key LIKE 'job:refused-%' ORDER BY dedup_key""");
    assertEquals(3, rows.size());
    Map<String, String> types = rows.stream().collect(Collectors.toMap(r -> r.getString("dedup_key"), r -> r.getString("event_type")));
    assertEquals("booking.failed", types.get("job:" + refusedJob));
    assertEquals("booking.confirmed", types.get("job:" + jobs.get(0).jobId()));
    assertEquals("booking.confirmed", types.get("job:" + jobs.get(2).jobId()));
    assertEquals("BOOKING_REFUSED", rows.stream().filter(r -> r.getString("dedup_key").equals("job:" + refusedJob))
        .findFirst().orElseThrow().getString("reason"));
  }

  /** The second job is answered by the sold-out fast path (Redis) or by PostgreSQL: either way it is announced once. */
  @Test
  void aSoldOutJobIsAnnouncedAsFailedWhicheverPathDecidesIt() {
    long eventId = app.createEvent(1);
    List<TestUser> users = app.users(2);
    String first = app.bookJob(users.get(0).token(), eventId);
    app.awaitJob(first);
    String second = app.bookJob(users.get(1).token(), eventId);
    JsonObject outcome = app.awaitJob(second);
    assertEquals("failed", outcome.getString("status"));
    // The fast path answers in Redis first; the worker's announcement follows the take.
    awaitCondition("the announcement", Duration.ofSeconds(30),
        () -> app.queryLong("SELECT count(*) FROM outbox WHERE dedup_key = $1", "job:" + second) > 0);
    List<Row> rows = app.queryRows("SELECT event_type, payload::text AS payload FROM outbox WHERE dedup_key = $1", "job:" + second);
    assertEquals(1, rows.size());
    assertEquals("booking.failed", rows.get(0).getString("event_type"));
    JsonObject data = new JsonObject(rows.get(0).getString("payload")).getJsonObject("data");
    assertEquals("SOLD_OUT", data.getString("reason"));
    assertEquals(users.get(1).id(), data.getLong("userId"));
  }

  @Test
  void theSmtpServerReceivesTheConfirmationMail() throws Exception {
    long eventId = app.createEvent(5);
    TestUser user = app.user();
    String jobId = app.bookJob(user.token(), eventId);
    JsonObject outcome = app.awaitJob(jobId);
    long bookingId = outcome.getJsonObject("result").getLong("bookingId");
    awaitCondition("the confirmation mail", Duration.ofSeconds(30), () -> mailsTo(user.email()).size() == 1);
    MimeMessage mail = mailsTo(user.email()).get(0);
    assertEquals("Your booking is confirmed", mail.getSubject());
    assertEquals("bookings@test.local", mail.getFrom()[0].toString());
    String raw = GreenMailUtil.getWholeMessage(mail);
    assertTrue(raw.contains("text/plain") && raw.contains("text/html"), "plain text and HTML parts");
    assertTrue(raw.contains("Your booking " + bookingId), raw);
    awaitCondition("the email delivery to be recorded", Duration.ofSeconds(30), () -> app.queryRows("""
        SELECT d.status FROM notification_deliveries d JOIN outbox o ON o.id = d.outbox_id
        WHERE d.channel = 'email' AND o.dedup_key = $1 AND d.status = 'DELIVERED'""", "job:" + jobId).size() == 1);
  }

  private static List<MimeMessage> mailsTo(String email) {
    return Arrays.stream(servers.smtp().getReceivedMessages()).filter(m -> {
      try {
        return Arrays.stream(m.getAllRecipients()).map(Object::toString).collect(Collectors.toSet()).contains(email);
      } catch (Exception e) {
        return false;
      }
    }).toList();
  }
}
