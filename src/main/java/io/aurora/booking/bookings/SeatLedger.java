package io.aurora.booking.bookings;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditAction;
import io.aurora.booking.audit.AuditContext;
import io.aurora.booking.audit.AuditEntry;
import io.aurora.booking.bookings.SeatAllocation.Decided;
import io.aurora.booking.bookings.SeatAllocation.Decision;
import io.aurora.booking.bookings.SeatAllocation.EventState;
import io.aurora.booking.bookings.SeatAllocation.PriorBooking;
import io.aurora.booking.events.SeatsReturned;
import io.aurora.booking.notifications.Notification;
import io.aurora.booking.notifications.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * Decides the jobs of one event, in queue order, inside one transaction that holds the event row lock:
 * one lock, one multi-row insert, one seat update, one commit. This is where overselling is made
 * impossible; the CHECK on {@code events.booked} and the UNIQUE job id are the backstops.
 *
 * <p>Every job is decided on its own merits ({@link SeatAllocation}): what can be checked is checked inside
 * the transaction (the users that still exist are read with the other lookups, in the same round trip).
 * Should the database still refuse one row of the batched insert (a constraint no check foresaw), the
 * batch is split in halves, decided one after the other in queue order, until the refused job stands
 * alone and fails with its own reason; its batch-mates book as they would have. A refusal is never
 * retried as a whole: it would only be refused again.
 */
public final class SeatLedger {

  private static final Logger LOG = LoggerFactory.getLogger(SeatLedger.class);
  /** The foreign key of a booking's user (V1 migration): refused when the user was deleted under us. */
  private static final String USER_FOREIGN_KEY = "bookings_user_id_fkey";

  private final Pool pool;
  private final int maxBookingsPerUser;
  private final SeatsReturned seatsReturned;
  private final Outbox outbox;
  private final Audit audit;
  /**
   * Where the decisions' audit rows are written: nowhere here when the outbox is on (the dispatcher appends them
   * from the decisions' outbox rows, out of the event's lock), else in the decision's transaction.
   */
  private final Audit decisionAudit;
  /** The audit chain of this ledger's decisions: the worker's shard's (one writer), or the API's. */
  private final String chain;
  private final Waitlist waitlist;

  /**
   * A ledger that books only, and files its notifications under partition 0 (tools and tests that decide jobs
   * without a shard; the worker's ledger files them under the event's shard).
   */
  public SeatLedger(Pool pool, int maxBookingsPerUser) {
    this(pool, maxBookingsPerUser, SeatsReturned.NONE, new Outbox(eventId -> 0), Audit.ON, Audit.shardChain(0));
  }

  /**
   * A ledger that also cancels, telling the queue inside the transaction that a seat came back. Every decision
   * and cancellation writes its notifications to {@code outbox}, and its audit rows to {@code audit} on
   * {@code chain}, in its own transaction.
   */
  public SeatLedger(Pool pool, int maxBookingsPerUser, SeatsReturned seatsReturned, Outbox outbox, Audit audit,
                    String chain) {
    this.pool = pool;
    this.audit = audit;
    this.decisionAudit = DecisionAudit.inline(outbox, audit);
    this.chain = chain;
    this.maxBookingsPerUser = maxBookingsPerUser;
    this.seatsReturned = seatsReturned;
    this.outbox = outbox;
    this.waitlist = new Waitlist(outbox, audit, chain, maxBookingsPerUser);
  }

  /**
   * What one event's committed decision says: each job's outcome, and whether the commit left the event
   * without a seat before its start ({@code soldOutUntil}, the event's start; null when seats are left, or
   * the event is gone or started), which the worker reports to the queue for the sold-out fast path.
   */
  public record EventDecision(List<JobOutcome> outcomes, Instant soldOutUntil) {
  }

