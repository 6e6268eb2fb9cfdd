package io.aurora.booking.admin;

/** SQL of the admin analytics. */
final class AnalyticsSql {

  static final String TOTALS = """
      SELECT count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed,
             count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
             coalesce(sum(seats) FILTER (WHERE status = 'CONFIRMED'), 0) AS seats
      FROM bookings""";

  static final String MOST_VIEWED = """
      SELECT id, name, impressions FROM events WHERE deleted_at IS NULL
      ORDER BY impressions DESC, id LIMIT 10""";

  /**
   * {@code waitlisted}: the length of the event's waitlist (places held, V4). {@code sold_out_at}: for an event
   * with no seat left, when its last seat was booked (the latest confirmed booking; a seat cancelled and booked
   * again moves it), else null.
   */
  static final String UTILISATION = """
      SELECT e.id, e.name, e.venue, e.capacity, e.booked, e.starts_at,
             (SELECT count(*) FROM waitlist w WHERE w.event_id = e.id) AS waitlisted,
             CASE WHEN e.capacity > 0 AND e.booked >= e.capacity THEN
               (SELECT max(b.created_at) FROM bookings b WHERE b.event_id = e.id AND b.status = 'CONFIRMED')
             END AS sold_out_at
      FROM events e WHERE e.deleted_at IS NULL
      ORDER BY e.starts_at, e.id LIMIT 200""";

  private AnalyticsSql() {
  }
}
