package io.aurora.booking.notifications;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes notifications into the outbox on the connection of the transaction that makes the change they
 * announce: they commit with it or not at all. One multi-row insert per call. Delivery is the
 * {@link NotificationDispatcher}'s job, partition by partition.
 */
public final class Outbox {

  /** Which partition an event's notifications go to: the event's shard, so its owner dispatches them. */
  @FunctionalInterface
  public interface Partitions {
    int of(long eventId);
  }

  private final Partitions partitions;
  private final boolean enabled;

  public Outbox(Partitions partitions) {
    this(partitions, true);
  }

  /**
   * @param enabled false ({@code notificationsEnabled} off, only to measure what notifications cost): nothing is
   *                written, and every fact counts as announced first
   */
  public Outbox(Partitions partitions, boolean enabled) {
    this.partitions = partitions;
    this.enabled = enabled;
  }

  /**
   * Whether notifications are written. When they are, the dispatcher also writes the audit row of every decision
   * it fans out ({@link NotificationSql#FAN_OUT}), so the decision's own transaction need not.
   */
  public boolean enabled() {
    return enabled;
  }

  /**
   * Appends {@code notifications} of event {@code eventId} inside the transaction {@code conn} is in. Returns the
   * dedup keys of the facts this call announced first (not those announced before: a job decided again), so the
   * caller can write what else belongs once per fact (the audit row of a decision).
   */
  public Future<Set<String>> append(SqlConnection conn, long eventId, List<Notification> notifications) {
    if (notifications.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    if (!enabled) {
      Set<String> all = new HashSet<>();
      notifications.forEach(n -> all.add(n.dedupKey()));
      return Future.succeededFuture(all);
    }
    String[] types = new String[notifications.size()];
    String[] keys = new String[notifications.size()];
    Long[] users = new Long[notifications.size()];
    String[] payloads = new String[notifications.size()];
    for (int i = 0; i < notifications.size(); i++) {
      Notification n = notifications.get(i);
      types[i] = n.type().wireName();
      keys[i] = n.dedupKey();
      users[i] = n.userId();
      payloads[i] = n.payload().encode();
    }
    return conn.preparedQuery(NotificationSql.APPEND)
        .execute(Tuple.tuple().addInteger(partitions.of(eventId)).addArrayOfString(types).addArrayOfString(keys)
            .addArrayOfLong(users).addArrayOfString(payloads))
        .map(rows -> {
          Set<String> fresh = new HashSet<>();
          rows.forEach(row -> fresh.add(row.getString(0)));
          return fresh;
        });
  }
}
