package io.aurora.booking.limits;

import io.aurora.booking.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The cluster-wide limits, kept in Redis so every node shares them ({@link LimitKeys}): GCRA rate limits
 * per subject ({@code limit.lua}), the open-job quota of a user, and the lockout of an account after wrong
 * passwords ({@code lockout.lua}). With {@code rateLimitsEnabled} off every check allows without a call.
 */
public final class RateLimiter {

  private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
  private static final LuaScript LIMIT = LuaScript.load("limit");
  private static final LuaScript LOCKOUT = LuaScript.load("lockout");
  /** Buckets of the throttled counts: ten seconds each, six of them make the last minute. */
  private static final long BUCKET_SECONDS = 10;
  private static final int BUCKETS_PER_MINUTE = 6;
  /**
   * How long a place in the open-job quota stays without its job being decided. Only a safety net: the
   * queue releases the place when the job is decided; this bounds what a lost release can cost the user.
   */
  static final long OPEN_JOB_HOLD_MILLIS = 3_600_000;

  private final Redis redis;
  private final ThrottleMeters meters;
  private final boolean enabled;

  public RateLimiter(Redis redis, ThrottleMeters meters, boolean enabled) {
    this.redis = redis;
    this.meters = meters;
    this.enabled = enabled;
  }

  /** Whether the limits are applied ({@code rateLimitsEnabled}). */
  public boolean enabled() {
    return enabled;
  }

  /** One limit for one subject key (see {@link LimitKeys}). */
  Future<Verdict> check(RateLimit limit, String key) {
    if (!enabled) {
      return Future.succeededFuture(Verdict.unchecked(limit));
    }
    return LIMIT.call(redis, List.of(key), List.of(Long.toString(limit.intervalMillis()), Integer.toString(limit.burst())))
        .map(r -> verdict(limit, r));
  }

  /**
   * A booking request's limits, both in one pipelined round trip on one connection: the user's rate with,
   * in the same script call, a place for the event in the user's open-job quota; and the client address's
   * rate. Answers the user's verdict, then the address's.
   */
  public Future<List<Verdict>> checkBooking(RateLimit perUser, long userId, long eventId, int openJobQuota,
                                            RateLimit perAddress, String clientAddress) {
    return redis.connect().compose(connection -> checkBooking(connection::send, perUser, userId, eventId,
        openJobQuota, perAddress, clientAddress).eventually(connection::close));
  }

  /**
   * {@link #checkBooking} sent through {@code send}, both calls at once: with {@code RedisConnection::send}
   * they share the connection's pipeline with whatever the caller sends next (the enqueue, in QueueVerticle),
   * so the limits and the enqueue cost one round trip together. Each call's keys are one subject's slot.
   */
  public Future<List<Verdict>> checkBooking(Function<Request, Future<Response>> send, RateLimit perUser, long userId,
                                            long eventId, int openJobQuota, RateLimit perAddress, String clientAddress) {
    if (!enabled) {
      return Future.succeededFuture(List.of(Verdict.unchecked(perUser), Verdict.unchecked(perAddress)));
    }
    Future<Response> user = LIMIT.call(send, List.of(LimitKeys.user(userId, "rl:book"), LimitKeys.openJobs(userId)),
        List.of(Long.toString(perUser.intervalMillis()), Integer.toString(perUser.burst()), Long.toString(eventId),
            Integer.toString(openJobQuota), Long.toString(OPEN_JOB_HOLD_MILLIS)));
    Future<Response> address = LIMIT.call(send, List.of(LimitKeys.address(clientAddress, "book")),
        List.of(Long.toString(perAddress.intervalMillis()), Integer.toString(perAddress.burst())));
    return Future.all(user, address).map(both -> List.of(verdict(perUser, user.result()), verdict(perAddress, address.result())));
  }

  public Future<Verdict> checkAddress(RateLimit limit, String clientAddress, String what) {
    return check(limit, LimitKeys.address(clientAddress, what));
  }

  public Future<Verdict> checkAccount(RateLimit limit, String email) {
    return check(limit, LimitKeys.account(email, "rl:login"));
  }

  /** Gives back a place reserved by {@link #checkBooking} when no job came of the request. */
  public void releaseReservation(long userId, long eventId) {
    redis.send(Request.cmd(Command.ZREM).arg(LimitKeys.openJobs(userId)).arg(eventId))
        .onFailure(e -> LOG.warn("Could not release an open-job reservation: {}", e.toString()));
  }

