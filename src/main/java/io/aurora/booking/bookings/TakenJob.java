package io.aurora.booking.bookings;

/** A job a worker has taken under lease: what to decide, and how often it has been delivered. */
public record TakenJob(String jobId, long userId, long eventId, int seats, int attempts, long enqueuedAt) {
}
