package io.aurora.booking.notifications;

import java.util.Arrays;
import java.util.Optional;

/** The event types announced to webhooks and users, by their wire name ({@code booking.confirmed}, ...). */
public enum NotificationEvent {
  BOOKING_CONFIRMED("booking.confirmed"),
  BOOKING_FAILED("booking.failed"),
  BOOKING_CANCELLED("booking.cancelled"),
  /** A sold-out booking request took a place on the event's waitlist. */
  BOOKING_WAITLISTED("booking.waitlisted"),
  /** A waitlisted user was booked when a seat was freed. */
  BOOKING_PROMOTED("booking.promoted");

  private final String wireName;

  NotificationEvent(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<NotificationEvent> ofWireName(String name) {
    return Arrays.stream(values()).filter(e -> e.wireName.equals(name)).findFirst();
  }
}
