package io.aurora.booking;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditUpkeep;
import io.aurora.booking.auth.AdminBootstrap;
import io.aurora.booking.auth.PasswordHasher;
import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.bus.BusCodec;
import io.aurora.booking.bus.Messages;
import io.aurora.booking.cluster.ShardOwnership;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.config.ConfigLoader;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.infra.DurabilityCheck;
import io.aurora.booking.infra.DurabilityCheck.Verdict;
import io.aurora.booking.infra.EmbeddedServices;
import io.aurora.booking.infra.EmbeddedSupervisor;
import io.aurora.booking.infra.LogContext;
import io.aurora.booking.infra.Migrations;
import io.aurora.booking.infra.ReplicaSampler;
import io.aurora.booking.infra.ReplicaState;
import io.aurora.booking.infra.ServiceHealth;
import io.aurora.booking.live.QueueHeads;
import io.aurora.booking.live.StreamSlots;
import io.aurora.booking.live.StreamTicker;
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

import java.net.BindException;
import java.util.ArrayList;
import java.util.List;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * The service on one node: resolves PostgreSQL and Redis (starting embedded ones when none is configured
 * and the node runs alone, with a supervisor that restarts them), migrates the schema, checks the servers'
 * durability settings, registers the event-bus codecs, then deploys the queue verticles (one per core),
 * the node's lease reaper and queue sampler (one each), the shard ownership (which runs the worker
 * verticles of the shards this node owns: all of them when it runs alone), the metrics sampler and the
 * HTTP verticles, and once they listen makes sure the admin exists.
 */
