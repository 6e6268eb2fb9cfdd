package io.aurora.booking.limits;

/** What the limits record about themselves. Implemented by the metrics feature; in memory only. */
public interface ThrottleMeters {

  /** Records nothing. */
  ThrottleMeters NONE = limit -> {
  };

  /** A request refused by the limit of this name (see {@link RateLimit#name()}). */
  void throttled(String limit);
}
