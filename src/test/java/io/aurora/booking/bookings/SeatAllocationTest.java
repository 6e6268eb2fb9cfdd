package io.aurora.booking.bookings;

import io.aurora.booking.bookings.SeatAllocation.Book;
import io.aurora.booking.bookings.SeatAllocation.Decided;
import io.aurora.booking.bookings.SeatAllocation.Decision;
import io.aurora.booking.bookings.SeatAllocation.EventState;
import io.aurora.booking.bookings.SeatAllocation.PriorBooking;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The decision rule on its own: no database, every input spelled out. */
class SeatAllocationTest {

  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");
  private static final long EVENT = 7;

  private static EventState event(int capacity, int booked) {
    return new EventState(EVENT, capacity, booked, NOW.plusSeconds(3600), false);
  }

  private static TakenJob job(String id, long user) {
    return job(id, user, 1);
  }

  private static TakenJob job(String id, long user, int seats) {
    return new TakenJob(id, user, EVENT, seats, 1, 0);
  }

  /** "BOOK" for a job to book, "completed" for a known booking, else the failure reason. */
  private static List<String> verdicts(List<Decision> decisions) {
    List<String> out = new ArrayList<>();
    for (Decision d : decisions) {
      out.add(d instanceof Book ? "BOOK" : d instanceof SeatAllocation.Waitlist ? "WAITLIST"
          : ((Decided) d).outcome().completed() ? "completed" : ((Decided) d).outcome().reason().name());
    }
    return out;
  }

  private static List<Decision> decide(EventState event, List<TakenJob> jobs, Set<Long> users) {
    return SeatAllocation.decide(event, jobs, Map.of(), Map.of(), users, 1, NOW);
  }

  private static TakenJob waitlistJob(String id, long user) {
    return new TakenJob(id, user, EVENT, 1, 1, 0, 0, true);
  }

  @Test
  void aSoldOutJobThatAskedForTheWaitlistTakesAPlaceAndOneAtItsLimitIsStillAlreadyBooked() {
    List<TakenJob> jobs = List.of(waitlistJob("a", 1), waitlistJob("b", 2), job("c", 3), waitlistJob("d", 4));
    List<Decision> decisions = SeatAllocation.decide(event(10, 9), jobs, Map.of(), Map.of(4L, 1L), Set.of(1L, 2L, 3L, 4L), 1, NOW);
    assertEquals(List.of("BOOK", "WAITLIST", "SOLD_OUT", "ALREADY_BOOKED"), verdicts(decisions));
    assertEquals(List.of(jobs.get(1)), SeatAllocation.toWaitlist(decisions));
  }

  @Test
  void seatsGoToTheEarliestJobsAndTheRestAreSoldOut() {
    List<TakenJob> jobs = List.of(job("a", 1), job("b", 2), job("c", 3), job("d", 4));
    assertEquals(List.of("BOOK", "BOOK", "SOLD_OUT", "SOLD_OUT"), verdicts(decide(event(10, 8), jobs, Set.of(1L, 2L, 3L, 4L))));
  }

  @Test
  void aLargeOrderThatDoesNotFitDoesNotBlockASmallerOneBehindIt() {
    List<TakenJob> jobs = List.of(job("a", 1, 3), job("b", 2, 1));
    assertEquals(List.of("SOLD_OUT", "BOOK"), verdicts(decide(event(10, 8), jobs, Set.of(1L, 2L))));
  }

  @Test
  void aDeletedUserFailsAloneAndItsBatchMatesBookInOrder() {
    List<TakenJob> jobs = new ArrayList<>();
    for (int i = 1; i <= 11; i++) {
      jobs.add(job("j" + i, i));
    }
    Set<Long> present = new java.util.HashSet<>();
    for (long i = 1; i <= 11; i++) {
      present.add(i);
    }
    present.remove(6L);
    List<String> verdicts = verdicts(decide(event(100, 0), jobs, present));
    assertEquals("USER_NOT_FOUND", verdicts.get(5));
    assertEquals(10, verdicts.stream().filter("BOOK"::equals).count());
  }

  @Test
  void aDeletedUsersJobTakesNoSeatFromTheJobsBehindIt() {
    List<TakenJob> jobs = List.of(job("a", 1), job("gone", 2), job("c", 3));
    assertEquals(List.of("BOOK", "USER_NOT_FOUND", "BOOK"), verdicts(decide(event(2, 0), jobs, Set.of(1L, 3L))));
  }

  @Test
  void aUserAtTheLimitIsAlreadyBookedCountingEarlierJobsOfTheSameBatch() {
    List<TakenJob> jobs = List.of(job("a", 1), job("b", 1), job("c", 2));
    List<Decision> decisions = SeatAllocation.decide(event(10, 0), jobs, Map.of(), Map.of(2L, 1L), Set.of(1L, 2L), 1, NOW);
    assertEquals(List.of("BOOK", "ALREADY_BOOKED", "ALREADY_BOOKED"), verdicts(decisions));
    List<Decision> two = SeatAllocation.decide(event(10, 0), jobs, Map.of(), Map.of(2L, 1L), Set.of(1L, 2L), 2, NOW);
    assertEquals(List.of("BOOK", "BOOK", "BOOK"), verdicts(two));
  }