  /** Outcomes in the order of {@code jobs}; all jobs must be of {@code eventId}. */
  public Future<List<JobOutcome>> decide(long eventId, List<TakenJob> jobs) {
    return decideEvent(eventId, jobs).map(EventDecision::outcomes);
  }

  /** Outcomes in the order of {@code jobs} (all of {@code eventId}), and whether the event sold out. */
  public Future<EventDecision> decideEvent(long eventId, List<TakenJob> jobs) {
    return decideTogether(eventId, jobs).recover(failure -> {
      if (!isRowRefusal(failure)) {
        return Future.failedFuture(failure);
      }
      if (jobs.size() == 1) {
        FailureReason reason = USER_FOREIGN_KEY.equals(((PgException) failure).getConstraint())
            ? FailureReason.USER_NOT_FOUND : FailureReason.BOOKING_REFUSED;
        TakenJob job = jobs.get(0);
        LOG.warn("Job {} of event {}: the database refused its booking ({}); it fails alone as {}",
            v("jobId", job.jobId()), v("eventId", eventId), failure.getMessage(), reason);
        // Its failure changes nothing in PostgreSQL, so it is announced in a transaction of its own; should that
        // fail, the decision fails and the job is decided again.
        JobOutcome outcome = JobOutcome.failed(job.jobId(), reason);
        return pool.withTransaction(conn -> outbox.append(conn, eventId, List.of(Notification.failed(job.jobId(), eventId,
                job.userId(), job.seats(), outcome.reasonLabel(), outcome.message())))
                .compose(fresh -> decisionAudit.append(conn, chain, DecisionAudit.of(eventId, jobs, List.of(outcome), fresh))))
            .map(new EventDecision(List.of(outcome), null));
      }
      int half = jobs.size() / 2;
      List<TakenJob> earlier = jobs.subList(0, half);
      List<TakenJob> later = jobs.subList(half, jobs.size());
      return decideEvent(eventId, earlier).compose(first -> decideEvent(eventId, later).map(second -> {
        List<JobOutcome> all = new ArrayList<>(first.outcomes());
        all.addAll(second.outcomes());
        return new EventDecision(all, second.soldOutUntil());
      }));
    });
  }

  /** Integrity (class 23) and data (class 22) errors: a row's content is at fault, not the server. */
  private static boolean isRowRefusal(Throwable failure) {
    return failure instanceof PgException pg && pg.getSqlState() != null
        && (pg.getSqlState().startsWith("23") || pg.getSqlState().startsWith("22"));
  }

  private Future<EventDecision> decideTogether(long eventId, List<TakenJob> jobs) {
    return pool.withTransaction(conn -> conn.preparedQuery(BookingSql.LOCK_EVENT).execute(Tuple.of(eventId))
        .compose(rows -> {
          Row event = rows.size() == 0 ? null : rows.iterator().next();
          if (event == null || event.getValue("deleted_at") != null) {
            return Future.succeededFuture(new EventDecision(outcomes(SeatAllocation.decide(null, jobs, Map.of(), Map.of(),
                Set.of(), maxBookingsPerUser, Instant.now()), Map.of(), Map.of()), null));
          }
          return decideLocked(conn, event, jobs);
        })
        .compose(decision -> announce(conn, eventId, jobs, decision)));
  }

  /**
   * Writes each decided job's notification (confirmed, or failed with its reason) to the outbox, in the
   * decision's transaction: a batch that rolls back announces nothing. Outcomes are in the order of {@code jobs}.
   */
  private Future<EventDecision> announce(SqlConnection conn, long eventId, List<TakenJob> jobs, EventDecision decision) {
    List<Notification> notifications = new ArrayList<>(jobs.size());
    for (int i = 0; i < jobs.size(); i++) {
      TakenJob job = jobs.get(i);
      JobOutcome outcome = decision.outcomes().get(i);
      if (outcome.completed()) {
        notifications.add(Notification.confirmed(job.jobId(), outcome.result().getLong("bookingId"), eventId, job.userId(),
            job.seats()));
      } else if (outcome.waitlisted()) {
        notifications.add(Notification.waitlisted(job.jobId(), eventId, job.userId(), job.seats(),
            outcome.result().getLong("waitlistPosition")));
      } else {
        notifications.add(Notification.failed(job.jobId(), eventId, job.userId(), job.seats(), outcome.reasonLabel(),
            outcome.message()));
      }
    }
    return outbox.append(conn, eventId, notifications)
        .compose(fresh -> decisionAudit.append(conn, chain, DecisionAudit.of(eventId, jobs, decision.outcomes(), fresh)))
        .map(decision);
  }

