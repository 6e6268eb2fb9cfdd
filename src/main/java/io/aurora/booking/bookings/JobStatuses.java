package io.aurora.booking.bookings;

import java.util.List;

/** Jobs found for an operator (a user's newest, or those that failed INTERNAL), newest first; a bus reply. */
public record JobStatuses(List<JobStatus> jobs) {
}
