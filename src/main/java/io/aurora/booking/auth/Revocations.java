package io.aurora.booking.auth;

import io.aurora.booking.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
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
 */
public final class Revocations {

  private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);

  private final Map<Long, Integer> generations = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final Pool pool;
  private final long refreshMillis;
  private MessageConsumer<JsonObject> consumer;
  private long refreshTimer = -1;

  public Revocations(Vertx vertx, Pool pool, long refreshMillis) {
    this.vertx = vertx;
    this.pool = pool;
    this.refreshMillis = refreshMillis;
  }

  /** Listens for revocations, then reads the generations already raised; complete once both are in place. */
  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.TOKENS_REVOKED,
        msg -> raise(msg.body().getLong("userId"), msg.body().getInteger("generation")));
    return consumer.completion().compose(v -> refresh()).onSuccess(v ->
        refreshTimer = vertx.setPeriodic(refreshMillis, id -> refresh()));
  }

  public Future<Void> stop() {
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Whether a token of {@code caller}'s generation still counts. */
  public boolean accepts(Caller caller) {
    Integer current = generations.get(caller.id());
    return current == null || caller.generation() >= current;
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
    return pool.query(UserSql.REVOKED).execute()
        .onSuccess(rows -> {
          for (Row row : rows) {
            raise(row.getLong("id"), row.getInteger("token_generation"));
          }
        })
        .onFailure(e -> LOG.warn("Could not read revoked token generations (those known are kept): {}", e.toString()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }
}
