package io.aurora.booking.metrics;

import io.aurora.booking.config.AppConfig;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * How Vert.x itself is measured: HTTP server, event bus, pools and JVM meters in one Prometheus
 * registry, which {@link BookingMetrics} then shares for the domain meters. Used by the main class when
 * it builds Vert.x, and by tests that build a Vert.x of their own the same way:
 * <pre>
 *   Vertx.builder().with(Metrics.vertxOptions(config)).withMetrics(Metrics.factory()).build()
 * </pre>
 */
public final class Metrics {

  /** The name Vert.x keeps its registry under ({@code BackendRegistries.getNow}). */
  static final String REGISTRY_NAME = MicrometerMetricsOptions.DEFAULT_REGISTRY_NAME;

  /**
   * Vert.x timers worth a latency histogram (for {@code histogram_quantile} in dashboards and alerts).
   * The others keep count, sum and max: a histogram on every Vert.x meter made a scrape of ~800 KB.
   */
  private static final Set<String> VERTX_HISTOGRAMS = Set.of(
      "vertx.http.server.response.time",
      "vertx.pool.queue.time",
      "vertx.sql.processing.time",
      "vertx.redis.processing.time");

  /** Fixed buckets, the same on every node, so they add up across a cluster. */
  static final Duration[] REQUEST_BUCKETS = durations(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000);

  private Metrics() {
  }

  /** Vert.x options with metrics on when {@code metricsEnabled}; off, Vert.x collects nothing at all. */
  public static VertxOptions vertxOptions(AppConfig config) {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(config.metricsEnabled())
        .setRegistryName(REGISTRY_NAME)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        // Only labels with a bounded set of values: the route template (never the raw path, which
        // carries ids), method, status, pool, and event-bus address (constants and one per shard).
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
            Label.POOL_NAME, Label.EB_SIDE, Label.EB_ADDRESS, Label.EB_FAILURE)));
  }

  /** The metrics factory for {@code Vertx.builder().withMetrics}, over a registry set up as described above. */
  public static VertxMetricsFactory factory() {
    return new MicrometerMetricsFactory(newRegistry());
  }

  static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER || !VERTX_HISTOGRAMS.contains(id.getName())) {
          return config;
        }
        return DistributionStatisticConfig.builder().serviceLevelObjectives(nanos(REQUEST_BUCKETS)).build().merge(config);
      }
    });
    return registry;
  }

  static Duration[] durations(double... millis) {
    Duration[] out = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) {
      out[i] = Duration.ofNanos((long) (millis[i] * 1_000_000));
    }
    return out;
  }

  private static double[] nanos(Duration[] buckets) {
    double[] out = new double[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      out[i] = buckets[i].toNanos();
    }
    return out;
  }
}
