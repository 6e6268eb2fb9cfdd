package io.aurora.booking;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditContext;
import io.aurora.booking.audit.AuditRoutes;
import io.aurora.booking.admin.AdminConsole;
import io.aurora.booking.admin.AdminRoutes;
import io.aurora.booking.admin.BenchRoutes;
import io.aurora.booking.auth.AccountAdminRoutes;
import io.aurora.booking.auth.AuthRoutes;
import io.aurora.booking.auth.Authentication;
import io.aurora.booking.auth.PasswordHasher;
import io.aurora.booking.auth.Revocations;
import io.aurora.booking.auth.Tokens;
import io.aurora.booking.bookings.BookingRoutes;
import io.aurora.booking.bookings.Waitlist;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.events.EventCache;
import io.aurora.booking.events.EventRoutes;
import io.aurora.booking.events.SeatsReturned;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.ErrorHandler;
import io.aurora.booking.http.RequestDeadline;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.infra.ReplicaReads;
import io.aurora.booking.infra.ReplicaState;
import io.aurora.booking.infra.ServiceHealth;
import io.aurora.booking.limits.ClientAddress;
import io.aurora.booking.limits.RateLimiter;
import io.aurora.booking.live.StatusStreamRoutes;
import io.aurora.booking.live.StatusStreams;
import io.aurora.booking.live.StreamSlots;
import io.aurora.booking.metrics.BookingMetrics;
import io.aurora.booking.metrics.MetricsRoutes;
import io.aurora.booking.notifications.Outbox;
import io.aurora.booking.notifications.WebhookRoutes;
import io.aurora.booking.notifications.WebhookTargets;
import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.Sharding;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;


import static io.aurora.booking.http.Responses.sendJson;

/**
 * The HTTP front door: auth, events, bookings, admin, health, metrics. It never books seats itself; a
 * booking request becomes a job for the queue verticle.
 */
public final class HttpVerticle extends VerticleBase {

  private final BookingMetrics metrics;
  private final ServiceHealth health;
  private Redis redis;
  private volatile boolean draining;
  private int shutdownGraceMillis;
  private EventCache eventCache;
  private Revocations revocations;
  /** How often a node re-reads revoked token generations, in case it missed a published revocation. */
  private static final long REVOCATION_REFRESH_MILLIS = 30_000;
  private Pool pool;
  private Router router;
  private final ApiContract contract;
  private final StreamSlots streamSlots;
  private final ReplicaState replica;
  private StatusStreams streams;

  /** A verticle whose status streams count against no other's (tests of the routes). */
  HttpVerticle(BookingMetrics metrics, ServiceHealth health, ApiContract contract) {
    this(metrics, health, contract, null, null);
  }

  /**
   * @param contract the API document ({@link ApiContract#load}), which validates requests and is served
   * @param streamSlots the node's open status streams, shared by its HTTP verticles (the cap is per node)
   * @param replica what the node's replica sampler knows of the read replica (null: none is sampled, so reads
   *     that could go to a replica go to the primary)
   */
  public HttpVerticle(BookingMetrics metrics, ServiceHealth health, ApiContract contract, StreamSlots streamSlots,
                      ReplicaState replica) {
    this.metrics = metrics;
    this.replica = replica;
    this.health = health;
    this.contract = contract;
    this.streamSlots = streamSlots;
  }

  /** The routes this verticle serves (for the test that they are the contract's operations). */
  Router router() {
    return router;
  }

