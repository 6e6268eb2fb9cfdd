package io.aurora.booking.limits;

import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** limit.lua and lockout.lua, one by one against a real Redis, through {@link RateLimiter}. */
@ExtendWith(VertxExtension.class)
class LimitScriptsTest {

  private static Vertx vertx;
  private static String redisUrl;
  private static Redis redis;
  private static RateLimiter limiter;
  private static final AtomicInteger THROTTLED = new AtomicInteger();
  private static final AtomicInteger SUBJECTS = new AtomicInteger();

  @BeforeAll
  static void connect(Vertx classVertx) {
    vertx = classVertx;
    redisUrl = TestServices.get().newRedisDb();
    redis = TestServices.get().redisClient(vertx, redisUrl);
    TestServices.get().flushRedis(vertx, redisUrl);
    limiter = new RateLimiter(redis, limit -> THROTTLED.incrementAndGet(), true);
  }

  @AfterAll
  static void close() {
    redis.close();
  }

  @Test
  void aBurstPassesThenOneRequestPerInterval() {
    RateLimit limit = new RateLimit("test", 60, 3); // one a second, three at once
    String key = "{t:" + SUBJECTS.incrementAndGet() + "}:rl";
    for (int expectedRemaining = 2; expectedRemaining >= 0; expectedRemaining--) {
      Verdict v = await(limiter.check(limit, key));
      assertEquals(Verdict.Outcome.ALLOWED, v.outcome());
      assertEquals(expectedRemaining, v.remaining());
    }
    Verdict refused = await(limiter.check(limit, key));
    assertEquals(Verdict.Outcome.RATE_LIMITED, refused.outcome());
    assertTrue(refused.retryAfterMillis() > 0 && refused.retryAfterMillis() <= 1_000, "retry after " + refused.retryAfterMillis());
    assertTrue(refused.resetMillis() > 2_000 && refused.resetMillis() <= 3_000, "reset " + refused.resetMillis());
    // A refusal costs nothing: the state is what the three allowed requests left.
    long tat = Long.parseLong(await(redis.send(Request.cmd(Command.GET).arg(key))).toString());
    assertEquals(Verdict.Outcome.RATE_LIMITED, await(limiter.check(limit, key)).outcome());
    assertEquals(tat, Long.parseLong(await(redis.send(Request.cmd(Command.GET).arg(key))).toString()));
    // Another subject has a limit of its own.
    assertEquals(Verdict.Outcome.ALLOWED, await(limiter.check(limit, key + "x")).outcome());
    assertTrue(await(redis.send(Request.cmd(Command.PTTL).arg(key))).toLong() <= 3_000, "the state expires once the burst is whole");
  }

  @Test
  void theOpenJobQuotaCountsEventsNotRequests() {
    RateLimit limit = new RateLimit("booking-user", 6_000, 100);
    long user = 1_000 + SUBJECTS.incrementAndGet();
    assertEquals(Verdict.Outcome.RESERVED, booking(limit, user, 1, 2).outcome());
    assertEquals(Verdict.Outcome.ALLOWED, booking(limit, user, 1, 2).outcome(), "same event: no new place");
    assertEquals(Verdict.Outcome.RESERVED, booking(limit, user, 2, 2).outcome());
    Verdict over = booking(limit, user, 3, 2);
    assertEquals(Verdict.Outcome.OVER_QUOTA, over.outcome());
    assertFalse(over.allowed());
    assertEquals(limit.intervalMillis(), over.retryAfterMillis(), "try again after one interval of the rate");
    assertEquals(2L, await(redis.send(Request.cmd(Command.ZCARD).arg(LimitKeys.openJobs(user)))).toLong());
    limiter.releaseReservation(user, 1);
    awaitZcard(user, 1);
    assertEquals(Verdict.Outcome.RESERVED, booking(limit, user, 3, 2).outcome());
  }

  @Test
  void aServerThatLostItsScriptsStillAnswersABookingsLimits() {
    TestServices.get().onEveryServer(vertx, redisUrl, Request.cmd(Command.SCRIPT).arg("FLUSH"));
    RateLimit limit = new RateLimit("booking-user", 6_000, 100);
    assertEquals(Verdict.Outcome.RESERVED, booking(limit, 5_000 + SUBJECTS.incrementAndGet(), 1, 2).outcome());
  }

  @Test
  void attemptsBeyondTheThresholdMeetLocksThatDouble() {
    String email = "someone-" + SUBJECTS.incrementAndGet() + "@test.local";
    for (int i = 0; i < 3; i++) {
      assertEquals(0L, await(limiter.loginAttempt(email, 3, 1_000, 60_000)), "attempt " + (i + 1) + " is checked");
    }
    assertEquals(0L, await(limiter.loginAttempt(email, 3, 1_000, 60_000)), "one attempt past the threshold is checked");
    long lock = await(limiter.loginAttempt(email, 3, 1_000, 60_000));
    assertTrue(lock > 0 && lock <= 1_000, "first lock " + lock);
    // The lock over: one attempt is checked and the next lock is twice as long.
    await(redis.send(Request.cmd(Command.DEL).arg(LimitKeys.account(email, "lock"))));
    assertEquals(0L, await(limiter.loginAttempt(email, 3, 1_000, 60_000)));
    long second = await(limiter.loginAttempt(email, 3, 1_000, 60_000));
    assertTrue(second > 1_000 && second <= 2_000, "second lock " + second);
    // The right password clears both.
    await(limiter.loginSucceeded(email));
    assertEquals(0L, await(limiter.loginAttempt(email, 3, 1_000, 60_000)));
  }

  @Test
  void offMeansNoCallAndNoRefusal() {
    RateLimiter off = new RateLimiter(redis, ThrottleMeters.NONE, false);
    RateLimit limit = new RateLimit("test", 1, 1);
    String key = "{t:" + SUBJECTS.incrementAndGet() + "}:rl";
    for (int i = 0; i < 5; i++) {
      assertTrue(await(off.check(limit, key)).allowed());
    }
    assertEquals(0, await(redis.send(Request.cmd(Command.EXISTS).arg(key))).toInteger());
  }

  /** The user's verdict of a booking's limits; the address's limit is one of its own, never reached here. */
  private static Verdict booking(RateLimit limit, long user, long eventId, int quota) {
    RateLimit perAddress = new RateLimit("booking-ip", 6_000, 1_000);
    List<Verdict> both = await(limiter.checkBooking(limit, user, eventId, quota, perAddress, "192.0.2." + (user % 200)));
    assertEquals("booking-ip", both.get(1).limit().name(), "the user's verdict, then the address's");
    assertTrue(both.get(1).allowed());
    return both.get(0);
  }

  private static void awaitZcard(long user, long expected) {
    io.aurora.booking.testing.TestApp.awaitCondition("open jobs of user " + user + " = " + expected, java.time.Duration.ofSeconds(5),
        () -> await(redis.send(Request.cmd(Command.ZCARD).arg(LimitKeys.openJobs(user)))).toLong() == expected);
  }
}
