package io.aurora.booking.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

/**
 * The events' waitlists, as an event change sees them: more capacity books the first waitlisted users, a deleted
 * event drops its waitlist. Both run on {@code conn}, inside the transaction that holds the event row lock and
 * makes the change, so they commit with it or not at all. Implemented by the bookings feature
 * ({@code bookings.Waitlist}); the application root hands it in.
 */
public interface Waitlists {

  /** For routes deployed without waitlists (tests, tools). */
  Waitlists NONE = new Waitlists() {
    @Override
    public Future<Integer> seatsFreed(SqlConnection conn, long eventId) {
      return Future.succeededFuture(0);
    }

    @Override
    public Future<Void> eventDeleted(SqlConnection conn, long eventId) {
      return Future.succeededFuture();
    }
  };

  /** Seats of the event may be free (its row locked by the caller): books waitlisted users in order; how many. */
  Future<Integer> seatsFreed(SqlConnection conn, long eventId);

  /** The event is being deleted (its row locked by the caller): its waitlist goes with it. */
  Future<Void> eventDeleted(SqlConnection conn, long eventId);
}