public final class BookingApp extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BookingApp.class);

  private final ClusterManager clusterManager;
  private final ServiceHealth health = new ServiceHealth();
  private EmbeddedServices services;
  private AppConfig resolved;
  private BookingMetrics metrics;
  private ReplicaState replica;

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
    replica = new ReplicaState(config.pgReadMaxLagSeconds());
    if (config.readReplica()) {
      metrics.replica(replica);
    }
    registerCodecs(vertx.eventBus());
    return vertx.executeBlocking(() -> {
          LogContext.identifyNode(config.nodeName());
          services = EmbeddedServices.start(config);
          AppConfig cfg = services.config();
          if (!config.embeddedPostgres() && config.toJson().getString("pgMigrationUrl").isBlank()) {
            LOG.warn("pgMigrationUrl is not set: the service migrates and runs as the one role of pgUrl, which then holds"
                + " DDL rights (and could rewrite the audit log's chain heads). Set pgMigrationUrl to the owner role and"
                + " pgUrl to a role with row privileges only (docs/security.md)");
          }
          Migrations.migrate(cfg.pgMigrationUrl(), cfg.pgUrl());
          Migrations.maintainAudit(cfg.pgMigrationUrl(), cfg.auditRetentionMonths());
          return cfg;
        })
        .compose(cfg -> {
          resolved = cfg;
          return checkDurability(config, cfg);
        })
        .compose(v -> deployAll(resolved))
        // Only once the service listens: a start that fails before must not leave behind an admin whose
        // generated password nobody was shown.
        .compose(v -> bootstrapAdmin(resolved))
        .onSuccess(this::announce)
        // A start that fails stops the servers it started before saying so (no stop() follows a failed start).
        .recover(failure -> closeServices().transform(closed -> Future.failedFuture(failure)));
  }

  /**
   * Reads the servers' durability settings, warns about each unsafe one (and shows them in {@code /ready}
   * and a gauge); refuses to start on unsafe embedded servers meant to be durable (that would be a bug), and
   * on anything not verified safe when {@code requireDurableServers} is on.
   */
  private Future<Void> checkDurability(AppConfig configured, AppConfig cfg) {
    return DurabilityCheck.inspect(vertx, cfg).compose(report -> {
      health.durability(report.toJson());
      for (DurabilityCheck.Setting setting : report.settings()) {
        metrics.durabilitySetting(setting.server(), setting.name(),
            setting.verdict() == Verdict.SAFE ? 1 : setting.verdict() == Verdict.UNSAFE ? 0 : -1);
        if (setting.verdict() != Verdict.SAFE) {
          LOG.warn("Durability: {} is {}, {}: {} (safe: {})", v("setting", setting.key()), v("value", setting.value()),
              v("verdict", setting.verdict().name()), setting.risk(), setting.safeValue());
        }
      }
      boolean embeddedMeantDurable = configured.embeddedDurable()
          && report.settings().stream().anyMatch(s -> s.verdict() != Verdict.SAFE
              && ("postgres".equals(s.server()) ? configured.embeddedPostgres() : configured.embeddedRedis()));
      if (embeddedMeantDurable || (cfg.requireDurableServers() && !report.safe())) {
        List<String> notSafe = report.settings().stream().filter(s -> s.verdict() != Verdict.SAFE)
            .map(s -> s.key() + "=" + s.value()).toList();
        return Future.failedFuture(new IllegalStateException("Refusing to start: durability settings not verified safe: "
            + notSafe + (embeddedMeantDurable ? " (on an embedded server started durable)"
                : " (requireDurableServers is on; see docs/operations.md for the safe settings)")));
      }
      return Future.succeededFuture();
    });
  }

  private Future<String> bootstrapAdmin(AppConfig cfg) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(PgConnectOptions.fromUri(cfg.pgUrl())).using(vertx).build();
    return AdminBootstrap.ensureAdmin(pool, new PasswordHasher(vertx, cfg.bcryptCost()), cfg, Audit.enabled(cfg.auditEnabled()))
        .eventually(pool::close);
  }

  private Future<Void> closeServices() {
    if (services == null) {
      return Future.succeededFuture();
    }
    EmbeddedServices started = services;
    services = null;
    return vertx.executeBlocking(() -> {
      started.close();
      return null;
    });
  }

  /**
   * The codec of every message record, once per Vert.x: several applications on one Vert.x (tests, a
   * restart) share them, and the codecs hold no state.
   */
  public static void registerCodecs(EventBus bus) {
    List<BusCodec<?>> codecs = new ArrayList<>(Messages.codecs());
    codecs.add(BusCodec.local(JobStatus.class));
    codecs.add(BusCodec.local(QueueHeads.class));
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
    deployments.add(vertx.deployVerticle(new AuditUpkeep(), new DeploymentOptions(options)));
    deployments.add(vertx.deployVerticle(new ShardOwnership(clusterManager, metrics), new DeploymentOptions(options)));
    // The node's status streams: counted once per node (the cap), their shards' heads read once a second per node.
    StreamSlots streamSlots = new StreamSlots(cfg.sseMaxStreams(), cfg.shards());
    deployments.add(vertx.deployVerticle(new StreamTicker(streamSlots), new DeploymentOptions(options)));
    if (cfg.metricsEnabled()) {
      deployments.add(vertx.deployVerticle(new MetricsVerticle(metrics), new DeploymentOptions(options)));
    }
    if (cfg.readReplica()) {
      deployments.add(vertx.deployVerticle(new ReplicaSampler(replica), new DeploymentOptions(options)));
    }
    if (!services.servers().isEmpty()) {
      deployments.add(vertx.deployVerticle(new EmbeddedSupervisor(services.servers(), health, cfg.embeddedRestartAttempts()),
          new DeploymentOptions(options)));
    }
    return Future.all(deployments)
        // The API document is read and checked once; every HTTP verticle shares it (it is immutable).
        .compose(v -> ApiContract.load(vertx))
        .compose(contract -> vertx.deployVerticle(() -> new HttpVerticle(metrics, health, contract, streamSlots, replica),
            new DeploymentOptions(options).setInstances(cfg.httpInstances())))
        .recover(failure -> Future.failedFuture(portTaken(failure)
            ? new IllegalStateException("Cannot listen on " + cfg.httpHost() + ":" + cfg.httpPort()
                + ": the address is already in use (another process has the port; choose another with httpPort /"
                + " BOOKING_HTTP_PORT)", failure)
            : failure))
        .mapEmpty();
  }

  private static boolean portTaken(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  private void announce(String generatedPassword) {
    String host = "0.0.0.0".equals(resolved.httpHost()) ? "localhost" : resolved.httpHost();
    StringBuilder banner = new StringBuilder()
        .append("\n  Aurora Booking is up: http://").append(host).append(':').append(resolved.httpPort()).append('\n')
        .append("  PostgreSQL: ").append(new AppConfig(config()).embeddedPostgres() ? "embedded" : "external")
        .append(", Redis: ").append(new AppConfig(config()).embeddedRedis() ? "embedded" : "external")
        .append(", shards: ").append(resolved.shards()).append(", batch size: ").append(resolved.batchSize()).append('\n')
        .append("  Durability: ").append(durabilityLine()).append('\n')
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

  private String durabilityLine() {
    io.vertx.core.json.JsonObject report = health.durability();
    if (report.getBoolean("safe", false)) {
      return "verified (PostgreSQL flushes every commit, Redis every accepted job)";
    }
    return "NOT verified: unsafe " + report.getJsonArray("unsafe") + ", unknown " + report.getJsonArray("unknown")
        + " (GET /ready; docs/operations.md)";
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
