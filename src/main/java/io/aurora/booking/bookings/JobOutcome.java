package io.aurora.booking.bookings;

import io.vertx.core.json.JsonObject;

/**
 * How a job ended: {@code completed}, {@code failed} with a reason, or {@code waitlisted} (reason
 * {@link FailureReason#WAITLISTED}, with the place in its result). Business outcomes (everything but INTERNAL)
 * are final the moment they are decided; INTERNAL means the retries for a fault ran out.
 */
public record JobOutcome(String jobId, boolean completed, JsonObject result, FailureReason reason, String message, int retries) {

  /** The reason label of a completed job, where metrics and logs need one on every outcome. */
  public static final String NO_REASON = "none";

  public static JobOutcome completed(String jobId, long bookingId, long eventId, int seats) {
    return new JobOutcome(jobId, true,
        new JsonObject().put("bookingId", bookingId).put("eventId", eventId).put("seats", seats), null, null, 0);
  }

  /** Sold out, and the job holds a place on the event's waitlist ({@code waitlistPosition}: 1 is next). */
  public static JobOutcome waitlisted(String jobId, long eventId, int seats, long waitlistPosition) {
    return new JobOutcome(jobId, false, new JsonObject().put("eventId", eventId).put("seats", seats)
        .put("waitlistPosition", waitlistPosition), FailureReason.WAITLISTED, FailureReason.WAITLISTED.message(), 0);
  }

  public static JobOutcome failed(String jobId, FailureReason reason) {
    return new JobOutcome(jobId, false, null, reason, reason.message(), 0);
  }

  public JobOutcome withRetries(int retries) {
    return new JobOutcome(jobId, completed, result, reason, message, retries);
  }

  public String status() {
    return completed ? "completed" : waitlisted() ? "waitlisted" : "failed";
  }

  public boolean waitlisted() {
    return reason == FailureReason.WAITLISTED;
  }

  /** {@link #NO_REASON} when completed, else the failure reason's name. */
  public String reasonLabel() {
    return completed ? NO_REASON : reason.name();
  }
}