  private Future<EventDecision> decideLocked(SqlConnection conn, Row event, List<TakenJob> jobs) {
    long eventId = event.getLong("id");
    String[] jobIds = jobs.stream().map(TakenJob::jobId).toArray(String[]::new);
    Long[] userIds = jobs.stream().map(TakenJob::userId).distinct().toArray(Long[]::new);
    // The three lookups go out together: the client pipelines them on the one connection.
    Future<RowSet<Row>> existing = conn.preparedQuery(BookingSql.BY_JOB_IDS).execute(Tuple.tuple().addArrayOfString(jobIds));
    Future<RowSet<Row>> active = conn.preparedQuery(BookingSql.ACTIVE_PER_USER)
        .execute(Tuple.tuple().addLong(eventId).addArrayOfLong(userIds));
    Future<RowSet<Row>> users = conn.preparedQuery(BookingSql.EXISTING_USERS).execute(Tuple.tuple().addArrayOfLong(userIds));
    return Future.all(existing, active, users).compose(all -> {
      Map<String, PriorBooking> prior = new HashMap<>();
      existing.result().forEach(row -> prior.put(row.getString("job_id"), new PriorBooking(row.getLong("id"), row.getInteger("seats"))));
      Map<Long, Long> perUser = new HashMap<>();
      active.result().forEach(row -> perUser.put(row.getLong("user_id"), row.getLong("active")));
      Set<Long> present = new HashSet<>();
      users.result().forEach(row -> present.add(row.getLong("id")));
      EventState state = new EventState(eventId, event.getInteger("capacity"), event.getInteger("booked"),
          event.getOffsetDateTime("starts_at").toInstant(), false);
      Instant now = Instant.now();
      List<Decision> decisions = SeatAllocation.decide(state, jobs, prior, perUser, present, maxBookingsPerUser, now);
      int seatsLeft = state.capacity() - state.booked() - SeatAllocation.toBook(decisions).stream().mapToInt(TakenJob::seats).sum();
      Instant soldOutUntil = seatsLeft == 0 && state.startsAt().isAfter(now) ? state.startsAt() : null;
      return book(conn, eventId, decisions).map(outcomes -> new EventDecision(outcomes, soldOutUntil));
    });
  }

  /** Books the accepted jobs, then writes the places of the waitlisted ones (after: their positions come last). */
  private Future<List<JobOutcome>> book(SqlConnection conn, long eventId, List<Decision> decisions) {
    return insertBookings(conn, eventId, decisions).compose(bookingIds ->
        waitlist.place(conn, eventId, SeatAllocation.toWaitlist(decisions))
            .map(positions -> outcomes(decisions, bookingIds, positions)));
  }

