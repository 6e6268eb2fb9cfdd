package io.aurora.booking.bookings;

/**
 * A job a worker has taken under lease: what to decide, and how often it has been delivered.
 *
 * @param seatEpoch the event's seat epoch when the job was taken: how many times seats may have come back to
 *                  it (cancellations, event changes). A worker that sees the event sell out marks it sold out
 *                  under this epoch, so a mark is void once a seat has come back since ({@link JobQueue#markSoldOut}).
 * @param waitlist  the request asked for a place on the event's waitlist should the event be sold out
 * @param traceparent the W3C traceparent of the request's span when it was traced, else null: the batch that
 *                  decides the job links to it
 */
public record TakenJob(String jobId, long userId, long eventId, int seats, int attempts, long enqueuedAt,
                       long seatEpoch, boolean waitlist, String traceparent) {

  /** A job whose request was not traced. */
  public TakenJob(String jobId, long userId, long eventId, int seats, int attempts, long enqueuedAt, long seatEpoch,
                  boolean waitlist) {
    this(jobId, userId, eventId, seats, attempts, enqueuedAt, seatEpoch, waitlist, null);
  }

  /** A job without the waitlist flag. */
  public TakenJob(String jobId, long userId, long eventId, int seats, int attempts, long enqueuedAt, long seatEpoch) {
    this(jobId, userId, eventId, seats, attempts, enqueuedAt, seatEpoch, false);
  }

  /** A job taken before any seat of its event came back. */
  public TakenJob(String jobId, long userId, long eventId, int seats, int attempts, long enqueuedAt) {
    this(jobId, userId, eventId, seats, attempts, enqueuedAt, 0, false);
  }
}
