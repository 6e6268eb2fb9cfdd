package io.aurora.booking.limits;

/**
 * The key layout of the limits in Redis. Each subject (a user, a client address, an account) has a hash tag
 * of its own, so the keys one script call touches share a slot (Redis Cluster ready); limits of different
 * subjects are separate calls, sent together in one pipeline.
 *
 * <pre>
 *   {u:ID}:rl:book       GCRA state (theoretical arrival time, ms) of a user's booking requests
 *   {u:ID}:open          ZSET  event id -> expiry (ms): the user's open jobs, one per event (the open-job quota)
 *   {u:ID}:idem:KEY      what the user's first request with Idempotency-Key KEY asked for (event, body)
 *   {ip:ADDR}:rl:book    GCRA state of a client address's booking requests
 *   {ip:ADDR}:rl:login   GCRA state of a client address's login and register requests
 *   {acct:EMAIL}:rl:login  GCRA state of login and register requests for one account
 *   {acct:EMAIL}:attempts  login attempts since the last right password; {acct:EMAIL}:lock  set while locked
 *   {throttled}:total    HASH  limit name -> requests refused, ever
 *   {throttled}:T        HASH  limit name -> requests refused in the ten seconds starting at T (s), kept an hour
 * </pre>
 */
public final class LimitKeys {

  private LimitKeys() {
  }

  static String user(long userId, String what) { return "{u:" + userId + "}:" + what; }
  static String address(String ip, String what) { return "{ip:" + ip + "}:rl:" + what; }
  static String account(String email, String what) { return "{acct:" + email + "}:" + what; }

  /** The open jobs of a user, released by the queue when a job is decided. */
  public static String openJobs(long userId) { return user(userId, "open"); }

  /** The user's record of an Idempotency-Key, whatever the event (idempotency.lua). */
  public static String idempotency(long userId, String key) { return user(userId, "idem:" + key); }

  static String throttledTotal() { return "{throttled}:total"; }
  static String throttledBucket(long bucketStartSeconds) { return "{throttled}:" + bucketStartSeconds; }
}
