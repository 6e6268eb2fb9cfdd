package io.aurora.booking.notifications;

/** SQL of the notifications feature: the outbox, its fan-out into deliveries, and the webhook endpoints. */
final class NotificationSql {

  /** All notifications of one change in one statement; a fact already announced is skipped (dedup key). */
  static final String APPEND = """
      INSERT INTO outbox (partition, event_type, dedup_key, user_id, payload)
      SELECT $1, t.event_type, t.dedup_key, t.user_id, t.payload::jsonb
      FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::text[]) AS t(event_type, dedup_key, user_id, payload)
      ON CONFLICT (dedup_key) DO NOTHING
      RETURNING dedup_key""";

  /**
   * One statement, so atomic: takes up to $2 outbox rows of partition $1 not yet fanned out, writes one
   * delivery per subscribed live webhook and (when $3, email on) one email for a row with a user, appends (when
   * $4, the partition's audit chain, is not null) the audit row of every decision among them, and marks the rows
   * fanned out. SKIP LOCKED lets two dispatchers of one partition (a hand-over) never wait on each other; each
   * row is fanned out once, so each decision has one audit row. The rows are those of
   * {@code bookings.DecisionAudit}, which writes them in the decision's transaction when the outbox is off, plus
   * the decision's time ({@code decidedAt}: the row's {@code at} is the time it was appended).
   */
  static final String FAN_OUT = """
      WITH due AS (
        SELECT id, partition, event_type, user_id, payload FROM outbox
        WHERE partition = $1 AND fanned_out_at IS NULL ORDER BY id LIMIT $2::bigint FOR UPDATE SKIP LOCKED),
      hooks AS (
        INSERT INTO notification_deliveries (outbox_id, partition, channel, webhook_id)
        SELECT d.id, d.partition, 'webhook', w.id FROM due d
        JOIN webhooks w ON d.event_type = ANY (w.events) AND w.deleted_at IS NULL
        ON CONFLICT DO NOTHING),
      mails AS (
        INSERT INTO notification_deliveries (outbox_id, partition, channel)
        SELECT d.id, d.partition, 'email' FROM due d WHERE $3 AND d.user_id IS NOT NULL
        ON CONFLICT DO NOTHING),
      decided AS (
        SELECT d.id, d.user_id, d.payload->'data' AS data, d.payload->>'timestamp' AS decided_at,
               CASE d.event_type WHEN 'booking.confirmed' THEN 'CONFIRMED' ELSE 'FAILED' END AS status,
               CASE d.event_type WHEN 'booking.waitlisted' THEN 'WAITLISTED' ELSE d.payload->'data'->>'reason' END AS reason
        FROM due d WHERE $4::text IS NOT NULL
          AND d.event_type IN ('booking.confirmed', 'booking.failed', 'booking.waitlisted')),
      audited AS (
        SELECT CASE WHEN $4::text IS NULL THEN 0 ELSE audit_append($4::text,
            array_agg(d.user_id ORDER BY d.id), array_agg('USER'::text ORDER BY d.id),
            array_agg('booking.decided'::text ORDER BY d.id), array_agg('job'::text ORDER BY d.id),
            array_agg(d.data->>'jobId' ORDER BY d.id), array_agg((d.data->>'eventId')::bigint ORDER BY d.id),
            array_agg(d.data->>'jobId' ORDER BY d.id), array_agg(NULL::text ORDER BY d.id),
            array_agg(NULL::text ORDER BY d.id), array_agg(NULL::text ORDER BY d.id),
            array_agg(jsonb_strip_nulls(jsonb_build_object('status', d.status, 'bookingId', d.data->'bookingId',
                'reason', d.reason, 'decidedAt', d.decided_at)) || jsonb_build_object('seats', d.data->'seats')
              ORDER BY d.id)::text[]) END AS appended
        FROM decided d)
      UPDATE outbox o SET fanned_out_at = now() FROM due, audited WHERE o.id = due.id""";

  /**
   * Claims up to $2 due deliveries of partition $1: counts the attempt and pushes the next one $3 ms out,
   * which is the claim's lease (a dispatcher that dies mid-attempt leaves the delivery due again then).
   */
  static final String CLAIM = """
      WITH claimed AS (
        UPDATE notification_deliveries d
        SET attempts = d.attempts + 1, next_attempt_at = now() + $3::bigint * interval '1 millisecond', updated_at = now()
        WHERE d.id IN (
          SELECT id FROM notification_deliveries
          WHERE partition = $1 AND status = 'PENDING' AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id LIMIT $2::bigint FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.outbox_id, d.channel, d.webhook_id, d.attempts)
      SELECT c.id, c.outbox_id, c.channel, c.attempts, o.event_type, o.payload::text AS body,
             w.url, w.secret, w.deleted_at IS NOT NULL AS webhook_deleted, u.email, u.name
      FROM claimed c JOIN outbox o ON o.id = c.outbox_id
      LEFT JOIN webhooks w ON w.id = c.webhook_id
      -- A deleted (anonymised) account gets no more email: its delivery finds no user and is dropped.
      LEFT JOIN users u ON u.id = o.user_id AND u.deleted_at IS NULL""";

  static final String DELIVERED = """
      UPDATE notification_deliveries
      SET status = 'DELIVERED', delivered_at = now(), updated_at = now(), last_status = $2, last_error = NULL
      WHERE id = $1 AND status = 'PENDING'""";

  /** A failed attempt: the next one in $3 ms, or dead-lettered once $2 attempts have been made. */
  static final String ATTEMPT_FAILED = """
      UPDATE notification_deliveries
      SET status = CASE WHEN attempts >= $2 THEN 'DEAD' ELSE 'PENDING' END,
          next_attempt_at = now() + $3::bigint * interval '1 millisecond',
          last_status = $4, last_error = left($5, 500), updated_at = now()
      WHERE id = $1 AND status = 'PENDING'""";

  /** A delivery with nowhere to go (its webhook was deleted, its user is gone): dead at once. */
  static final String ABANDONED = """
      UPDATE notification_deliveries SET status = 'DEAD', last_error = $2, updated_at = now()
      WHERE id = $1 AND status = 'PENDING'""";

  static final String CREATE_WEBHOOK = """
      INSERT INTO webhooks (url, events, secret) VALUES ($1, $2, $3) RETURNING id, created_at""";

  static final String LIST_WEBHOOKS = """
      SELECT id, url, events, created_at FROM webhooks WHERE deleted_at IS NULL ORDER BY id""";

  static final String DELETE_WEBHOOK = """
      UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id""";

  static final String LIVE_WEBHOOK = "SELECT id FROM webhooks WHERE id = $1 AND deleted_at IS NULL";

  static final String DELIVERIES = """
      SELECT d.id, d.outbox_id, o.event_type, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
             d.created_at, d.delivered_at
      FROM notification_deliveries d JOIN outbox o ON o.id = d.outbox_id
      WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2 OFFSET $3""";

  /** Replays a delivery: due now, with a fresh count of attempts, under the same webhook-id. */
  static final String REPLAY = """
      UPDATE notification_deliveries d
      SET status = 'PENDING', attempts = 0, next_attempt_at = now(), delivered_at = NULL, updated_at = now()
      FROM webhooks w
      WHERE d.id = $2 AND d.webhook_id = $1 AND w.id = d.webhook_id AND w.deleted_at IS NULL
      RETURNING d.id""";

  private NotificationSql() {
  }
}
