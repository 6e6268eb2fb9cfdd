package io.aurora.booking.bookings;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides the jobs of one event, in queue order, inside one transaction that holds the event row lock:
 * one lock, one multi-row insert, one seat update, one commit. This is where overselling is made
 * impossible; the CHECK on {@code events.booked} and the UNIQUE job id are the backstops.
 */
public final class SeatLedger {

  private final Pool pool;
  private final int maxBookingsPerUser;

  public SeatLedger(Pool pool, int maxBookingsPerUser) {
    this.pool = pool;
    this.maxBookingsPerUser = maxBookingsPerUser;
  }

  /** Outcomes in the order of {@code jobs}; all jobs must be of {@code eventId}. */
  public Future<List<JobOutcome>> decide(long eventId, List<TakenJob> jobs) {
    return pool.withTransaction(conn -> conn.preparedQuery(BookingSql.LOCK_EVENT).execute(Tuple.of(eventId))
        .compose(rows -> {
          Row event = rows.size() == 0 ? null : rows.iterator().next();
          if (event == null || event.getValue("deleted_at") != null) {
            return Future.succeededFuture(allFailed(jobs, FailureReason.EVENT_NOT_FOUND));
          }
          return decideLocked(conn, event, jobs);
        }));
  }

  private Future<List<JobOutcome>> decideLocked(SqlConnection conn, Row event, List<TakenJob> jobs) {
    long eventId = event.getLong("id");
    String[] jobIds = jobs.stream().map(TakenJob::jobId).toArray(String[]::new);
    Long[] userIds = jobs.stream().map(TakenJob::userId).distinct().toArray(Long[]::new);
    // Both lookups go out together: the client pipelines them on the one connection.
    Future<RowSet<Row>> existing = conn.preparedQuery(BookingSql.BY_JOB_IDS).execute(Tuple.tuple().addArrayOfString(jobIds));
    Future<RowSet<Row>> active = conn.preparedQuery(BookingSql.ACTIVE_PER_USER)
        .execute(Tuple.tuple().addLong(eventId).addArrayOfLong(userIds));
    return Future.all(existing, active).compose(both -> {
      Map<String, Row> done = new HashMap<>();
      existing.result().forEach(row -> done.put(row.getString("job_id"), row));
      Map<Long, Long> perUser = new HashMap<>();
      active.result().forEach(row -> perUser.put(row.getLong("user_id"), row.getLong("active")));
      return book(conn, event, jobs, done, perUser);
    });
  }

  private Future<List<JobOutcome>> book(SqlConnection conn, Row event, List<TakenJob> jobs,
                                        Map<String, Row> done, Map<Long, Long> perUser) {
    long eventId = event.getLong("id");
    int seatsLeft = event.getInteger("capacity") - event.getInteger("booked");
    boolean started = !event.getOffsetDateTime("starts_at").isAfter(OffsetDateTime.now());
    JobOutcome[] outcomes = new JobOutcome[jobs.size()];
    List<TakenJob> accepted = new ArrayList<>();
    for (int i = 0; i < jobs.size(); i++) {
      TakenJob job = jobs.get(i);
      Row previous = done.get(job.jobId());
      if (previous != null) {
        outcomes[i] = JobOutcome.completed(job.jobId(), previous.getLong("id"), eventId, previous.getInteger("seats"));
      } else if (started) {
        outcomes[i] = JobOutcome.failed(job.jobId(), FailureReason.EVENT_STARTED);
      } else if (perUser.getOrDefault(job.userId(), 0L) >= maxBookingsPerUser) {
        outcomes[i] = JobOutcome.failed(job.jobId(), FailureReason.ALREADY_BOOKED);
      } else if (job.seats() > seatsLeft) {
        outcomes[i] = JobOutcome.failed(job.jobId(), FailureReason.SOLD_OUT);
      } else {
        seatsLeft -= job.seats();
        perUser.merge(job.userId(), 1L, Long::sum);
        accepted.add(job);
      }
    }
    if (accepted.isEmpty()) {
      return Future.succeededFuture(List.of(outcomes));
    }
    Long[] users = accepted.stream().map(TakenJob::userId).toArray(Long[]::new);
    Integer[] seats = accepted.stream().map(TakenJob::seats).toArray(Integer[]::new);
    String[] ids = accepted.stream().map(TakenJob::jobId).toArray(String[]::new);
    int seatSum = accepted.stream().mapToInt(TakenJob::seats).sum();
    // Insert and seat update go out together too; the CHECK on booked is the backstop for both.
    Future<RowSet<Row>> insert = conn.preparedQuery(BookingSql.INSERT_MANY)
        .execute(Tuple.tuple().addLong(eventId).addArrayOfLong(users).addArrayOfInteger(seats).addArrayOfString(ids));
    Future<RowSet<Row>> addSeats = conn.preparedQuery(BookingSql.ADD_SEATS).execute(Tuple.of(eventId, seatSum));
    return Future.all(insert, addSeats).map(both -> {
          Map<String, Long> bookingIds = new HashMap<>();
          insert.result().forEach(row -> bookingIds.put(row.getString("job_id"), row.getLong("id")));
          for (int i = 0; i < jobs.size(); i++) {
            if (outcomes[i] == null) {
              TakenJob job = jobs.get(i);
              outcomes[i] = JobOutcome.completed(job.jobId(), bookingIds.get(job.jobId()), eventId, job.seats());
            }
          }
          return List.of(outcomes);
        });
  }

  private static List<JobOutcome> allFailed(List<TakenJob> jobs, FailureReason reason) {
    return jobs.stream().map(job -> JobOutcome.failed(job.jobId(), reason)).toList();
  }

  /**
   * Cancels a booking and gives its seats back, under the same event row lock as booking, so a freed
   * seat goes to the next job in line. Cancelling twice is harmless. Returns the booking's final status.
   */
  public Future<String> cancel(long bookingId, long eventId) {
    return pool.withTransaction(conn -> conn.preparedQuery(BookingSql.LOCK_EVENT).execute(Tuple.of(eventId))
        .compose(event -> conn.preparedQuery(BookingSql.LOCK_BOOKING).execute(Tuple.of(bookingId)))
        .compose(rows -> {
          Row booking = rows.iterator().next();
          if (!"CONFIRMED".equals(booking.getString("status"))) {
            return Future.succeededFuture(booking.getString("status"));
          }
          return conn.preparedQuery(BookingSql.CANCEL).execute(Tuple.of(bookingId))
              .compose(v -> conn.preparedQuery(BookingSql.REMOVE_SEATS).execute(Tuple.of(eventId, booking.getInteger("seats"))))
              .map("CANCELLED");
        }));
  }
}
