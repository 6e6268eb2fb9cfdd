package io.aurora.booking.auth;

import io.aurora.booking.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which tokens no longer count, without a database query per request. Every token carries its user's token
 * generation at issue ({@code gen}); revoking a user's tokens (deleting the account) raises the generation
 * in PostgreSQL and publishes it to every node, which from then on refuses tokens of an earlier generation.
 *
 * <p>Each node holds the generations of the users ever revoked (read at start, and again every
 * {@code refreshMillis} so that a node that missed a message, e.g. one cut off for a moment, catches up);
 * every other user is at generation 0 and needs no entry. A lookup is a map read.
 *
 * <p>Sessions the same way: a token names its login session ({@code sid}), and ending a session (logout, a
 * reused refresh token) publishes its id, so that session's access tokens are refused at once. A node keeps
 * a revoked session only as long as an access token of it can live ({@code sessionMemoryMillis}); after
 * that its tokens have expired anyway, and no new one is issued for a revoked session.
 */
public final class Revocations {

  private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);

  private final Map<Long, Integer> generations = new ConcurrentHashMap<>();
  /** Revoked session ids, with when this node learnt of each (to forget them once their tokens expired). */
  private final Map<String, Long> sessions = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final Pool pool;
  private final long refreshMillis;
  private final long sessionMemoryMillis;
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<String> sessionConsumer;
  private long refreshTimer = -1;

  public Revocations(Vertx vertx, Pool pool, long refreshMillis) {
    this(vertx, pool, refreshMillis, 86_400_000L);
  }

  /** @param sessionMemoryMillis how long a revoked session is remembered: the longest life of an access token, and a margin */
  public Revocations(Vertx vertx, Pool pool, long refreshMillis, long sessionMemoryMillis) {
    this.vertx = vertx;
    this.pool = pool;
    this.refreshMillis = refreshMillis;
    this.sessionMemoryMillis = sessionMemoryMillis;
  }

  /** Listens for revocations, then reads the generations already raised; complete once both are in place. */
  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.TOKENS_REVOKED,
        msg -> raise(msg.body().getLong("userId"), msg.body().getInteger("generation")));
    sessionConsumer = vertx.eventBus().consumer(Addresses.SESSION_REVOKED, msg -> forget(msg.body()));
    return Future.all(consumer.completion(), sessionConsumer.completion()).compose(v -> refresh()).onSuccess(v ->
        refreshTimer = vertx.setPeriodic(refreshMillis, id -> refresh()));
  }

  public Future<Void> stop() {
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    Future<Void> sessionsDone = sessionConsumer == null ? Future.succeededFuture() : sessionConsumer.unregister();
    Future<Void> generationsDone = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return Future.join(sessionsDone, generationsDone).mapEmpty();
  }

  /** Whether a token of {@code caller}'s generation, and of its session, still counts. */
  public boolean accepts(Caller caller) {
    Integer current = generations.get(caller.id());
    return (current == null || caller.generation() >= current)
        && (caller.session() == null || !sessions.containsKey(caller.session()));
  }

  /** After the session was revoked in PostgreSQL (committed): every node refuses its access tokens. */
  public void sessionRevoked(String session) {
    forget(session);
    vertx.eventBus().publish(Addresses.SESSION_REVOKED, session);
  }

  private void forget(String session) {
    sessions.putIfAbsent(session, System.currentTimeMillis());
  }

  /** After the generation was raised in PostgreSQL (committed): every node refuses the older tokens. */
  public void revoked(long userId, int generation) {
    raise(userId, generation);
    vertx.eventBus().publish(Addresses.TOKENS_REVOKED, new JsonObject().put("userId", userId).put("generation", generation));
  }

  private void raise(long userId, int generation) {
    generations.merge(userId, generation, Math::max);
  }

  private Future<Void> refresh() {
    long now = System.currentTimeMillis();
    sessions.values().removeIf(learnt -> now - learnt > sessionMemoryMillis);
    Future<Void> revokedSessions = pool.preparedQuery(SessionSql.RECENTLY_REVOKED)
        .execute(Tuple.of((int) Math.min(Integer.MAX_VALUE, sessionMemoryMillis / 1000)))
        .onSuccess(rows -> {
          for (Row row : rows) {
            forget(row.getUUID("id").toString());
          }
        })
        .mapEmpty();
    return pool.query(UserSql.REVOKED).execute()
        .onSuccess(rows -> {
          for (Row row : rows) {
            raise(row.getLong("id"), row.getInteger("token_generation"));
          }
        })
        .compose(v -> revokedSessions)
        .onFailure(e -> LOG.warn("Could not read revoked token generations (those known are kept): {}", e.toString()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }
}
