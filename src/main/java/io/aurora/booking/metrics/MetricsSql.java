package io.aurora.booking.metrics;

/** SQL of the metrics feature: read-only, small, and run on a timer, never per request. */
final class MetricsSql {

  /** The soonest events still on sale (not deleted, not started), with their seats left; uses events_live_starts_at. */
  static final String SOONEST_ON_SALE = """
      SELECT id, capacity - booked AS seats_left FROM events
      WHERE deleted_at IS NULL AND starts_at > now()
      ORDER BY starts_at, id LIMIT $1""";

  static final String PING = "SELECT 1";

  private MetricsSql() {
  }
}
