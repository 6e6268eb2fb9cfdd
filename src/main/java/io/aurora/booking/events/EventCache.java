package io.aurora.booking.events;

import io.aurora.booking.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read caches for events: the public list in Redis (dropped on every write, including bookings), and
 * per-event summaries for the booking front door, in memory for a second and in Redis behind that, so
 * accepting a booking does not wait on PostgreSQL.
 */
public final class EventCache {

  /** Redis key of the cached event list; every write to events or seats deletes it. */
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventCache.class);
  public static final String LIST_KEY = "cache:events:list";
  private static final long LOCAL_TTL_MILLIS = 1_000;

  private final Vertx vertx;
  private final Pool pool;
  private final RedisAPI redis;
  private final int ttlSeconds;
  private final Map<Long, Local> local = new ConcurrentHashMap<>();
  private MessageConsumer<Long> evictions;

  private record Local(EventSummary summary, long expiresAt) {
  }

  public EventCache(Vertx vertx, Pool pool, Redis redis, int ttlSeconds) {
    this.vertx = vertx;
    this.pool = pool;
    this.redis = RedisAPI.api(redis);
    this.ttlSeconds = ttlSeconds;
  }

  /** Listens for cluster-wide evictions so no instance serves a changed event for long. */
  public Future<Void> start() {
    evictions = vertx.eventBus().consumer(Addresses.EVENT_CHANGED, msg -> local.remove(msg.body()));
    return evictions.completion();
  }

  public Future<Void> stop() {
    return evictions == null ? Future.succeededFuture() : evictions.unregister();
  }

  public static String summaryKey(long eventId) {
    return "cache:event:" + eventId;
  }

  /** The event list: from the cache, else from PostgreSQL (also while Redis is down: it is only a cache). */
  public Future<JsonArray> list() {
    return redis.get(LIST_KEY)
        .map(cached -> cached == null ? null : new JsonArray(cached.toBuffer()))
        .recover(redisDown -> Future.succeededFuture(null))
        .compose(cached -> cached != null ? Future.succeededFuture(cached) : pool.query(EventSql.LIST).execute().map(rows -> {
          JsonArray events = new JsonArray();
          rows.forEach(row -> events.add(EventJson.of(row)));
          redis.setex(LIST_KEY, Integer.toString(ttlSeconds), events.encode())
              .onFailure(e -> LOG.debug("Event list not cached: {}", e.toString()));
          return events;
        }));
  }

  /** The event's summary, or null when there is no such (live) event. */
  public Future<EventSummary> summary(long eventId) {
    Local hit = local.get(eventId);
    long now = System.currentTimeMillis();
    if (hit != null && hit.expiresAt > now) {
      return Future.succeededFuture(hit.summary);
    }
    return redis.get(summaryKey(eventId))
        .compose(cached -> cached != null ? Future.succeededFuture(parse(cached)) : loadSummary(eventId))
        .onSuccess(summary -> local.put(eventId, new Local(summary, now + LOCAL_TTL_MILLIS)));
  }

  private Future<EventSummary> loadSummary(long eventId) {
    return pool.preparedQuery(EventSql.SUMMARY).execute(Tuple.of(eventId)).compose(rows -> {
      EventSummary summary = rows.size() == 0 ? null : toSummary(rows.iterator().next());
      String value = summary == null ? "{}" : new JsonObject().put("id", eventId).put("startsAt", summary.startsAt().toString()).encode();
      return redis.setex(summaryKey(eventId), Integer.toString(ttlSeconds), value).map(summary);
    });
  }

  private static EventSummary parse(Response cached) {
    JsonObject json = new JsonObject(cached.toBuffer());
    return json.isEmpty() ? null : new EventSummary(json.getLong("id"), Instant.parse(json.getString("startsAt")));
  }

  private static EventSummary toSummary(Row row) {
    return new EventSummary(row.getLong("id"), row.getOffsetDateTime("starts_at").toInstant());
  }

  /**
   * Drops everything cached about an event, here and on every node. It runs after the write committed,
   * so it never fails the request: if Redis is unreachable the entries expire within eventCacheSeconds.
   */
  public Future<Void> invalidate(long eventId) {
    local.remove(eventId);
    vertx.eventBus().publish(Addresses.EVENT_CHANGED, eventId);
    // One DEL per key: the list and the event's summary live in different hash slots (on Redis Cluster,
    // different nodes), and their deletions need not be atomic, only done.
    return Future.all(redis.del(List.of(LIST_KEY)), redis.del(List.of(summaryKey(eventId)))).<Void>mapEmpty().recover(e -> {
      LOG.warn("Cache of event {} not invalidated ({}); it expires within {} s", eventId, e.toString(), ttlSeconds);
      return Future.succeededFuture();
    });
  }
}
