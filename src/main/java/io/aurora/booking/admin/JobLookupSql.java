package io.aurora.booking.admin;

/** SQL of the operators' job look-up. */
final class JobLookupSql {

  /** Emails are stored in their normal form (http.Input#normalEmail), so the look-up uses the unique index. */
  static final String USER_BY_EMAIL = "SELECT id FROM users WHERE email = $1";

  private JobLookupSql() {
  }
}
