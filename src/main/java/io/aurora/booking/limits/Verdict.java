package io.aurora.booking.limits;

/**
 * The answer of one limit for one request. {@code remaining} is how many more requests would pass at once,
 * {@code resetMillis} when the burst is whole again, {@code retryAfterMillis} when a refused request may come back.
 */
public record Verdict(RateLimit limit, Outcome outcome, long remaining, long resetMillis, long retryAfterMillis) {

  public enum Outcome {
    /** Allowed. */
    ALLOWED,
    /** Allowed, and a place in the user's open-job quota was reserved for the event by this request. */
    RESERVED,
    /** Refused: above the rate. */
    RATE_LIMITED,
    /** Refused: the user already has the most open jobs allowed. */
    OVER_QUOTA
  }

  /** A verdict for a request not checked (limits off). */
  static Verdict unchecked(RateLimit limit) {
    return new Verdict(limit, Outcome.ALLOWED, limit.burst(), 0, 0);
  }

  public boolean allowed() {
    return outcome == Outcome.ALLOWED || outcome == Outcome.RESERVED;
  }

  /** The {@code RateLimit} header item of the draft: remaining quota and seconds until it resets. */
  String header() {
    return "\"" + limit.name() + "\";r=" + remaining + ";t=" + RateLimit.ceilSeconds(resetMillis);
  }
}
