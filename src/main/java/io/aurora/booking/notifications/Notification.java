package io.aurora.booking.notifications;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * One fact to announce, as the outbox stores it. {@code dedupKey} names the fact (a job's outcome, a booking's
 * cancellation), so deciding a job twice (its acknowledgement was lost and it was redelivered) announces it
 * once. The payload follows the Standard Webhooks shape: {@code {"type", "timestamp", "data"}}.
 */
public record Notification(NotificationEvent type, String dedupKey, Long userId, JsonObject data, Instant at) {

  /** A job booked its seats. */
  public static Notification confirmed(String jobId, long bookingId, long eventId, long userId, int seats) {
    return new Notification(NotificationEvent.BOOKING_CONFIRMED, "job:" + jobId, userId, new JsonObject()
        .put("jobId", jobId).put("bookingId", bookingId).put("eventId", eventId).put("userId", userId).put("seats", seats),
        Instant.now());
  }

  /**
   * A job was decided without a booking ({@code reason} is the job's failure reason, e.g. SOLD_OUT); {@code seats}
   * is null where it is not known (the sold-out fast path answers a job without reading it).
   */
  public static Notification failed(String jobId, long eventId, long userId, Integer seats, String reason, String message) {
    return new Notification(NotificationEvent.BOOKING_FAILED, "job:" + jobId, userId, new JsonObject()
        .put("jobId", jobId).put("eventId", eventId).put("userId", userId).put("seats", seats)
        .put("reason", reason).put("message", message), Instant.now());
  }

  /** A confirmed booking was cancelled and its seats given back. */
  public static Notification cancelled(long bookingId, String jobId, long eventId, long userId, int seats) {
    return new Notification(NotificationEvent.BOOKING_CANCELLED, "cancel:" + bookingId, userId, new JsonObject()
        .put("jobId", jobId).put("bookingId", bookingId).put("eventId", eventId).put("userId", userId).put("seats", seats),
        Instant.now());
  }

  /**
   * A job found its event sold out and took a place on the waitlist ({@code position}: 1 is next). The job's
   * outcome, like confirmed or failed, so it shares their dedup key.
   */
  public static Notification waitlisted(String jobId, long eventId, long userId, int seats, long position) {
    return new Notification(NotificationEvent.BOOKING_WAITLISTED, "job:" + jobId, userId, new JsonObject()
        .put("jobId", jobId).put("eventId", eventId).put("userId", userId).put("seats", seats).put("position", position),
        Instant.now());
  }

  /** A waitlisted job was booked when a seat was freed: its booking carries the job's id. */
  public static Notification promoted(String jobId, long bookingId, long eventId, long userId, int seats) {
    return new Notification(NotificationEvent.BOOKING_PROMOTED, "promote:" + jobId, userId, new JsonObject()
        .put("jobId", jobId).put("bookingId", bookingId).put("eventId", eventId).put("userId", userId).put("seats", seats),
        Instant.now());
  }

  /** The body every channel sends: {@code {"type", "timestamp", "data"}}. */
  public JsonObject payload() {
    return new JsonObject().put("type", type.wireName()).put("timestamp", at.toString()).put("data", data);
  }
}
