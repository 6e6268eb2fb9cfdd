package io.aurora.booking;

import io.aurora.booking.auth.AdminBootstrap;
import io.aurora.booking.auth.PasswordHasher;
import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.bus.BusCodec;
import io.aurora.booking.bus.Messages;
import io.aurora.booking.cluster.ShardOwnership;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.config.ConfigLoader;
import io.aurora.booking.infra.EmbeddedServices;
import io.aurora.booking.infra.LogContext;
import io.aurora.booking.infra.Migrations;
import io.aurora.booking.metrics.BookingMetrics;
import io.aurora.booking.metrics.MetricsVerticle;
import io.aurora.booking.queue.LeaseReaper;
import io.aurora.booking.queue.QueueSampler;
import io.aurora.booking.queue.QueueVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The service on one node: resolves PostgreSQL and Redis (starting embedded ones when none is configured
 * and the node runs alone), migrates the schema, makes sure the admin exists, registers the event-bus
 * codecs, then deploys the queue verticles (one per core), the node's lease reaper and queue sampler (one
 * each), the shard ownership (which runs the worker verticles of the shards this node owns: all of them
 * when it runs alone), the metrics sampler and the HTTP verticles.
 */
public final class BookingApp extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BookingApp.class);

  private final ClusterManager clusterManager;
  private EmbeddedServices services;
  private AppConfig resolved;
  private BookingMetrics metrics;

  /** A node on its own. */
  public BookingApp() {
    this(null);
  }

  /** A node of the cluster {@code clusterManager} joined (null: on its own). */
  public BookingApp(ClusterManager clusterManager) {
    this.clusterManager = clusterManager;
  }

  /** The configuration in force, with the URLs and secret of the servers actually used. */
  public AppConfig resolvedConfig() {
    return resolved;
  }

  @Override
  public Future<?> start() {
    AppConfig config = new AppConfig(config());
    if (clusterManager != null && (config.embeddedPostgres() || config.embeddedRedis())) {
      return Future.failedFuture(new IllegalStateException(ConfigLoader.CLUSTER_NEEDS_EXTERNAL_SERVICES));
    }
    metrics = BookingMetrics.create(vertx, config);
    registerCodecs(vertx.eventBus());
    return vertx.executeBlocking(() -> {
          LogContext.identifyNode(config.nodeName());
          services = EmbeddedServices.start(config);
          Migrations.migrate(services.config().pgUrl());
          return services.config();
        })
        .compose(cfg -> {
          resolved = cfg;
          return bootstrapAdmin(cfg);
        })
        .compose(generatedPassword -> deployAll(resolved).map(generatedPassword))
        .onSuccess(this::announce);
  }

  private Future<String> bootstrapAdmin(AppConfig cfg) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(PgConnectOptions.fromUri(cfg.pgUrl())).using(vertx).build();
    return AdminBootstrap.ensureAdmin(pool, new PasswordHasher(vertx, cfg.bcryptCost()), cfg)
        .eventually(pool::close);
  }

  /**
   * The codec of every message record, once per Vert.x: several applications on one Vert.x (tests, a
   * restart) share them, and the codecs hold no state.
   */
  private static void registerCodecs(EventBus bus) {
    List<BusCodec<?>> codecs = new ArrayList<>(Messages.codecs());
    codecs.add(BusCodec.local(JobStatus.class));
    codecs.forEach(codec -> registerOnce(bus, codec));
  }

  private static <T> void registerOnce(EventBus bus, BusCodec<T> codec) {
    try {
      bus.registerDefaultCodec(codec.type(), codec);
    } catch (IllegalStateException alreadyRegistered) {
      // by an earlier application on this Vert.x
    }
  }

  private Future<Void> deployAll(AppConfig cfg) {
    DeploymentOptions options = new DeploymentOptions().setConfig(cfg.toJson());
    List<Future<String>> deployments = new ArrayList<>();
    // One queue verticle per core: the event bus spreads enqueue requests over them round-robin. Its
    // per-node chores run once per node, in verticles of their own.
    deployments.add(vertx.deployVerticle(() -> new QueueVerticle(metrics), new DeploymentOptions(options).setInstances(cfg.httpInstances())));
    deployments.add(vertx.deployVerticle(new LeaseReaper(metrics), new DeploymentOptions(options)));
    deployments.add(vertx.deployVerticle(new QueueSampler(metrics), new DeploymentOptions(options)));
    deployments.add(vertx.deployVerticle(new ShardOwnership(clusterManager, metrics), new DeploymentOptions(options)));
    if (cfg.metricsEnabled()) {
      deployments.add(vertx.deployVerticle(new MetricsVerticle(metrics), new DeploymentOptions(options)));
    }
    return Future.all(deployments)
        .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(metrics),
            new DeploymentOptions(options).setInstances(cfg.httpInstances())))
        .mapEmpty();
  }

  private void announce(String generatedPassword) {
    String host = "0.0.0.0".equals(resolved.httpHost()) ? "localhost" : resolved.httpHost();
    StringBuilder banner = new StringBuilder()
        .append("\n  Aurora Booking is up: http://").append(host).append(':').append(resolved.httpPort()).append('\n')
        .append("  PostgreSQL: ").append(new AppConfig(config()).embeddedPostgres() ? "embedded" : "external")
        .append(", Redis: ").append(new AppConfig(config()).embeddedRedis() ? "embedded" : "external")
        .append(", shards: ").append(resolved.shards()).append(", batch size: ").append(resolved.batchSize()).append('\n')
        .append("  Cluster: ").append(clusterManager == null ? "off"
            : "'" + resolved.clusterName() + "' as " + resolved.nodeName() + ", members " + resolved.clusterMembers()
                + " (GET /api/admin/cluster)").append('\n')
        .append("  Admin login: POST /api/auth/login {\"email\":\"").append(resolved.adminEmail()).append("\",\"password\":...}\n");
    if (resolved.metricsEnabled()) {
      banner.append("  Metrics: ").append(resolved.metricsPath())
          .append(metrics.includesVertxMeters() ? "" : " (domain meters only: this Vert.x was built without metrics)")
          .append('\n');
    }
    if (generatedPassword == null && resolved.adminPassword().isBlank()) {
      banner.append("  Admin password: the one printed when the admin was first created\n");
    }
    LOG.info("{}", banner);
    if (generatedPassword != null) {
      // A secret for the operator's eyes, once: straight to the console, never a log event, so it does
      // not end up in shipped, indexed and retained logs (and the JSON format does not mangle it).
      System.out.println("  Generated admin password (shown once, keep it): " + generatedPassword);
      System.out.flush();
    }
  }

  @Override
  public Future<?> stop() {
    // Verticles deployed here are undeployed by Vert.x before this runs; then the embedded servers go.
    if (metrics != null) {
      metrics.close();
    }
    if (services == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      services.close();
      return null;
    });
  }
}
