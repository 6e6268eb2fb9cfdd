package io.aurora.booking.bookings;

/** SQL of the waitlist (V4 migration). Places are ordered by id: the order their jobs were decided in. */
final class WaitlistSql {

  /** The places of one decided batch, in queue order; a user who holds a place already keeps that one. */
  static final String PLACE = """
      INSERT INTO waitlist (event_id, user_id, seats, job_id)
      SELECT $1, t.user_id, t.seats, t.job_id
      FROM UNNEST($2::bigint[], $3::int[], $4::text[]) WITH ORDINALITY AS t(user_id, seats, job_id, ord)
      ORDER BY t.ord
      ON CONFLICT DO NOTHING""";

  /** The places of these users on the event's waitlist, with their position (1 is next). */
  static final String POSITIONS = """
      SELECT user_id, position FROM (
        SELECT user_id, row_number() OVER (ORDER BY id) AS position FROM waitlist WHERE event_id = $1) p
      WHERE user_id = ANY($2)""";

  /**
   * The first places of the event, locked (a user leaving meanwhile waits for the promotion), with what the rule
   * needs: whether the user is gone (deleted account) and how many confirmed bookings of the event they hold.
   */
  static final String HEAD = """
      SELECT w.id, w.user_id, w.seats, w.job_id, u.deleted_at IS NOT NULL AS user_gone,
             (SELECT count(*) FROM bookings b
              WHERE b.event_id = w.event_id AND b.user_id = w.user_id AND b.status = 'CONFIRMED') AS active
      FROM waitlist w JOIN users u ON u.id = w.user_id
      WHERE w.event_id = $1 ORDER BY w.id LIMIT $2 FOR UPDATE OF w""";

  static final String REMOVE = "DELETE FROM waitlist WHERE id = ANY($1)";

  static final String DROP_EVENT = "DELETE FROM waitlist WHERE event_id = $1";

  static final String LEAVE = "DELETE FROM waitlist WHERE event_id = $1 AND user_id = $2 RETURNING id";

  /** The user's places, with their position on each event's waitlist. */
  static final String OF_USER = """
      SELECT p.event_id, p.position, p.seats, p.job_id, p.created_at, e.name, e.starts_at FROM (
        SELECT id, event_id, user_id, seats, job_id, created_at,
               row_number() OVER (PARTITION BY event_id ORDER BY id) AS position
        FROM waitlist WHERE event_id IN (SELECT event_id FROM waitlist WHERE user_id = $1)) p
      JOIN events e ON e.id = p.event_id
      WHERE p.user_id = $1 ORDER BY p.created_at, p.id""";

  private WaitlistSql() {
  }
}
