package io.aurora.booking.bookings;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditAction;
import io.aurora.booking.audit.AuditContext;
import io.aurora.booking.audit.AuditEntry;
import io.aurora.booking.notifications.Outbox;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The audit rows of booking decisions: one per job, like the outbox row that announces the decision, so a job
 * decided twice (its acknowledgement was lost) has one decision row, like one announcement. The actor is the
 * job's user, on whose request the worker decided; the request's address and id stay with the front door (the
 * queue does not carry them).
 *
 * <p>Where they are written: with the outbox on (the default), the notification dispatcher appends them from
 * the decisions' outbox rows as it fans those out ({@code notifications.NotificationSql.FAN_OUT}, the same
 * content plus {@code decidedAt}), so the decision's transaction, which holds the event's row lock, does not
 * hash and insert them: the outbox row, committed with the decision, makes the append certain, a fraction of a
 * second later ({@code notificationPollMillis}). With the outbox off, here, in the decision's transaction, for
 * the jobs whose announcement is new ({@code fresh}).
 */
final class DecisionAudit {

  private DecisionAudit() {
  }

  /** Who writes the decisions' rows in their own transaction: nobody when {@code outbox} is on (see above). */
  static Audit inline(Outbox outbox, Audit audit) {
    return outbox.enabled() ? Audit.OFF : audit;
  }

  /** Rows for the jobs among {@code jobs} (decided as {@code outcomes}, same order) whose announcement is fresh. */
  static List<AuditEntry> of(long eventId, List<TakenJob> jobs, List<JobOutcome> outcomes, Set<String> fresh) {
    List<AuditEntry> entries = new ArrayList<>(fresh.size());
    for (int i = 0; i < jobs.size(); i++) {
      TakenJob job = jobs.get(i);
      if (fresh.contains("job:" + job.jobId())) {
        entries.add(entry(eventId, job.jobId(), job.userId(), job.seats(), outcomes.get(i)));
      }
    }
    return entries;
  }

  static AuditEntry entry(long eventId, String jobId, long userId, Integer seats, JobOutcome outcome) {
    JsonObject after = new JsonObject().put("status", outcome.completed() ? "CONFIRMED" : "FAILED").put("seats", seats);
    if (outcome.completed()) {
      after.put("bookingId", outcome.result().getLong("bookingId"));
    } else {
      after.put("reason", outcome.reasonLabel());
    }
    return AuditEntry.of(AuditAction.BOOKING_DECIDED, new AuditContext(userId, "USER", null, null))
        .target("job", jobId).event(eventId).job(jobId).change(null, after);
  }
}
