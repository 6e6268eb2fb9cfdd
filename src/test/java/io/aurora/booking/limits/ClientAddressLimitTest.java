package io.aurora.booking.limits;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The per-address booking limit and who the client is: the socket's peer, unless the peer is a listed
 * proxy. Two applications, the same requests: one trusts nobody, the other trusts 127.0.0.1 (the peer of
 * every test request) as its proxy. The address limit is three requests a minute.
 */
@ExtendWith(VertxExtension.class)
class ClientAddressLimitTest {

  private static final Map<String, Object> TIGHT = Map.of("bookingRatePerIp", 1, "bookingBurstPerIp", 3);
  private static TestApp untrusting;
  private static TestApp behindProxy;
  /** The second application's own Vert.x: two in one would share the event bus, and so each other's queue. */
  private static Vertx otherVertx;

  @BeforeAll
  static void deploy(Vertx vertx) {
    otherVertx = Vertx.vertx();
    untrusting = TestApp.start(vertx, TIGHT);
    behindProxy = TestApp.start(otherVertx, Map.of("bookingRatePerIp", 1, "bookingBurstPerIp", 3, "trustedProxies", "10.0.0.9, 127.0.0.1"));
  }

  @AfterAll
  static void undeploy() {
    untrusting.close();
    behindProxy.close();
    await(otherVertx.close());
  }

  @Test
  void aSpoofedForwardedForFromAnUntrustedPeerChangesNothing() {
    long eventId = untrusting.createEvent(50);
    List<TestUser> users = untrusting.users(4);
    long enqueuedBefore = QueueLeftovers.enqueued(untrusting, eventId);
    for (int i = 0; i < 3; i++) {
      assertEquals(202, book(untrusting, users.get(i), eventId, "203.0.113." + i).statusCode());
    }
    HttpResponse<Buffer> fourth = book(untrusting, users.get(3), eventId, "203.0.113.77");
    assertEquals(429, fourth.statusCode(), fourth.bodyAsString());
    assertEquals("RATE_LIMITED", fourth.bodyAsJsonObject().getString("error"));
    assertEquals("\"booking-ip\";r=0;t=" + fourth.getHeader("RateLimit").replaceAll(".*t=", ""), fourth.getHeader("RateLimit"));
    // The limit was kept for the socket's address, never for the claimed ones.
    assertEquals(1, keyExists(untrusting, "{ip:127.0.0.1}:rl:book"));
    assertEquals(0, keyExists(untrusting, "{ip:203.0.113.0}:rl:book"));
    assertEquals(0, untrusting.queryLong("SELECT count(*) FROM bookings WHERE user_id = $1", users.get(3).id()));
    // The refused request's job, made in the same round trip as the limits, was withdrawn: nothing is left.
    long refusedUser = users.get(3).id();
    assertEquals(List.of(), QueueLeftovers.jobsOf(untrusting, refusedUser, eventId), "no job record");
    assertFalse(QueueLeftovers.liveMarkExists(untrusting, refusedUser, eventId), "no live-job mark");
    assertFalse(QueueLeftovers.holdsOpenJobPlace(untrusting, refusedUser, eventId), "no place in the open-job quota");
    assertEquals(enqueuedBefore + 3, QueueLeftovers.enqueued(untrusting, eventId), "counted as enqueued: the three accepted");
  }

  @Test
  void theSameHeaderViaAListedProxyIsHonoured() {
    long eventId = behindProxy.createEvent(50);
    List<TestUser> users = behindProxy.users(8);
    // Four clients behind the proxy: each has a limit of its own.
    for (int i = 0; i < 4; i++) {
      assertEquals(202, book(behindProxy, users.get(i), eventId, "203.0.113." + i).statusCode());
    }
    // One client (what a client wrote first, then what the proxy appended): its own address counts.
    for (int i = 4; i < 7; i++) {
      assertEquals(202, book(behindProxy, users.get(i), eventId, "198.51.100.1, 203.0.113.50, 10.0.0.9").statusCode());
    }
    HttpResponse<Buffer> over = book(behindProxy, users.get(7), eventId, "198.51.100.2, 203.0.113.50");
    assertEquals(429, over.statusCode(), over.bodyAsString());
    assertEquals(1, keyExists(behindProxy, "{ip:203.0.113.50}:rl:book"));
    assertEquals(0, keyExists(behindProxy, "{ip:198.51.100.1}:rl:book"));
    assertEquals(0, keyExists(behindProxy, "{ip:127.0.0.1}:rl:book"));
  }

  private static HttpResponse<Buffer> book(TestApp app, TestUser user, long eventId, String forwardedFor) {
    return await(app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(user.token())
        .putHeader("X-Forwarded-For", forwardedFor).send());
  }

  private static int keyExists(TestApp app, String key) {
    return await(app.redis.send(Request.cmd(Command.EXISTS).arg(key))).toInteger();
  }
}
