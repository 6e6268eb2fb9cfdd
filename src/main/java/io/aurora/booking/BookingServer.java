package io.aurora.booking;

import io.aurora.booking.cluster.ClusterNode;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.config.ConfigLoader;
import io.aurora.booking.infra.LogContext;
import io.aurora.booking.infra.Tracing;
import io.aurora.booking.metrics.Metrics;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Main class: loads the configuration, builds Vert.x once (with its metrics, and clustered through
 * Hazelcast when {@code clusterEnabled}), deploys {@link BookingApp}.
 */
public final class BookingServer {

  private static final Logger LOG = LoggerFactory.getLogger(BookingServer.class);

  private BookingServer() {
  }

  public static void main(String[] args) {
    AppConfig config;
    try {
      config = ConfigLoader.load();
    } catch (IllegalArgumentException e) {
      System.err.println("Configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    LogContext.identifyNode(config.nodeName());
    ClusterManager clusterManager = config.clusterEnabled() ? ClusterNode.clusterManager(config) : null;
    VertxOptions options = Metrics.vertxOptions(config);
    if (clusterManager != null) {
      options.setEventBusOptions(ClusterNode.vertxOptions(config).getEventBusOptions());
    }
    // Tracing on: Vert.x's tracer makes the spans of requests, messages and client calls with this SDK.
    OpenTelemetrySdk tracing = config.tracingEnabled() ? Tracing.sdk(config, Tracing.otlp(config)) : null;
    Vertx vertx;
    try {
      VertxBuilder builder = Vertx.builder().with(options).withMetrics(Metrics.factory());
      if (tracing != null) {
        builder.withTracer(new OpenTelemetryTracingFactory(tracing));
      }
      vertx = clusterManager == null
          ? builder.build()
          : builder.withClusterManager(clusterManager).buildClustered()
              .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("Aurora Booking could not join the cluster {}: {}", config.clusterMembers(), e.toString(), e);
      System.exit(1);
      return;
    }
    if (tracing != null) {
      Tracing.register(vertx, tracing);
    }
    vertx.deployVerticle(new BookingApp(clusterManager), new DeploymentOptions().setConfig(config.toJson()))
        .onFailure(failure -> {
          LOG.error("Aurora Booking failed to start: {}", failure.getMessage(), failure);
          vertx.close().onComplete(v -> System.exit(1));
        });
    // A graceful stop (SIGTERM): the workers finish and acknowledge their batches, the shard claims and
    // locks are released, then the node leaves the cluster and the survivors take its shards over.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (tracing != null) {
          // The spans still buffered go out before the JVM ends.
          tracing.shutdown().join(10, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        LOG.warn("Shutdown did not complete cleanly: {}", e.toString());
      }
    }, "shutdown"));
  }
}
