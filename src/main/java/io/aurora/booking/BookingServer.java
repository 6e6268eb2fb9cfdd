package io.aurora.booking;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.config.ConfigLoader;
import io.aurora.booking.infra.LogContext;
import io.aurora.booking.metrics.Metrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/** Main class: loads the configuration, builds Vert.x once (with its metrics), deploys {@link BookingApp}. */
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
    LogContext.identifyNode(config.nodeId());
    Vertx vertx = Vertx.builder()
        .with(Metrics.vertxOptions(config))
        .withMetrics(Metrics.factory())
        .build();
    vertx.deployVerticle(new BookingApp(), new DeploymentOptions().setConfig(config.toJson()))
        .onFailure(failure -> {
          LOG.error("Aurora Booking failed to start: {}", failure.getMessage(), failure);
          vertx.close().onComplete(v -> System.exit(1));
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Shutdown did not complete cleanly: {}", e.toString());
      }
    }, "shutdown"));
  }
}
