package io.aurora.booking.limits;

/**
 * One limit: {@code perMinute} requests a minute sustained, up to {@code burst} at once. Its {@code name}
 * labels the throttled-requests metric and the admin figures, and names the policy in the headers.
 */
public record RateLimit(String name, int perMinute, int burst) {

  /** The GCRA emission interval: the time one request "costs", in ms (at least 1). */
  long intervalMillis() {
    return Math.max(1, 60_000L / perMinute);
  }

  /**
   * The policy as the IETF httpapi draft (draft-ietf-httpapi-ratelimit-headers) writes it in
   * {@code RateLimit-Policy}: a quota of {@code burst} requests over the window in which the bucket refills.
   */
  String policyHeader() {
    return "\"" + name + "\";q=" + burst + ";w=" + Math.max(1, ceilSeconds(intervalMillis() * burst));
  }

  static long ceilSeconds(long millis) {
    return (millis + 999) / 1000;
  }
}
