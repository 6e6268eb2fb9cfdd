package io.aurora.booking.queue;

import io.vertx.core.json.JsonObject;

/**
 * How a job ended. Business outcomes (everything but INTERNAL) are final the moment they are decided;
 * INTERNAL means the retries for a fault ran out.
 */
public record JobOutcome(String jobId, boolean completed, JsonObject result, FailureReason reason, String message, int retries) {

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

  public static JobOutcome completed(String jobId, long bookingId, long eventId, int seats) {
    return new JobOutcome(jobId, true,
        new JsonObject().put("bookingId", bookingId).put("eventId", eventId).put("seats", seats), null, null, 0);
  }

  public static JobOutcome failed(String jobId, FailureReason reason) {
    return new JobOutcome(jobId, false, null, reason, reason.message(), 0);
  }

  public JobOutcome withRetries(int retries) {
    return new JobOutcome(jobId, completed, result, reason, message, retries);
  }

  public String status() {
    return completed ? "completed" : "failed";
  }
}
