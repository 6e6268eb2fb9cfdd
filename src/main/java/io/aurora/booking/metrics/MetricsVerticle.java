package io.aurora.booking.metrics;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.Clients;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Samples, every {@code metricsSampleMillis}, what the gauges need from PostgreSQL and Redis: whether
 * each answers ({@code booking_dependency_up}, the basis of the "unreachable" alerts) and the seats
 * left of the soonest events on sale. One instance per JVM, on its own one-connection pool, so the
 * sampling never competes with bookings for connections and costs the hot path nothing.
 */
public final class MetricsVerticle extends VerticleBase {

  /** At most this many events get a seats-left gauge: the label set stays bounded however many events exist. */
  public static final int SEAT_GAUGE_EVENTS = 50;
  private static final long PROBE_TIMEOUT_MILLIS = 2_000;
  private static final Logger LOG = LoggerFactory.getLogger(MetricsVerticle.class);

  private final BookingMetrics metrics;
  private Pool pool;
  private Redis redis;
  private long timer;
  private boolean sampling;

  public MetricsVerticle(BookingMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    AppConfig config = new AppConfig(config());
    pool = Clients.pgPool(vertx, config.with(Map.of("pgPoolSize", 1)), "booking-metrics");
    redis = Clients.redis(vertx, config.with(Map.of("redisPoolSize", 1)), "booking-metrics");
    timer = vertx.setPeriodic(0, config.metricsSampleMillis(), id -> sample());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.join(pool.close(), redis.close().recover(e -> Future.succeededFuture()));
  }

  private void sample() {
    if (sampling) {
      return; // the previous round is still waiting on a slow dependency; its timeouts end it
    }
    sampling = true;
    Future<Boolean> postgres = pool.preparedQuery(MetricsSql.PING).execute().map(true)
        .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).otherwise(false);
    Future<Boolean> redisUp = redis.send(Request.cmd(Command.PING)).map(true)
        .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).otherwise(false);
    Future<Void> seats = postgres.compose(up -> up ? refreshSeatsLeft() : Future.succeededFuture());
    Future.join(postgres, redisUp, seats).onComplete(ar -> {
      sampling = false;
      metrics.dependencyUp("postgres", postgres.result());
      metrics.dependencyUp("redis", redisUp.result());
      if (seats.failed()) {
        LOG.debug("Seats left not sampled: {}", seats.cause().toString());
      }
    });
  }

  private Future<Void> refreshSeatsLeft() {
    return pool.preparedQuery(MetricsSql.SOONEST_ON_SALE).execute(Tuple.of(SEAT_GAUGE_EVENTS))
        .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .map(rows -> {
          Map<Long, Long> seats = new HashMap<>();
          rows.forEach(row -> seats.put(row.getLong("id"), row.getLong("seats_left")));
          metrics.seatsLeft(seats);
          return null;
        });
  }
}