  /** The booking id of each accepted job, by job id. */
  private Future<Map<String, Long>> insertBookings(SqlConnection conn, long eventId, List<Decision> decisions) {
    List<TakenJob> accepted = SeatAllocation.toBook(decisions);
    if (accepted.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Long[] users = accepted.stream().map(TakenJob::userId).toArray(Long[]::new);
    Integer[] seats = accepted.stream().map(TakenJob::seats).toArray(Integer[]::new);
    String[] ids = accepted.stream().map(TakenJob::jobId).toArray(String[]::new);
    int seatSum = accepted.stream().mapToInt(TakenJob::seats).sum();
    // Insert and seat update go out together too; the CHECK on booked is the backstop for both.
    Future<RowSet<Row>> insert = conn.preparedQuery(BookingSql.INSERT_MANY)
        .execute(Tuple.tuple().addLong(eventId).addArrayOfLong(users).addArrayOfInteger(seats).addArrayOfString(ids));
    Future<RowSet<Row>> addSeats = conn.preparedQuery(BookingSql.ADD_SEATS).execute(Tuple.of(eventId, seatSum));
    // join, not all: when the insert is refused, the update fails too ("transaction aborted"), and the
    // insert's own failure is the one that says which row is at fault.
    return Future.join(insert, addSeats).transform(done -> {
      if (insert.failed() || addSeats.failed()) {
        return Future.failedFuture(insert.failed() ? insert.cause() : addSeats.cause());
      }
      Map<String, Long> bookingIds = new HashMap<>();
      insert.result().forEach(row -> bookingIds.put(row.getString("job_id"), row.getLong("id")));
      return Future.succeededFuture(bookingIds);
    });
  }

  /** The outcome of every decision; booked jobs get their new booking id, waitlisted ones their user's position. */
  private static List<JobOutcome> outcomes(List<Decision> decisions, Map<String, Long> bookingIds, Map<Long, Long> positions) {
    return decisions.stream().map(decision -> {
      TakenJob job = decision.job();
      if (decision instanceof Decided decided) {
        return decided.outcome();
      }
      if (decision instanceof SeatAllocation.Waitlist) {
        return JobOutcome.waitlisted(job.jobId(), job.eventId(), job.seats(), positions.getOrDefault(job.userId(), 0L));
      }
      return JobOutcome.completed(job.jobId(), bookingIds.get(job.jobId()), job.eventId(), job.seats());
    }).toList();
  }

  /**
   * Cancels a booking and gives its seats back, under the same event row lock as booking: the freed seats go
   * first to the event's waitlist, in this transaction ({@link Waitlist#seatsFreed}), then to the next job in
   * line. Before the commit, the queue is told that a seat came back ({@link SeatsReturned}), which stops the
   * sold-out fast path for the event; if that fails, nothing is cancelled. Cancelling twice is harmless. Returns the booking's final status.
   */
  public Future<String> cancel(long bookingId, long eventId, AuditContext who) {
    return pool.withTransaction(conn -> conn.preparedQuery(BookingSql.LOCK_EVENT).execute(Tuple.of(eventId))
        .compose(event -> conn.preparedQuery(BookingSql.LOCK_BOOKING).execute(Tuple.of(bookingId)))
        .compose(rows -> {
          Row booking = rows.iterator().next();
          if (!"CONFIRMED".equals(booking.getString("status"))) {
            return Future.succeededFuture(booking.getString("status"));
          }
          return conn.preparedQuery(BookingSql.CANCEL).execute(Tuple.of(bookingId))
              .compose(v -> conn.preparedQuery(BookingSql.REMOVE_SEATS).execute(Tuple.of(eventId, booking.getInteger("seats"))))
              .compose(v -> outbox.append(conn, eventId, List.of(Notification.cancelled(bookingId, booking.getString("job_id"),
                  eventId, booking.getLong("user_id"), booking.getInteger("seats")))))
              .compose(v -> audit.append(conn, chain, List.of(AuditEntry.of(AuditAction.BOOKING_CANCELLED, who)
                  .target("booking", bookingId).event(eventId).job(booking.getString("job_id"))
                  .change(new JsonObject().put("status", "CONFIRMED").put("seats", booking.getInteger("seats"))
                      .put("userId", booking.getLong("user_id")), new JsonObject().put("status", "CANCELLED")))))
              .compose(v -> waitlist.seatsFreed(conn, eventId))
              .compose(v -> seatsReturned.seatsMayHaveReturned(eventId))
              .map("CANCELLED");
        }));
  }
}
