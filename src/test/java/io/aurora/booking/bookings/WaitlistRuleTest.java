package io.aurora.booking.bookings;

import io.aurora.booking.bookings.Waitlist.Place;
import io.aurora.booking.bookings.Waitlist.Promotions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The promotion rule of the waitlist ({@link Waitlist#decide}), a pure function. */
class WaitlistRuleTest {

  private static Place place(long id, int seats) {
    return new Place(id, 100 + id, seats, "job-" + id, false, 0);
  }

  private static List<Long> ids(List<Place> places) {
    return places.stream().map(Place::id).toList();
  }

  @Test
  void freedSeatsGoToThePlacesInOrderWhileTheyFit() {
    Promotions promotions = Waitlist.decide(2, false, List.of(place(1, 1), place(2, 1), place(3, 1)), 1);
    assertEquals(List.of(1L, 2L), ids(promotions.book()));
    assertEquals(List.of(), promotions.drop());
  }

  @Test
  void aPlaceThatDoesNotFitIsNotOvertakenByALaterOne() {
    Promotions promotions = Waitlist.decide(1, false, List.of(place(1, 2), place(2, 1)), 1);
    assertEquals(List.of(), promotions.book());
  }

  @Test
  void placesOfDeletedUsersOrUsersAtTheirLimitAreDroppedAndTheNextIsServed() {
    Place gone = new Place(1, 101, 1, "job-1", true, 0);
    Place booked = new Place(2, 102, 1, "job-2", false, 1);
    Promotions promotions = Waitlist.decide(1, false, List.of(gone, booked, place(3, 1)), 1);
    assertEquals(List.of(3L), ids(promotions.book()));
    assertEquals(List.of(1L, 2L), ids(promotions.drop()));
  }

  @Test
  void nothingIsPromotedOnceTheEventStarted() {
    Promotions promotions = Waitlist.decide(5, true, List.of(place(1, 1)), 1);
    assertEquals(List.of(), promotions.book());
    assertEquals(List.of(), promotions.drop());
  }
}
