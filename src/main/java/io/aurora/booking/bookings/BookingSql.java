package io.aurora.booking.bookings;

/** SQL of the bookings feature. Every seat change happens under the event row lock ({@link #LOCK_EVENT}). */
final class BookingSql {

  static final String LOCK_EVENT = """
      SELECT id, capacity, booked, starts_at, deleted_at FROM events WHERE id = $1 FOR UPDATE""";

  /** Bookings already made by these jobs: a redelivered job finds its booking here and books nothing. */
  static final String BY_JOB_IDS = "SELECT id, job_id, seats FROM bookings WHERE job_id = ANY($1)";

  static final String ACTIVE_PER_USER = """
      SELECT user_id, count(*) AS active FROM bookings
      WHERE event_id = $1 AND status = 'CONFIRMED' AND user_id = ANY($2) GROUP BY user_id""";

  /** The users of a batch that still exist: a job of a deleted user fails alone instead of failing the insert. */
  static final String EXISTING_USERS = "SELECT id FROM users WHERE id = ANY($1)";

  /** All accepted jobs of one (batch, event) in one statement. */
  static final String INSERT_MANY = """
      INSERT INTO bookings (user_id, event_id, seats, job_id)
      SELECT t.user_id, $1, t.seats, t.job_id FROM UNNEST($2::bigint[], $3::int[], $4::text[]) AS t(user_id, seats, job_id)
      RETURNING id, job_id""";

  static final String ADD_SEATS = "UPDATE events SET booked = booked + $2, updated_at = now() WHERE id = $1";

  static final String FIND = "SELECT id, user_id, event_id, seats, status FROM bookings WHERE id = $1";

  static final String LOCK_BOOKING = "SELECT id, status, seats, user_id, job_id FROM bookings WHERE id = $1 FOR UPDATE";

  static final String CANCEL = """
      UPDATE bookings SET status = 'CANCELLED', cancelled_at = now(), updated_at = now() WHERE id = $1""";

  static final String REMOVE_SEATS = "UPDATE events SET booked = booked - $2, updated_at = now() WHERE id = $1";

  static final String HISTORY = """
      SELECT b.id, b.seats, b.status, b.job_id, b.created_at, b.cancelled_at,
             e.id AS event_id, e.name, e.venue, e.starts_at, e.deleted_at
      FROM bookings b JOIN events e ON e.id = b.event_id
      WHERE b.user_id = $1 ORDER BY b.created_at DESC, b.id DESC LIMIT $2 OFFSET $3""";

  private BookingSql() {
  }
}
