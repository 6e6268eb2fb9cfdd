package io.aurora.booking.bookings;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import io.aurora.booking.notifications.NotificationServers;
import io.aurora.booking.notifications.WebhookReceiver;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Row;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waitlist end to end, on real PostgreSQL and Redis, with a real webhook receiver and SMTP server: a booking
 * request with {"waitlist": true} on a sold-out event ends {@code waitlisted} and holds a place; a freed seat
 * books the first place in the transaction that freed it, and the user hears of it by every channel.
 */
@ExtendWith(VertxExtension.class)
class WaitlistTest {

  private static final JsonObject WAITLIST = new JsonObject().put("waitlist", true);

  private static TestApp app;
  private static NotificationServers servers;
  private static JsonObject hook;

  @BeforeAll
  static void deploy(Vertx vertx) {
    servers = NotificationServers.start(vertx, 0);
    app = TestApp.start(vertx, servers.appSettings(Map.of()));
    HttpResponse<Buffer> created = app.post("/api/admin/webhooks", app.adminToken(), new JsonObject()
        .put("url", servers.receiver().url("/waitlist")).put("events", new JsonArray().add("booking.waitlisted").add("booking.promoted")));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    hook = created.bodyAsJsonObject();
  }

  @AfterAll
  static void undeploy() {
    try {
      app.close();
    } finally {
      servers.close();
    }
  }

  private static String waitlistJob(TestUser user, long eventId) {
    HttpResponse<Buffer> accepted = app.post("/api/bookings/" + eventId + "/book", user.token(), WAITLIST);
    assertEquals(202, accepted.statusCode(), accepted.bodyAsString());
    return accepted.bodyAsJsonObject().getString("jobId");
  }

  private static long bookingOf(JsonObject outcome) {
    return outcome.getJsonObject("result").getLong("bookingId");
  }

