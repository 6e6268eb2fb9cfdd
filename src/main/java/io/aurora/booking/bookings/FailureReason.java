package io.aurora.booking.bookings;

/**
 * Why a booking job failed. Every reason but INTERNAL is a business outcome, final the moment it is
 * decided; INTERNAL means the retries for a fault ran out. WAITLISTED is the reason of the job state
 * {@code waitlisted}: no seat, but a place on the event's waitlist (the request asked for one).
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
  INTERNAL("The booking could not be processed; it is kept for the operators"),
  /** Sold out, and the request asked for the waitlist: the user holds a place on it (job state {@code waitlisted}). */
  WAITLISTED("Sold out; you hold a place on the event's waitlist and are booked when a seat is freed");

  private final String message;

  FailureReason(String message) {
    this.message = message;
  }

  public String message() {
    return message;
  }
}
