package io.aurora.booking.bookings;

import io.aurora.booking.auth.Caller;
import io.aurora.booking.http.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * Where a booking job stands, as the queue records it, and the one place that decides what of it a caller
 * may see ({@link #viewFor}). {@code queuePosition} is set while queued, {@code result} once completed,
 * {@code error} once failed, {@code finishedAt} once decided. {@code seq} is the job's enqueue sequence number in
 * its shard (never shown): a live status stream reckons the job's place from it and the shard's head.
 */
public record JobStatus(String jobId, String status, long userId, long eventId, int seats, int attempts,
                        long enqueuedAt, Long queuePosition, JsonObject result, FailureReason error, Long finishedAt,
                        long seq) {

  /** Whether the job is decided: {@code completed}, {@code failed} or {@code waitlisted}, for good. */
  public boolean decided() {
    return "completed".equals(status) || "failed".equals(status) || "waitlisted".equals(status);
  }

  /**
   * Anyone holding the random job id may see where the job stands, but only its owner (or an admin) sees
   * whose it is and what it booked; another user's token gets 404, as if there were no such job.
   *
   * @param caller the caller, or null without a token
   */
  public JsonObject viewFor(Caller caller) {
    boolean owner = caller != null && (caller.isAdmin() || caller.id() == userId);
    if (caller != null && !owner) {
      throw ErrorCode.NOT_FOUND.error("No such job");
    }
    JsonObject view = new JsonObject().put("jobId", jobId).put("status", status);
    if (owner) {
      view.put("userId", userId).put("eventId", eventId).put("seats", seats).put("attempts", attempts)
          .put("enqueuedAt", enqueuedAt);
    }
    if (queuePosition != null) {
      view.put("queuePosition", queuePosition);
    }
    if (owner && result != null) {
      view.put("result", result);
    }
    if (error != null) {
      view.put("error", error.name()).put("message", error.message());
    }
    if (owner && finishedAt != null) {
      view.put("finishedAt", finishedAt);
    }
    return view;
  }
}
