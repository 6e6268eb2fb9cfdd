package io.aurora.booking.events;

import java.time.Instant;

/** The little the booking front door checks before queueing: the event exists and has not started. */
public record EventSummary(long id, Instant startsAt) {

  public boolean startedAt(Instant now) {
    return !startsAt.isAfter(now);
  }
}
