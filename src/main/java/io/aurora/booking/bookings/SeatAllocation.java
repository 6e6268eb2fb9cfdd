package io.aurora.booking.bookings;


import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The decision rule of one event's jobs, as a pure function of what the transaction read under the event
 * row lock: first come, first served, each job on its own merits. {@link SeatLedger} reads the state,
 * asks this rule, and writes what it decided; the rule itself touches nothing, so it is tested directly.
 *
 * <p>The order of the checks is the order of the reasons' precedence: the event must exist; a job that
 * already has its booking (a redelivery) is completed with that booking; then the event must not have
 * started, the user must exist, hold fewer than the allowed bookings for the event, and find enough
 * seats left. Jobs are decided in queue order, so an earlier job's seats and bookings count against the
 * later ones of the same batch. A job that finds too few seats and asked for the waitlist takes a place on it
 * instead of failing {@code SOLD_OUT} (a user at the bookings limit is still {@code ALREADY_BOOKED}, no place).
 */
public final class SeatAllocation {

  /** The event row as locked by the transaction; {@code null} when there is no such row. */
  public record EventState(long eventId, int capacity, int booked, Instant startsAt, boolean deleted) {
  }

  /** A booking a job already made (found by its job id): the job is done, with this booking. */
  public record PriorBooking(long bookingId, int seats) {
  }

  /** What the rule decided for one job. */
  public sealed interface Decision permits Book, Decided, Waitlist {
    TakenJob job();
  }

  /** The job gets its seats: the ledger inserts its booking. */
  public record Book(TakenJob job) implements Decision {
  }

  /** Sold out, and the job asked for the waitlist: the ledger writes its place. */
  public record Waitlist(TakenJob job) implements Decision {
  }

  /** The job's outcome is known without writing anything (a refusal, or a booking made earlier). */
  public record Decided(TakenJob job, JobOutcome outcome) implements Decision {
  }

  private SeatAllocation() {
  }

  /**
   * Decides {@code jobs} (one event's, in queue order).
   *
   * @param event         the locked event row, or null when it does not exist
   * @param prior         bookings already made, by job id
   * @param activePerUser confirmed bookings of the event per user, before this batch
   * @param existingUsers the users of {@code jobs} that exist
   * @param maxPerUser    active bookings a user may hold for one event
   * @param now           the time the event's start is compared with
   * @return one decision per job, in the order of {@code jobs}
   */
  public static List<Decision> decide(EventState event, List<TakenJob> jobs, Map<String, PriorBooking> prior,
                                      Map<Long, Long> activePerUser, Set<Long> existingUsers, int maxPerUser,
                                      Instant now) {
    List<Decision> decisions = new ArrayList<>(jobs.size());
    if (event == null || event.deleted()) {
      // A deleted event's bookings were cancelled with it: even a redelivered job has nothing to show.
      for (TakenJob job : jobs) {
        decisions.add(new Decided(job, JobOutcome.failed(job.jobId(), FailureReason.EVENT_NOT_FOUND)));
      }
      return decisions;
    }
    int seatsLeft = event.capacity() - event.booked();
    boolean started = !event.startsAt().isAfter(now);
    Map<Long, Long> perUser = new HashMap<>(activePerUser);
    for (TakenJob job : jobs) {
      PriorBooking done = prior.get(job.jobId());
      FailureReason refusal;
      if (done != null) {
        decisions.add(completed(job, done, event.eventId()));
        continue;
      } else if (started) {
        refusal = FailureReason.EVENT_STARTED;
      } else if (!existingUsers.contains(job.userId())) {
        refusal = FailureReason.USER_NOT_FOUND;
      } else if (perUser.getOrDefault(job.userId(), 0L) >= maxPerUser) {
        refusal = FailureReason.ALREADY_BOOKED;
      } else if (job.seats() > seatsLeft && job.waitlist()) {
        decisions.add(new Waitlist(job));
        continue;
      } else if (job.seats() > seatsLeft) {
        refusal = FailureReason.SOLD_OUT;
      } else {
        seatsLeft -= job.seats();
        perUser.merge(job.userId(), 1L, Long::sum);
        decisions.add(new Book(job));
        continue;
      }
      decisions.add(new Decided(job, JobOutcome.failed(job.jobId(), refusal)));
    }
    return decisions;
  }

  private static Decided completed(TakenJob job, PriorBooking booking, long eventId) {
    return new Decided(job, JobOutcome.completed(job.jobId(), booking.bookingId(), eventId, booking.seats()));
  }

  /** The jobs to put on the waitlist, in order. */
  public static List<TakenJob> toWaitlist(List<Decision> decisions) {
    return decisions.stream().filter(d -> d instanceof Waitlist).map(Decision::job).toList();
  }

  /** The jobs to book, in order. */
  public static List<TakenJob> toBook(List<Decision> decisions) {
    return decisions.stream().filter(d -> d instanceof Book).map(Decision::job).toList();
  }
}
