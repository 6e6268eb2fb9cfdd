package io.aurora.booking.metrics;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.http.BearerToken;
import io.aurora.booking.http.ErrorCode;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code GET metricsPath} in the Prometheus text format. With {@code metricsToken} set, a scraper must
 * send it as a bearer token (Prometheus: {@code authorization: {credentials: ...}}); the comparison
 * takes the same time whatever the token, so it cannot be guessed byte by byte.
 */
public final class MetricsRoutes {

  private final String path;
  private final byte[] token;
  private final BookingMetrics metrics;

  public MetricsRoutes(AppConfig config, BookingMetrics metrics) {
    this.path = config.metricsPath();
    this.token = config.metricsToken().getBytes(StandardCharsets.UTF_8);
    this.metrics = metrics;
  }

  /** Mounts nothing when metrics are off, so the path answers 404 like any unknown one. */
  public void mount(Router router) {
    if (metrics.prometheus() == null) {
      return;
    }
    Route route = router.get(path);
    if (token.length > 0) {
      route.handler(this::requireToken);
    }
    route.handler(PrometheusScrapingHandler.create(metrics.prometheus()));
  }

  private void requireToken(RoutingContext ctx) {
    byte[] presented = BearerToken.read(ctx.request()).orElse("").getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(token, presented)) {
      ctx.next();
    } else {
      ctx.fail(ErrorCode.UNAUTHORIZED.error("The metrics endpoint requires its bearer token"));
    }
  }
}
