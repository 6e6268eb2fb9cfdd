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

  static final String UTILISATION = """
      SELECT id, name, capacity, booked, starts_at FROM events WHERE deleted_at IS NULL
      ORDER BY starts_at, id LIMIT 200""";

  private AnalyticsSql() {
  }
}
