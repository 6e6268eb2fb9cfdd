package io.aurora.booking.audit;

/** What an audit row records; {@link #wireName()} is the {@code action} column and the API's filter value. */
public enum AuditAction {
  BOOKING_DECIDED("booking.decided"),
  BOOKING_CANCELLED("booking.cancelled"),
  BOOKING_PROMOTED("booking.promoted"),
  EVENT_CREATED("event.created"),
  EVENT_UPDATED("event.updated"),
  EVENT_DELETED("event.deleted"),
  QUEUE_PAUSED("queue.paused"),
  QUEUE_RESUMED("queue.resumed"),
  QUEUE_CLEANED("queue.cleaned"),
  JOB_RETRIED("job.retried"),
  LOGIN_SUCCEEDED("auth.login_succeeded"),
  LOGIN_FAILED("auth.login_failed"),
  ADMIN_BOOTSTRAPPED("auth.admin_bootstrapped"),
  ACCOUNT_DELETED("auth.account_deleted"),
  PASSWORD_CHANGED("auth.password_changed");

  private final String wireName;

  AuditAction(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
