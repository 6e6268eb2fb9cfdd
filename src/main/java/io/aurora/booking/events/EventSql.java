package io.aurora.booking.events;

/** SQL of the events feature. Deleted events are kept as rows (for booking history) and hidden here. */
public final class EventSql {

  static final String COLUMNS = "id, name, venue, starts_at, capacity, booked, impressions, created_at, updated_at";

  static final String LIST = "SELECT " + COLUMNS + " FROM events WHERE deleted_at IS NULL ORDER BY starts_at, id";

  static final String VIEW = "UPDATE events SET impressions = impressions + 1 WHERE id = $1 AND deleted_at IS NULL RETURNING " + COLUMNS;

  static final String INSERT = "INSERT INTO events (name, venue, starts_at, capacity) VALUES ($1, $2, $3, $4) RETURNING " + COLUMNS;

  static final String LOCK = "SELECT " + COLUMNS + " FROM events WHERE id = $1 AND deleted_at IS NULL FOR UPDATE";

  static final String UPDATE = """
      UPDATE events SET name = $2, venue = $3, starts_at = $4, capacity = $5, updated_at = now()
      WHERE id = $1 RETURNING """ + " " + COLUMNS;

  static final String CANCEL_ALL_BOOKINGS = """
      UPDATE bookings SET status = 'CANCELLED', cancelled_at = now(), updated_at = now()
      WHERE event_id = $1 AND status = 'CONFIRMED'""";

  static final String SOFT_DELETE = "UPDATE events SET deleted_at = now(), booked = 0, updated_at = now() WHERE id = $1";

  /** What the booking front door needs to know: that the event exists and when it starts. */
  static final String SUMMARY = "SELECT id, starts_at FROM events WHERE id = $1 AND deleted_at IS NULL";

  private EventSql() {
  }
}