  private static Verdict verdict(RateLimit limit, Response r) {
    Verdict.Outcome outcome = switch (r.get(0).toInteger()) {
      case 0 -> Verdict.Outcome.RATE_LIMITED;
      case -1 -> Verdict.Outcome.OVER_QUOTA;
      case 2 -> Verdict.Outcome.RESERVED;
      default -> Verdict.Outcome.ALLOWED;
    };
    return new Verdict(limit, outcome, r.get(1).toLong(), r.get(2).toLong(), r.get(3).toLong());
  }

  // ---- account lockout ----

  /**
   * A login attempt for the account, counted before its password is checked ({@code lockout.lua}): 0 when
   * it may be checked, else how long the account stays locked (ms).
   */
  public Future<Long> loginAttempt(String email, int threshold, long firstLockMillis, long longestLockMillis) {
    if (!enabled) {
      return Future.succeededFuture(0L);
    }
    return LOCKOUT.call(redis, List.of(LimitKeys.account(email, "attempts"), LimitKeys.account(email, "lock")),
            List.of(Integer.toString(threshold), Long.toString(firstLockMillis), Long.toString(longestLockMillis)))
        .map(Response::toLong);
  }

  /** The right password: the count starts again and a lock it ran into ends. */
  public Future<Void> loginSucceeded(String email) {
    if (!enabled) {
      return Future.succeededFuture();
    }
    return redis.send(Request.cmd(Command.DEL).arg(LimitKeys.account(email, "attempts")).arg(LimitKeys.account(email, "lock")))
        .mapEmpty();
  }

  // ---- what was throttled ----

  /** Counts a refused request: the node's metric, and the cluster-wide figures of the admin console. */
  public void recordThrottled(String limit) {
    meters.throttled(limit);
    long bucket = System.currentTimeMillis() / 1000 / BUCKET_SECONDS * BUCKET_SECONDS;
    String bucketKey = LimitKeys.throttledBucket(bucket);
    redis.batch(List.of(
            Request.cmd(Command.HINCRBY).arg(LimitKeys.throttledTotal()).arg(limit).arg(1),
            Request.cmd(Command.HINCRBY).arg(bucketKey).arg(limit).arg(1),
            Request.cmd(Command.EXPIRE).arg(bucketKey).arg(3_600)))
        .onFailure(e -> LOG.debug("Could not count a throttled request: {}", e.toString()));
  }

  /**
   * Requests refused cluster-wide, by limit: {@code total} ever, and {@code lastMinute} (the last six
   * ten-second buckets, the current one included).
   */
  public Future<JsonObject> throttledFigures() {
    long bucket = System.currentTimeMillis() / 1000 / BUCKET_SECONDS * BUCKET_SECONDS;
    List<Request> reads = new ArrayList<>();
    reads.add(Request.cmd(Command.HGETALL).arg(LimitKeys.throttledTotal()));
    for (int i = 0; i < BUCKETS_PER_MINUTE; i++) {
      reads.add(Request.cmd(Command.HGETALL).arg(LimitKeys.throttledBucket(bucket - i * BUCKET_SECONDS)));
    }
    return redis.batch(reads).map(all -> {
      JsonObject total = sum(all.subList(0, 1));
      JsonObject lastMinute = sum(all.subList(1, all.size()));
      return new JsonObject()
          .put("total", total.getLong("all", 0L)).put("lastMinute", lastMinute.getLong("all", 0L))
          .put("totalByLimit", withoutSum(total)).put("lastMinuteByLimit", withoutSum(lastMinute));
    });
  }

  private static JsonObject withoutSum(JsonObject counts) {
    JsonObject copy = counts.copy();
    copy.remove("all");
    return copy;
  }

  /** Adds up HGETALL answers (maps of limit -> count) into one map, with the sum of all under "all". */
  private static JsonObject sum(List<Response> hashes) {
    JsonObject out = new JsonObject();
    long all = 0;
    for (Response hash : hashes) {
      if (hash == null) {
        continue;
      }
      for (String limit : hash.getKeys()) {
        long n = hash.get(limit).toLong();
        out.put(limit, out.getLong(limit, 0L) + n);
        all += n;
      }
    }
    return out.put("all", all);
  }
}
