package io.aurora.booking.bookings;

/**
 * Why a booking job failed. Every reason but INTERNAL is a business outcome, final the moment it is
 * decided; INTERNAL means the retries for a fault ran out.
 */
public enum FailureReason {
  SOLD_OUT("Not enough seats left"),
  ALREADY_BOOKED("You already hold the maximum bookings for this event"),
  EVENT_NOT_FOUND("The event does not exist"),
  EVENT_STARTED("The event has already started"),
  /** The user's account no longer exists (deleted after the request was accepted). */
  USER_NOT_FOUND("The user account no longer exists"),
  /** The database refused this one booking (a constraint no check foresaw); its batch-mates are unaffected. */
  BOOKING_REFUSED("The booking was refused by the database's rules"),
  INTERNAL("The booking could not be processed; it is kept for the operators");

  private final String message;

  FailureReason(String message) {
    this.message = message;
  }

  public String message() {
    return message;
  }
}
