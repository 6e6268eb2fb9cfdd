package io.aurora.booking.audit;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * Appends rows to the audit log. A change and its audit rows go in the same transaction (pass the
 * transaction's connection), one statement per call whatever the number of rows. Rows are chained per
 * {@code chain} (see V5 migration): a writer that is serial already (a shard's worker) has a chain of its own,
 * so it never waits for another; everything else (the HTTP side, start-up) shares {@link #API_CHAIN}.
 *
 * <p>For features to call from their own code, e.g. a password change:
 * {@code audit.append(conn, Audit.API_CHAIN, List.of(AuditEntry.of(PASSWORD_CHANGED, who).target("user", id)))}.
 */
public final class Audit {

  /** The chain of every writer but the shard workers. */
  public static final String API_CHAIN = "api";
  /** Writes nothing (auditEnabled off: only to measure what the audit log costs). */
  public static final Audit OFF = new Audit(false);
  public static final Audit ON = new Audit(true);

  private final boolean enabled;

  private Audit(boolean enabled) {
    this.enabled = enabled;
  }

  public static Audit enabled(boolean enabled) {
    return enabled ? ON : OFF;
  }

  /** The chain of shard {@code shard}'s worker. */
  public static String shardChain(int shard) {
    return "shard-" + shard;
  }

  /** Appends {@code entries}, in order, on {@code conn} (inside its transaction, if it is in one). */
  public Future<Void> append(SqlClient conn, String chain, List<AuditEntry> entries) {
    if (!enabled || entries.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = entries.size();
    Long[] actorIds = new Long[n];
    String[] roles = new String[n];
    String[] actions = new String[n];
    String[] targetTypes = new String[n];
    String[] targetIds = new String[n];
    Long[] eventIds = new Long[n];
    String[] jobIds = new String[n];
    String[] ips = new String[n];
    String[] requestIds = new String[n];
    String[] befores = new String[n];
    String[] afters = new String[n];
    for (int i = 0; i < n; i++) {
      AuditEntry e = entries.get(i);
      actorIds[i] = e.who().actorId();
      roles[i] = e.who().actorRole();
      actions[i] = e.action().wireName();
      targetTypes[i] = e.targetType();
      targetIds[i] = e.targetId();
      eventIds[i] = e.eventId();
      jobIds[i] = e.jobId();
      ips[i] = e.who().clientIp();
      requestIds[i] = e.who().requestId();
      befores[i] = e.before() == null ? null : e.before().encode();
      afters[i] = e.after() == null ? null : e.after().encode();
    }
    return conn.preparedQuery(AuditSql.APPEND).execute(Tuple.tuple().addString(chain).addArrayOfLong(actorIds)
            .addArrayOfString(roles).addArrayOfString(actions).addArrayOfString(targetTypes).addArrayOfString(targetIds)
            .addArrayOfLong(eventIds).addArrayOfString(jobIds).addArrayOfString(ips).addArrayOfString(requestIds)
            .addArrayOfString(befores).addArrayOfString(afters))
        .mapEmpty();
  }

  /** One row on the {@link #API_CHAIN}, in a statement of its own (for actions that change nothing in PostgreSQL). */
  public Future<Void> append(SqlClient client, AuditEntry entry) {
    return append(client, API_CHAIN, List.of(entry));
  }
}