  @Test
  void aRedeliveredJobIsCompletedWithTheBookingItAlreadyMadeAndTakesNoNewSeat() {
    List<TakenJob> jobs = List.of(job("done", 1), job("new", 2));
    List<Decision> decisions = SeatAllocation.decide(event(1, 1), jobs, Map.of("done", new PriorBooking(42, 1)),
        Map.of(1L, 1L), Set.of(1L, 2L), 1, NOW);
    assertEquals(List.of("completed", "SOLD_OUT"), verdicts(decisions));
    Decided done = assertInstanceOf(Decided.class, decisions.get(0));
    assertEquals(42L, done.outcome().result().getLong("bookingId"));
    assertEquals(EVENT, done.outcome().result().getLong("eventId"));
  }

  @Test
  void aStartedEventRefusesNewJobsButStillReportsBookingsMadeBeforeTheStart() {
    EventState started = new EventState(EVENT, 10, 1, NOW, false);
    List<TakenJob> jobs = List.of(job("done", 1), job("late", 2));
    List<Decision> decisions = SeatAllocation.decide(started, jobs, Map.of("done", new PriorBooking(5, 1)),
        Map.of(), Set.of(1L, 2L), 1, NOW);
    assertEquals(List.of("completed", "EVENT_STARTED"), verdicts(decisions));
  }

  @Test
  void aMissingOrDeletedEventFailsEveryJob() {
    List<TakenJob> jobs = List.of(job("a", 1), job("b", 2));
    assertEquals(List.of("EVENT_NOT_FOUND", "EVENT_NOT_FOUND"), verdicts(decide(null, jobs, Set.of(1L, 2L))));
    EventState deleted = new EventState(EVENT, 10, 0, NOW.plusSeconds(60), true);
    assertEquals(List.of("EVENT_NOT_FOUND", "EVENT_NOT_FOUND"), verdicts(decide(deleted, jobs, Set.of(1L, 2L))));
  }

  @Test
  void theJobsToBookComeOutInQueueOrder() {
    List<TakenJob> jobs = List.of(job("a", 1), job("x", 9), job("b", 2), job("c", 3));
    List<Decision> decisions = decide(event(10, 0), jobs, Set.of(1L, 2L, 3L));
    assertEquals(List.of("a", "b", "c"), SeatAllocation.toBook(decisions).stream().map(TakenJob::jobId).toList());
  }

  @Test
  void theLastSeatsGoToAnOrderThatFitsExactly() {
    List<TakenJob> jobs = List.of(job("a", 1, 2), job("b", 2, 1));
    assertEquals(List.of("BOOK", "SOLD_OUT"), verdicts(decide(event(10, 8), jobs, Set.of(1L, 2L))));
  }

  @Test
  void aFullEventSellsNothing() {
    assertEquals(List.of("SOLD_OUT"), verdicts(decide(event(5, 5), List.of(job("a", 1)), Set.of(1L))));
  }

  @Test
  void anEmptyBatchDecidesNothing() {
    assertEquals(List.of(), decide(event(5, 0), List.of(), Set.of()));
    assertEquals(List.of(), decide(null, List.of(), Set.of()));
  }

  @Test
  void theReasonsKeepTheirPrecedence() {
    // A started event outranks a missing user.
    EventState started = new EventState(EVENT, 10, 0, NOW.minusSeconds(1), false);
    assertEquals(List.of("EVENT_STARTED"), verdicts(decide(started, List.of(job("a", 9)), Set.of())));
    // A missing user outranks the per-user limit and the seats left.
    assertEquals(List.of("USER_NOT_FOUND"), verdicts(SeatAllocation.decide(event(1, 1), List.of(job("a", 9)),
        Map.of(), Map.of(9L, 1L), Set.of(), 1, NOW)));
    // The per-user limit outranks the seats left.
    assertEquals(List.of("ALREADY_BOOKED"), verdicts(SeatAllocation.decide(event(1, 1), List.of(job("a", 1)),
        Map.of(), Map.of(1L, 1L), Set.of(1L), 1, NOW)));
  }

  @Test
  void anEventStartingAfterNowStillSells() {
    EventState soon = new EventState(EVENT, 10, 0, NOW.plusMillis(1), false);
    assertEquals(List.of("BOOK"), verdicts(decide(soon, List.of(job("a", 1)), Set.of(1L))));
  }

  @Test
  void aRefusedOrderDoesNotCountAgainstTheUsersLimit() {
    List<TakenJob> jobs = List.of(job("big", 1, 5), job("small", 1, 1));
    assertEquals(List.of("SOLD_OUT", "BOOK"), verdicts(decide(event(10, 8), jobs, Set.of(1L))));
  }

  @Test
  void aRedeliveredJobOfADeletedEventHasNothingToShow() {
    EventState deleted = new EventState(EVENT, 10, 1, NOW.plusSeconds(60), true);
    List<Decision> decisions = SeatAllocation.decide(deleted, List.of(job("done", 1)),
        Map.of("done", new PriorBooking(42, 1)), Map.of(), Set.of(1L), 1, NOW);
    assertEquals(List.of("EVENT_NOT_FOUND"), verdicts(decisions));
  }

  @Test
  void aRedeliveredJobIsCompletedEvenWhenItsUserIsGoneSinceOrAtTheLimit() {
    List<Decision> decisions = SeatAllocation.decide(event(1, 1), List.of(job("done", 1)),
        Map.of("done", new PriorBooking(42, 1)), Map.of(1L, 1L), Set.of(), 1, NOW);
    assertEquals(List.of("completed"), verdicts(decisions));
  }
}
