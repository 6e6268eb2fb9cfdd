package io.aurora.booking.infra;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * Keeps the embedded servers running: twice a second it looks whether each server process is alive, and
 * restarts a dead one on the same port and data ({@link EmbeddedServer#restart()}), so the pools' URLs stay
 * valid and the clients reconnect by themselves. Restarts are bounded: after {@code embeddedRestartAttempts}
 * failed attempts in a row (with backoff) the server is given up, and {@code /health} fails
 * ({@link ServiceHealth}) so that an orchestrator restarts the whole process. A server that stays up for
 * a minute has its count of attempts reset. One instance per application.
 */
public final class EmbeddedSupervisor extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSupervisor.class);
  private static final long CHECK_MILLIS = 500;
  private static final long STABLE_MILLIS = 60_000;
  private static final long MAX_BACKOFF_MILLIS = 10_000;

  private final List<EmbeddedServer> servers;
  private final ServiceHealth health;
  private final int maxAttempts;
  private final Map<EmbeddedServer, Watch> watches = new HashMap<>();
  private WorkerExecutor executor;
  private long timer;

  /** How one server fares. Only touched on this verticle's event loop. */
  private static final class Watch {
    boolean restarting;
    boolean givenUp;
    int attempts;
    long upSince = System.currentTimeMillis();
    long notBefore;
  }

  public EmbeddedSupervisor(List<EmbeddedServer> servers, ServiceHealth health, int maxAttempts) {
    this.servers = servers;
    this.health = health;
    this.maxAttempts = maxAttempts;
  }

  @Override
  public Future<?> start() {
    servers.forEach(server -> watches.put(server, new Watch()));
    // Its own thread: a restart blocks while the server replays its log, longer than a worker may block.
    executor = vertx.createSharedWorkerExecutor("embedded-supervisor", 1, 10, TimeUnit.MINUTES);
    timer = vertx.setPeriodic(CHECK_MILLIS, id -> check());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return executor.close();
  }

  private void check() {
    long now = System.currentTimeMillis();
    watches.forEach((server, watch) -> {
      if (watch.restarting || watch.givenUp || now < watch.notBefore) {
        return;
      }
      if (server.isRunning()) {
        if (watch.attempts > 0 && now - watch.upSince > STABLE_MILLIS) {
          watch.attempts = 0;
        }
        return;
      }
      restart(server, watch);
    });
  }

  private void restart(EmbeddedServer server, Watch watch) {
    if (watch.attempts >= maxAttempts) {
      watch.givenUp = true;
      String reason = "the embedded " + server.name() + " died and did not come back after " + maxAttempts + " restarts";
      health.failed(server.name(), reason);
      LOG.error("Embedded {} on port {} is given up: {}; /health now fails", v("server", server.name()), server.port(), reason);
      return;
    }
    watch.restarting = true;
    watch.attempts++;
    LOG.warn("Embedded {} (pid {}) is not running; restarting it on port {} with the same data (attempt {} of {})",
        v("server", server.name()), server.pid(), server.port(), watch.attempts, maxAttempts);
    executor.<Void>executeBlocking(() -> {
      server.restart();
      return null;
    }, true).onComplete(ar -> {
      watch.restarting = false;
      if (ar.succeeded()) {
        watch.upSince = System.currentTimeMillis();
        LOG.info("Embedded {} is back on port {} (pid {})", v("server", server.name()), server.port(), server.pid());
      } else {
        long backoff = Math.min(MAX_BACKOFF_MILLIS, 1_000L << Math.min(watch.attempts - 1, 10));
        watch.notBefore = System.currentTimeMillis() + backoff;
        LOG.error("Embedded {} did not restart (attempt {} of {}); next try in {} ms", v("server", server.name()),
            watch.attempts, maxAttempts, backoff, ar.cause());
      }
    });
  }
}
