package io.aurora.booking.admin;

/** SQL of the operators' job look-up. */
final class JobLookupSql {

  /** Emails are stored in their normal form (http.Input#normalEmail), so the look-up uses the unique index. */
  static final String USER_BY_EMAIL = "SELECT id FROM users WHERE email = $1";

  /**
   * The ids of a user's newest decided jobs: the decision rows of the audit log (every outcome, the sold-out fast
   * path's too; index audit_log_actor), the decisions announced but not yet fanned out, whose decision rows the
   * dispatcher has yet to append (a fraction of a second; index outbox_to_fan_out), and the bookings (confirmed or
   * cancelled, also with the audit log off).
   */
  static final String DECIDED_JOBS = """
      (SELECT job_id FROM audit_log WHERE actor_id = $1 AND action = 'booking.decided' AND job_id IS NOT NULL
       ORDER BY id DESC LIMIT $2)
      UNION
      (SELECT payload->'data'->>'jobId' FROM outbox WHERE fanned_out_at IS NULL AND user_id = $1
       AND event_type IN ('booking.confirmed', 'booking.failed', 'booking.waitlisted'))
      UNION
      (SELECT job_id FROM bookings WHERE user_id = $1 AND job_id IS NOT NULL ORDER BY id DESC LIMIT $2)""";

  private JobLookupSql() {
  }
}
