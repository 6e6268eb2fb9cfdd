package io.aurora.booking.notifications;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.infra.Faults;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * Delivers the outbox of one partition, at least once: the node that owns shard N runs the dispatcher of
 * partition N ({@code cluster.ShardOwnership} deploys it with the shard's worker and undeploys it with it).
 *
 * <p>Each round fans new outbox rows out into deliveries (one per subscribed webhook, one email) and, with
 * {@code auditEnabled}, appends the audit row of each decision among them to the partition's shard chain (the
 * decision's transaction wrote its outbox row, which makes this append certain; see {@code bookings.DecisionAudit}), then
 * claims due deliveries with {@code FOR UPDATE SKIP LOCKED}, at most {@code notificationConcurrency} under way.
 * A claim counts the attempt and leases the delivery; a dispatcher that dies mid-attempt leaves it due again
 * when the lease lapses, so a restart or a take-over delivers it (again: receivers deduplicate by
 * {@code webhook-id}, which stays the same across attempts). A failed attempt is retried after an exponential
 * backoff with jitter; after {@code notificationMaxAttempts} the delivery is dead-lettered ({@code DEAD}).
 */
public final class NotificationDispatcher extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(NotificationDispatcher.class);
  /** Outbox rows fanned out per statement. */
  private static final int FAN_OUT_BATCH = 500;

  private final int partition;
  /** The audit chain the decisions of this partition are appended to; null with the audit log off. */
  private String auditChain;
  private AppConfig config;
  private Pool pool;
  private WebClient web;
  private Mailer mailer;
  private WebhookTargets targets;
  private long timer = -1;
  private long leaseMillis;
  private boolean polling;
  private boolean stopping;
  private int inFlight;
  private Promise<Void> drained;

  public NotificationDispatcher(int partition) {
    this.partition = partition;
  }

  @Override
  public Future<?> start() {
    config = new AppConfig(config());
    auditChain = config.auditEnabled() ? Audit.shardChain(partition) : null;
    // A small pool of its own: dispatchers come and go with their shards, and a shared pool goes with its creator.
    pool = Clients.pgPool(vertx, config.with(Map.of("pgPoolSize", 1)), Clients.instanceName("notifications"));
    // Redirects are not followed: a public endpoint could otherwise bounce a call into a private network.
    web = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setKeepAlive(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.webhookTimeoutMillis()))
        .setUserAgent("aurora-booking-webhooks"));
    try {
      mailer = Mailer.create(vertx, config.smtpUrl(), config.mailFrom(), (int) Math.min(Integer.MAX_VALUE, config.webhookTimeoutMillis()));
    } catch (IllegalArgumentException badUrl) {
      // The shard's worker is already running: a bad mail setting must not take the shard down with it.
      LOG.error("Notifications of partition {}: email is off: {}", partition, badUrl.getMessage());
      mailer = null;
    }
    targets = new WebhookTargets(vertx, config.webhookAllowPrivateNetworks());
    // Longer than one attempt can take (name lookup, connect, answer), so a live attempt is never claimed twice.
    leaseMillis = 2 * config.webhookTimeoutMillis() + 5_000;
    timer = vertx.setPeriodic(config.notificationPollMillis(), id -> round());
    vertx.runOnContext(v -> round());
    return Future.succeededFuture();
  }

  /**
   * Takes no new deliveries and lets the attempts under way finish (for up to {@code shutdownGraceMillis});
   * an attempt cut short stays claimed until its lease lapses and is then made again by whoever owns the partition.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(timer);
    Future<Void> idle = Future.succeededFuture();
    if (inFlight > 0 || polling) {
      drained = Promise.promise();
      idle = drained.future().timeout(config.shutdownGraceMillis(), TimeUnit.MILLISECONDS).recover(e -> Future.succeededFuture());
    }
    return idle
        .eventually(() -> mailer == null ? Future.succeededFuture() : mailer.close().recover(e -> Future.succeededFuture()))
        .eventually(() -> {
          web.close();
          return pool.close().recover(e -> Future.succeededFuture());
        });
  }

  private void round() {
    if (stopping || polling) {
      return;
    }
    polling = true;
    pool.preparedQuery(NotificationSql.FAN_OUT).execute(Tuple.of(partition, (long) FAN_OUT_BATCH, mailer != null, auditChain))
        .compose(fanned -> {
          int room = config.notificationConcurrency() - inFlight;
          if (room <= 0) {
            return Future.succeededFuture(0);
          }
          return pool.preparedQuery(NotificationSql.CLAIM).execute(Tuple.of(partition, (long) room, leaseMillis))
              .map(claimed -> {
                claimed.forEach(this::attempt);
                return claimed.size() == room ? 1 : 0;
              })
              .map(more -> more + (fanned.rowCount() == FAN_OUT_BATCH ? 1 : 0));
        })
        .onComplete(ar -> {
          polling = false;
          if (ar.failed()) {
            LOG.warn("Notifications of partition {}: round failed ({}); next round in {} ms", v("partition", partition),
                ar.cause().toString(), config.notificationPollMillis());
          } else if (ar.result() > 0 && !stopping) {
            // A full batch: there is more to do now, not at the next tick.
            vertx.runOnContext(v -> round());
          }
          settle();
        });
  }

  private void attempt(Row row) {
    inFlight++;
    long deliveryId = row.getLong("id");
    String channel = row.getString("channel");
    Future<Integer> sent = "webhook".equals(channel) ? callWebhook(row) : sendMail(row);
    sent.compose(status -> pool.preparedQuery(NotificationSql.DELIVERED).execute(Tuple.of(deliveryId, status)),
            failure -> recordFailure(row, failure))
        .onComplete(ar -> {
          if (ar.failed()) {
            // The outcome of the attempt is not recorded: its lease lapses and it is made again.
            LOG.warn("Delivery {}: outcome not recorded ({}); it is retried when its claim lapses", deliveryId, ar.cause().toString());
          }
          inFlight--;
          settle();
        });
  }

  private void settle() {
    if (drained != null && inFlight == 0 && !polling) {
      drained.tryComplete();
    }
  }

  private Future<io.vertx.sqlclient.RowSet<Row>> recordFailure(Row row, Throwable failure) {
    long deliveryId = row.getLong("id");
    if (failure instanceof Undeliverable gone) {
      return pool.preparedQuery(NotificationSql.ABANDONED).execute(Tuple.of(deliveryId, gone.getMessage()));
    }
    int attempts = row.getInteger("attempts");
    Integer status = failure instanceof RefusedStatus refused ? refused.status : null;
    long retryIn = Faults.backoffMillis(attempts - 1, config.notificationRetryBaseMillis(), config.notificationRetryMaxMillis(),
        ThreadLocalRandom.current());
    boolean last = attempts >= config.notificationMaxAttempts();
    if (last) {
      LOG.warn("Delivery {} ({} of outbox {}) dead after {} attempts: {}", v("deliveryId", deliveryId), row.getString("channel"),
          row.getLong("outbox_id"), attempts, failure.getMessage());
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("Delivery {} attempt {} failed ({}); next in {} ms", deliveryId, attempts, failure.getMessage(), retryIn);
    }
    return pool.preparedQuery(NotificationSql.ATTEMPT_FAILED)
        .execute(Tuple.of(deliveryId, config.notificationMaxAttempts(), retryIn, status, String.valueOf(failure.getMessage())));
  }

  /** One signed POST; succeeds with the 2xx status, fails with the status or the transport's failure. */
  private Future<Integer> callWebhook(Row row) {
    if (row.getBoolean("webhook_deleted")) {
      return Future.failedFuture(new Undeliverable("the webhook was deleted"));
    }
    String body = row.getString("body");
    String messageId = messageId(row.getLong("outbox_id"));
    long timestamp = System.currentTimeMillis() / 1000;
    String signature = WebhookSignature.sign(row.getString("secret"), messageId, timestamp, body);
    return targets.check(row.getString("url")).compose(target -> web
        .request(HttpMethod.POST, new RequestOptions().setHost(target.address().getHostAddress()).setPort(target.port())
            .setURI(target.pathAndQuery()).setSsl(target.https()))
        // The checked address is where we connect; the URL's host is what the server (and TLS) is told.
        .virtualHost(target.uri().getHost())
        .timeout(config.webhookTimeoutMillis())
        .putHeader("content-type", "application/json")
        .putHeader("webhook-id", messageId)
        .putHeader("webhook-timestamp", Long.toString(timestamp))
        .putHeader("webhook-signature", signature)
        .sendBuffer(Buffer.buffer(body)))
        .compose(response -> response.statusCode() / 100 == 2 ? Future.succeededFuture(response.statusCode())
            : Future.failedFuture(new RefusedStatus(response.statusCode())));
  }

  private Future<Integer> sendMail(Row row) {
    if (mailer == null) {
      return Future.failedFuture(new Undeliverable("email is off (no smtpUrl)"));
    }
    String to = row.getString("email");
    if (to == null) {
      return Future.failedFuture(new Undeliverable("the user no longer exists"));
    }
    return mailer.send(to, row.getString("name"), new JsonObject(row.getString("body"))).map(250);
  }

  /** The {@code webhook-id} of an outbox row: the same for every attempt and every replay. */
  public static String messageId(long outboxId) {
    return "msg_" + outboxId;
  }

  /** An answer that is not 2xx. */
  private static final class RefusedStatus extends RuntimeException {
    final int status;

    RefusedStatus(int status) {
      super("HTTP " + status, null, false, false);
      this.status = status;
    }
  }

  /** A delivery that no retry can make. */
  private static final class Undeliverable extends RuntimeException {
    Undeliverable(String message) {
      super(message, null, false, false);
    }
  }
}