  @Override
  public Future<?> start() {
    AppConfig config = new AppConfig(config());
    shutdownGraceMillis = config.shutdownGraceMillis();
    pool = Clients.pgPool(vertx, config, "booking-http");
    redis = Clients.redis(vertx, config, Clients.instanceName("booking-http"));
    eventCache = new EventCache(vertx, pool, redis, config.eventCacheSeconds());
    Tokens tokens = new Tokens(vertx, config.jwtKeys(), config.accessTokenTtlSeconds(), config.tokenCacheSize());
    // A revoked session is remembered as long as one of its access tokens can live, plus a minute of clock skew.
    revocations = new Revocations(vertx, pool, REVOCATION_REFRESH_MILLIS, (config.accessTokenTtlSeconds() + 60) * 1000L);
    Authentication auth = new Authentication(tokens, revocations);
    Requests requests = new Requests(vertx);
    RateLimiter limiter = new RateLimiter(redis, metrics, config.rateLimitsEnabled());
    ClientAddress clients = new ClientAddress(config.trustedProxies());
    Audit audit = Audit.enabled(config.auditEnabled());

    router = Router.router(vertx);
    // No path on this route: a path would become part of every route's metrics label.
    router.route().handler(this::refuseWhileDraining);
    router.route().handler(new RequestDeadline(config.httpBodyTimeoutMillis(), config.requestTimeoutMillis()));
    router.route().handler(BodyHandler.create(false).setBodyLimit(config.httpBodyLimit()));
    router.route().handler(AuditContext.handler(clients));
    router.get("/health").handler(ctx -> sendJson(ctx, health.alive() ? 200 : 503, health.liveness()));
    router.get("/ready").handler(this::ready);
    router.get(ApiContract.PATH).handler(contract::serve);
    new MetricsRoutes(config, metrics).mount(router);
    new AuthRoutes(pool, new PasswordHasher(vertx, config.bcryptCost()), tokens, auth, revocations, config, limiter, clients, contract,
        audit).mount(router);
    new AccountAdminRoutes(pool, auth, revocations, contract).mount(router);
    ShardQueue queue = new ShardQueue(redis);
    SeatsReturned seatsReturned = eventId -> queue.seatsMayHaveReturned(Sharding.shardOf(eventId, config.shards()), eventId);
    Outbox outbox = new Outbox(eventId -> Sharding.shardOf(eventId, config.shards()), config.notificationsEnabled());
    Waitlist waitlist = new Waitlist(outbox, audit, Audit.API_CHAIN, config.maxBookingsPerUserPerEvent());
    new EventRoutes(pool, eventCache, auth, seatsReturned, waitlist, contract, audit).mount(router);
    new BookingRoutes(config, pool, eventCache, requests, auth, seatsReturned, outbox, limiter, clients, contract, audit)
        .mount(router);
    streams = new StatusStreams(vertx, config, requests,
        streamSlots != null ? streamSlots : new StreamSlots(config.sseMaxStreams(), config.shards()), metrics);
    new StatusStreamRoutes(streams, auth, redis).mount(router);
    if (config.benchMode()) {
      new BenchRoutes(pool, tokens, auth, contract).mount(router);
    }
    // Reads that may lag go to the read replica when there is one; everything else stays on the primary.
    ReplicaReads laggingReads = new ReplicaReads(pool, Clients.pgReadPool(vertx, config, "booking-http-read"),
        replica != null ? replica : new ReplicaState(config.pgReadMaxLagSeconds()));
    new AdminRoutes(pool, laggingReads, requests, auth, contract, audit).mount(router);
    new AuditRoutes(pool, auth.admin(), contract).mount(router);
    new WebhookRoutes(pool, auth, contract, new WebhookTargets(vertx, config.webhookAllowPrivateNetworks())).mount(router);
    new AdminConsole().mount(router);
    router.route().failureHandler(new ErrorHandler());
    router.errorHandler(404, ctx -> ErrorHandler.send(ctx, ErrorCode.NOT_FOUND.error("No route for " + ctx.request().path())));
    router.errorHandler(405, ctx -> ErrorHandler.send(ctx, ErrorCode.METHOD_NOT_ALLOWED.error("Method not allowed on this resource")));
    // A path the router cannot even decode (e.g. "%zz") fails before any route, so no failure handler sees it.
    router.errorHandler(400, ctx -> ErrorHandler.send(ctx, ErrorCode.VALIDATION_FAILED.error("The request path or query is malformed")));

    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.httpHost())
        .setPort(config.httpPort())
        .setCompressionSupported(false)
        .setTcpNoDelay(true)
        .setIdleTimeout(120);
    return eventCache.start()
        .compose(v -> revocations.start())
        .compose(v -> streams.start())
        .compose(v -> vertx.createHttpServer(options).invalidRequestHandler(ErrorHandler::invalidRequest).requestHandler(router).listen())
        .map(HttpServer::actualPort);
  }

  /**
   * Shutdown: stop taking requests (503, and /ready fails so a load balancer stops sending), end the status
   * streams (their clients reconnect, to another node), give the requests already in flight a moment, then let
   * Vert.x close the server.
   */
  @Override
  public Future<?> stop() {
    draining = true;
    if (streams != null) {
      streams.stop();
    }
    io.vertx.core.Promise<Void> grace = io.vertx.core.Promise.promise();
    vertx.setTimer(Math.min(1_000, Math.max(1, shutdownGraceMillis)), id -> grace.complete());
    return grace.future().compose(v -> eventCache.stop()).compose(v -> revocations.stop()).eventually(() -> redis.close().recover(e -> Future.succeededFuture()));
  }

  private void refuseWhileDraining(RoutingContext ctx) {
    if (draining && ctx.request().path().startsWith("/api/")) {
      ctx.response().putHeader("Connection", "close");
      ctx.fail(ErrorCode.SHUTTING_DOWN.error("The server is shutting down; please retry on another node"));
    } else {
      ctx.next();
    }
  }

  /**
   * Ready when both PostgreSQL and Redis answer within a second, the server is not shutting down, and no
   * embedded server has been given up. Shows the servers' durability settings as read at start.
   */
  private void ready(RoutingContext ctx) {
    if (draining) {
      sendJson(ctx, 503, new JsonObject().put("status", "DRAINING"));
      return;
    }
    Future<Boolean> pg = pool.query("SELECT 1").execute().map(true).timeout(1, java.util.concurrent.TimeUnit.SECONDS)
        .otherwise(false);
    Future<Boolean> rd = redis.send(Request.cmd(Command.PING)).map(true).timeout(1, java.util.concurrent.TimeUnit.SECONDS)
        .otherwise(false);
    Future.join(pg, rd).onComplete(ar -> {
      boolean up = pg.result() && rd.result() && health.alive();
      // Durability is reported, not required: an unsafe server still serves (see requireDurableServers).
      sendJson(ctx, up ? 200 : 503, new JsonObject()
          .put("status", up ? "READY" : "NOT_READY")
          .put("postgres", pg.result() ? "UP" : "DOWN")
          .put("redis", rd.result() ? "UP" : "DOWN")
          .put("durability", health.durability()));
    });
  }
}
