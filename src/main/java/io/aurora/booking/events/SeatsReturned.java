package io.aurora.booking.events;

import io.vertx.core.Future;

/**
 * Tells the queue that seats of an event may have come back (a cancellation, more capacity, a changed
 * date, a deleted event), so that it stops answering the event's jobs {@code SOLD_OUT} on its own and lets
 * PostgreSQL decide again: the next decision gives a freed seat to the first job still waiting.
 *
 * <p>Call it inside the transaction that brings the seats back, before it commits: if it fails, the change
 * rolls back, and a job can never be answered sold out while a committed seat is free. A call for a change
 * that then does not commit only costs the fast path until the next decision marks the event again.
 * Implemented by the queue ({@code queue.ShardQueue}); the application root hands it in.
 */
@FunctionalInterface
public interface SeatsReturned {

  /** For routes deployed without a queue (tests, tools): there is no sold-out mark to void. */
  SeatsReturned NONE = eventId -> Future.succeededFuture();

  Future<Void> seatsMayHaveReturned(long eventId);
}