  @Test
  void aCancelledSeatGoesToTheWaitlistedUserWhoIsNotifiedByEveryChannel() throws Exception {
    long eventId = app.createEvent(1);
    List<TestUser> users = app.users(2);
    TestUser a = users.get(0);
    TestUser b = users.get(1);
    JsonObject first = app.awaitJob(app.bookJob(a.token(), eventId));
    assertEquals("completed", first.getString("status"));

    String bJob = waitlistJob(b, eventId);
    JsonObject waitlisted = app.awaitJob(bJob);
    assertEquals("waitlisted", waitlisted.getString("status"));
    assertEquals("WAITLISTED", waitlisted.getString("error"));
    assertEquals(1, waitlisted.getJsonObject("result").getLong("waitlistPosition"));
    assertEquals(1, app.queryLong("SELECT count(*) FROM waitlist WHERE event_id = $1 AND user_id = $2 AND job_id = $3",
        eventId, b.id(), bJob));
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", bJob));

    assertEquals(200, app.delete("/api/bookings/" + bookingOf(first) + "/cancel", a.token()).statusCode());

    // In the cancellation's transaction: B's booking, carrying B's job id; B's place gone; the seat taken again.
    List<Row> promoted = app.queryRows("SELECT id, user_id, status FROM bookings WHERE job_id = $1", bJob);
    assertEquals(1, promoted.size());
    assertEquals(b.id(), promoted.get(0).getLong("user_id"));
    assertEquals("CONFIRMED", promoted.get(0).getString("status"));
    assertEquals(0, app.queryLong("SELECT count(*) FROM waitlist WHERE event_id = $1", eventId));
    assertEquals(1, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    long bookingId = promoted.get(0).getLong("id");
    // Audited in the promotion's transaction: one row, by the system, for B's job and booking.
    assertEquals(1, app.queryLong("SELECT count(*) FROM audit_log WHERE action = 'booking.promoted' AND job_id = $1"
        + " AND target_id = $2 AND actor_role = 'SYSTEM'", bJob, Long.toString(bookingId)));

    // Webhook: booking.waitlisted, then booking.promoted, each signed.
    awaitCondition("the promotion webhook", Duration.ofSeconds(30), () -> servers.receiver().callsOfJob(bJob).stream()
        .anyMatch(c -> c.answered() == 204 && "booking.promoted".equals(c.json().getString("type"))));
    List<WebhookReceiver.Call> calls = servers.receiver().callsOfJob(bJob);
    for (WebhookReceiver.Call call : calls) {
      assertTrue(WebhookReceiver.signatureValid(call, hook.getString("secret")), "signature of " + call);
    }
    JsonObject promotion = calls.stream().map(WebhookReceiver.Call::json)
        .filter(j -> "booking.promoted".equals(j.getString("type"))).findFirst().orElseThrow();
    assertEquals(bookingId, promotion.getJsonObject("data").getLong("bookingId"));
    assertEquals(b.id(), promotion.getJsonObject("data").getLong("userId"));
    assertTrue(calls.stream().anyMatch(c -> "booking.waitlisted".equals(c.json().getString("type"))), "waitlisted announced");

    // Email: the place, then the promotion.
    awaitCondition("the promotion mail", Duration.ofSeconds(30), () -> mailsTo(b.email()).stream()
        .anyMatch(m -> subject(m).startsWith("A seat was freed")));
    MimeMessage mail = mailsTo(b.email()).stream().filter(m -> subject(m).startsWith("A seat was freed")).findFirst().orElseThrow();
    assertTrue(GreenMailUtil.getWholeMessage(mail).contains("your booking " + bookingId), "the booking in the mail");
    assertTrue(mailsTo(b.email()).stream().anyMatch(m -> subject(m).equals("You are on the waitlist")));
  }

  @Test
  void theSoldOutFastPathStillAnswersRequestsWithoutTheFlag() {
    long eventId = app.createEvent(1);
    List<TestUser> users = app.users(3);
    JsonObject first = app.awaitJob(app.bookJob(users.get(0).token(), eventId));
    assertEquals("completed", first.getString("status"));
    long fastBefore = app.queueStats().getJsonObject("total").getLong("soldOutFast");

    JsonObject plain = app.awaitJob(app.bookJob(users.get(1).token(), eventId));
    assertEquals("failed", plain.getString("status"));
    assertEquals("SOLD_OUT", plain.getString("error"));
    assertEquals(fastBefore + 1, app.queueStats().getJsonObject("total").getLong("soldOutFast"),
        "answered by the sold-out fast path, without PostgreSQL");

    // Behind it, a request with the flag still reaches the worker and takes a place.
    JsonObject flagged = app.awaitJob(waitlistJob(users.get(2), eventId));
    assertEquals("waitlisted", flagged.getString("status"));
    assertEquals(fastBefore + 1, app.queueStats().getJsonObject("total").getLong("soldOutFast"));

    // A user who holds a booking already: ALREADY_BOOKED, no place.
    JsonObject again = app.awaitJob(waitlistJob(users.get(0), eventId));
    assertEquals("failed", again.getString("status"));
    assertEquals("ALREADY_BOOKED", again.getString("error"));
    assertEquals(List.of(users.get(2).id()), app.queryRows("SELECT user_id FROM waitlist WHERE event_id = $1", eventId)
        .stream().map(r -> r.getLong("user_id")).toList());
  }

  @Test
  void fiftyWaitlistedUsersArePromotedInTheOrderTheirJobsWereDecided() {
    long eventId = app.createEvent(10);
    List<TestUser> holders = app.users(10);
    List<Long> heldBookings = new ArrayList<>();
    for (TestUser holder : holders) {
      heldBookings.add(bookingOf(app.awaitJob(app.bookJob(holder.token(), eventId))));
    }
    List<TestUser> crowd = app.users(50);
    // 50 concurrent requests: the queue's order of them, not the order they were sent in, is the FIFO.
    List<Future<HttpResponse<Buffer>>> sent = crowd.stream().map(user -> app.http
        .post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(user.token()).sendJsonObject(WAITLIST)).toList();
    await(Future.all(sent));
    List<String> jobs = new ArrayList<>();
    for (Future<HttpResponse<Buffer>> response : sent) {
      assertEquals(202, response.result().statusCode(), response.result().bodyAsString());
      jobs.add(response.result().bodyAsJsonObject().getString("jobId"));
    }
    Map<String, JsonObject> outcomes = jobs.stream().collect(Collectors.toMap(j -> j, app::awaitJob));
    assertTrue(outcomes.values().stream().allMatch(o -> "waitlisted".equals(o.getString("status"))), outcomes.toString());

    // The order their jobs were decided in: the shard's enqueue sequence (one event, one FIFO).
    List<String> queueOrder = jobs.stream().sorted(Comparator.comparingLong(WaitlistTest::sequenceOf)).toList();
    for (int i = 0; i < queueOrder.size(); i++) {
      assertEquals(i + 1, outcomes.get(queueOrder.get(i)).getJsonObject("result").getLong("waitlistPosition"),
          "position of the " + (i + 1) + "th job in line");
    }
    assertEquals(queueOrder, app.queryRows("SELECT job_id FROM waitlist WHERE event_id = $1 ORDER BY id", eventId)
        .stream().map(r -> r.getString("job_id")).toList());
    assertEquals(50, analyticsWaitlisted(eventId));

    // Ten more seats: the first ten places, in one transaction.
    HttpResponse<Buffer> raised = app.put("/api/events/" + eventId + "/update", app.adminToken(), new JsonObject().put("capacity", 20));
    assertEquals(200, raised.statusCode(), raised.bodyAsString());
    assertEquals(20, raised.bodyAsJsonObject().getInteger("booked"));
    assertEquals(queueOrder.subList(0, 10), promotedInOrder(eventId));
    // Then the seats freed one by one: each goes to the next place.
    for (int i = 0; i < heldBookings.size(); i++) {
      assertEquals(200, app.delete("/api/bookings/" + heldBookings.get(i) + "/cancel", holders.get(i).token()).statusCode());
      assertEquals(queueOrder.subList(0, 11 + i), promotedInOrder(eventId));
    }
    // Thirty more seats: the rest.
    assertEquals(200, app.put("/api/events/" + eventId + "/update", app.adminToken(), new JsonObject().put("capacity", 50)).statusCode());
    assertEquals(queueOrder, promotedInOrder(eventId));
    assertEquals(0, app.queryLong("SELECT count(*) FROM waitlist WHERE event_id = $1", eventId));
    assertEquals(50, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    assertEquals(50, app.queryLong("SELECT count(*) FROM outbox WHERE event_type = 'booking.promoted' AND payload->'data'->>'eventId' = $1",
        Long.toString(eventId)));
  }

  @Test
  void aUserListsAndLeavesTheirPlacesAndADeletedEventDropsItsWaitlist() {
    long first = app.createEvent(1);
    long second = app.createEvent(1);
    List<TestUser> users = app.users(4);
    app.awaitJob(app.bookJob(users.get(0).token(), first));
    app.awaitJob(app.bookJob(users.get(1).token(), second));
    app.awaitJob(waitlistJob(users.get(2), first));
    TestUser me = users.get(3);
    String firstJob = waitlistJob(me, first);
    app.awaitJob(firstJob);
    app.awaitJob(waitlistJob(me, second));

    JsonArray places = app.get("/api/bookings/waitlist", me.token()).bodyAsJsonObject().getJsonArray("waitlist");
    assertEquals(2, places.size());
    JsonObject onFirst = places.getJsonObject(0);
    assertEquals(first, onFirst.getLong("eventId"));
    assertEquals(2, onFirst.getLong("position"));
    assertEquals(firstJob, onFirst.getString("jobId"));
    assertEquals(1, places.getJsonObject(1).getLong("position"));

    HttpResponse<Buffer> left = app.delete("/api/bookings/waitlist/" + first, me.token());
    assertEquals(200, left.statusCode(), left.bodyAsString());
    assertEquals(0, app.queryLong("SELECT count(*) FROM waitlist WHERE event_id = $1 AND user_id = $2", first, me.id()));
    HttpResponse<Buffer> again = app.delete("/api/bookings/waitlist/" + first, me.token());
    assertEquals(404, again.statusCode());
    assertEquals("NOT_FOUND", again.bodyAsJsonObject().getString("error"));
    assertEquals(400, app.delete("/api/bookings/waitlist/abc", me.token()).statusCode());
    HttpResponse<Buffer> badFlag = app.post("/api/bookings/" + first + "/book", me.token(), new JsonObject().put("waitlist", "yes"));
    assertEquals(400, badFlag.statusCode());
    assertEquals("VALIDATION_FAILED", badFlag.bodyAsJsonObject().getString("error"));
    assertEquals(401, app.get("/api/bookings/waitlist", null).statusCode());
    assertEquals(List.of(second), app.get("/api/bookings/waitlist", me.token()).bodyAsJsonObject().getJsonArray("waitlist")
        .stream().map(p -> ((JsonObject) p).getLong("eventId")).toList());

    assertEquals(200, app.delete("/api/events/" + second + "/delete?force=true", app.adminToken()).statusCode());
    assertEquals(0, app.queryLong("SELECT count(*) FROM waitlist WHERE event_id = $1", second));
    assertEquals(0, app.get("/api/bookings/waitlist", me.token()).bodyAsJsonObject().getJsonArray("waitlist").size());
  }

  private static long sequenceOf(String jobId) {
    int shard = Sharding.shardOfJob(jobId);
    return await(app.redis.send(Request.cmd(Command.HGET).arg("{s" + shard + "}:job:" + jobId).arg("seq"))).toLong();
  }

  /** The waitlisted jobs booked so far, in the order their bookings were made. */
  private static List<String> promotedInOrder(long eventId) {
    return app.queryRows("""
        SELECT b.job_id FROM bookings b JOIN outbox o ON o.dedup_key = 'promote:' || b.job_id
        WHERE b.event_id = $1 ORDER BY b.id""", eventId).stream().map(r -> r.getString("job_id")).toList();
  }

  private static long analyticsWaitlisted(long eventId) {
    return app.get("/api/admin/analytics", app.adminToken()).bodyAsJsonObject().getJsonArray("capacityUtilisation").stream()
        .map(JsonObject.class::cast).filter(e -> e.getLong("id") == eventId).findFirst().orElseThrow().getLong("waitlisted");
  }

  private static String subject(MimeMessage mail) {
    try {
      return mail.getSubject();
    } catch (Exception e) {
      return "";
    }
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
