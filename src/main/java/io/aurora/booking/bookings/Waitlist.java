package io.aurora.booking.bookings;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditAction;
import io.aurora.booking.audit.AuditContext;
import io.aurora.booking.audit.AuditEntry;
import io.aurora.booking.events.Waitlists;
import io.aurora.booking.notifications.Notification;
import io.aurora.booking.notifications.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The events' waitlists in PostgreSQL (V4 migration): places taken by jobs that found their event sold out and
 * asked for the waitlist, first in, first promoted. Every operation runs on the connection of a transaction that
 * holds the event row lock ({@link BookingSql#LOCK_EVENT}), so places are numbered in decision order and a freed
 * seat is given, in the transaction that freed it, to the first place ({@link #seatsFreed}).
 */
public final class Waitlist implements Waitlists {

  /** Places read past the free seats per promotion, for places that are dropped instead (user gone or booked). */
  private static final int HEAD_SLACK = 1_000;

  private final Outbox outbox;
  private final Audit audit;
  private final String chain;
  private final int maxBookingsPerUser;

  /**
   * Promotions are announced ({@code booking.promoted}) to {@code outbox}, and recorded in {@code audit} on
   * {@code chain}, in their transaction.
   */
  public Waitlist(Outbox outbox, Audit audit, String chain, int maxBookingsPerUser) {
    this.outbox = outbox;
    this.audit = audit;
    this.chain = chain;
    this.maxBookingsPerUser = maxBookingsPerUser;
  }

  /**
   * Writes the places of {@code jobs} (one event's, in queue order) and answers each user's position on the
   * event's waitlist. A user who holds a place already keeps it (and its position).
   */
  Future<Map<Long, Long>> place(SqlConnection conn, long eventId, List<TakenJob> jobs) {
    if (jobs.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Long[] users = jobs.stream().map(TakenJob::userId).toArray(Long[]::new);
    Integer[] seats = jobs.stream().map(TakenJob::seats).toArray(Integer[]::new);
    String[] ids = jobs.stream().map(TakenJob::jobId).toArray(String[]::new);
    return conn.preparedQuery(WaitlistSql.PLACE)
        .execute(Tuple.tuple().addLong(eventId).addArrayOfLong(users).addArrayOfInteger(seats).addArrayOfString(ids))
        .compose(v -> conn.preparedQuery(WaitlistSql.POSITIONS).execute(Tuple.tuple().addLong(eventId).addArrayOfLong(users)))
        .map(rows -> {
          Map<Long, Long> positions = new HashMap<>();
          rows.forEach(row -> positions.put(row.getLong("user_id"), row.getLong("position")));
          return positions;
        });
  }

  /** A place at the head of a waitlist, as the promotion rule sees it. */
  record Place(long id, long userId, int seats, String jobId, boolean userGone, long activeBookings) {
  }

  /** What the rule decided: places to book (in order) and places to drop without a booking. */
  record Promotions(List<Place> book, List<Place> drop) {
  }

  /**
   * The promotion rule, a pure function: places are served strictly in order while their seats fit (the first
   * place that does not fit stops the promotion, so no later place overtakes it); a place whose user was deleted,
   * or already holds the allowed bookings of the event, is dropped. Nothing is promoted once the event started.
   */
  static Promotions decide(int seatsLeft, boolean started, List<Place> head, int maxBookingsPerUser) {
    List<Place> book = new ArrayList<>();
    List<Place> drop = new ArrayList<>();
    if (started) {
      return new Promotions(book, drop);
    }
    for (Place place : head) {
      if (place.userGone() || place.activeBookings() >= maxBookingsPerUser) {
        drop.add(place);
      } else if (place.seats() <= seatsLeft) {
        seatsLeft -= place.seats();
        book.add(place);
      } else {
        break;
      }
    }
    return new Promotions(book, drop);
  }

  /**
   * Books the first waitlisted users of the event into the seats that are free now, in the caller's transaction
   * (which holds the event row lock): each promoted place becomes a booking carrying its job's id, leaves the
   * waitlist, and is announced {@code booking.promoted}. Returns how many were promoted.
   */
  @Override
  public Future<Integer> seatsFreed(SqlConnection conn, long eventId) {
    return conn.preparedQuery(BookingSql.LOCK_EVENT).execute(Tuple.of(eventId)).compose(events -> {
      Row event = events.size() == 0 ? null : events.iterator().next();
      if (event == null || event.getValue("deleted_at") != null) {
        return Future.succeededFuture(0);
      }
      int seatsLeft = event.getInteger("capacity") - event.getInteger("booked");
      boolean started = !event.getOffsetDateTime("starts_at").toInstant().isAfter(Instant.now());
      if (seatsLeft <= 0 || started) {
        return Future.succeededFuture(0);
      }
      return conn.preparedQuery(WaitlistSql.HEAD).execute(Tuple.of(eventId, seatsLeft + HEAD_SLACK))
          .compose(rows -> promote(conn, eventId, decide(seatsLeft, false, places(rows), maxBookingsPerUser)));
    });
  }

  private static List<Place> places(RowSet<Row> rows) {
    List<Place> head = new ArrayList<>(rows.size());
    rows.forEach(row -> head.add(new Place(row.getLong("id"), row.getLong("user_id"), row.getInteger("seats"),
        row.getString("job_id"), row.getBoolean("user_gone"), row.getLong("active"))));
    return head;
  }

  private Future<Integer> promote(SqlConnection conn, long eventId, Promotions promotions) {
    List<Place> book = promotions.book();
    List<Place> leaving = new ArrayList<>(book);
    leaving.addAll(promotions.drop());
    if (leaving.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Future<Void> removed = conn.preparedQuery(WaitlistSql.REMOVE)
        .execute(Tuple.tuple().addArrayOfLong(leaving.stream().map(Place::id).toArray(Long[]::new))).mapEmpty();
    if (book.isEmpty()) {
      return removed.map(0);
    }
    int seats = book.stream().mapToInt(Place::seats).sum();
    return removed
        .compose(v -> conn.preparedQuery(BookingSql.INSERT_MANY).execute(Tuple.tuple().addLong(eventId)
            .addArrayOfLong(book.stream().map(Place::userId).toArray(Long[]::new))
            .addArrayOfInteger(book.stream().map(Place::seats).toArray(Integer[]::new))
            .addArrayOfString(book.stream().map(Place::jobId).toArray(String[]::new))))
        .compose(inserted -> {
          Map<String, Long> bookingIds = new HashMap<>();
          inserted.forEach(row -> bookingIds.put(row.getString("job_id"), row.getLong("id")));
          List<Notification> promoted = book.stream().map(place -> Notification.promoted(place.jobId(),
              bookingIds.get(place.jobId()), eventId, place.userId(), place.seats())).toList();
          List<AuditEntry> audited = book.stream().map(place -> AuditEntry.of(AuditAction.BOOKING_PROMOTED, AuditContext.SYSTEM)
              .target("booking", bookingIds.get(place.jobId())).event(eventId).job(place.jobId())
              .change(new JsonObject().put("status", "WAITLISTED"), new JsonObject().put("status", "CONFIRMED")
                  .put("userId", place.userId()).put("seats", place.seats()))).toList();
          return conn.preparedQuery(BookingSql.ADD_SEATS).execute(Tuple.of(eventId, seats))
              .compose(v -> outbox.append(conn, eventId, promoted))
              .compose(fresh -> audit.append(conn, chain, audited));
        })
        .map(book.size());
  }

  /** Drops the waitlist of an event being deleted (its row locked by the caller). */
  @Override
  public Future<Void> eventDeleted(SqlConnection conn, long eventId) {
    return conn.preparedQuery(WaitlistSql.DROP_EVENT).execute(Tuple.of(eventId)).mapEmpty();
  }
}
