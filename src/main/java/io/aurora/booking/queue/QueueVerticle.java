package io.aurora.booking.queue;

import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.bookings.JobStatuses;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.CleanRequest;
import io.aurora.booking.bus.Messages.DetailsRequest;
import io.aurora.booking.bus.Messages.EnqueueReply;
import io.aurora.booking.bus.Messages.EnqueueRequest;
import io.aurora.booking.bus.Messages.JobsQuery;
import io.aurora.booking.bus.Messages.PauseScope;
import io.aurora.booking.bus.Messages.QueueFigures;
import io.aurora.booking.bus.Messages.RetryRequest;
import io.aurora.booking.bus.Messages.StatusRequest;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.infra.LuaScript;
import io.aurora.booking.infra.Tracing;
import io.aurora.booking.limits.LimitKeys;
import io.aurora.booking.limits.RateLimit;
import io.aurora.booking.limits.RateLimiter;
import io.aurora.booking.limits.ThrottleMeters;
import io.aurora.booking.limits.Verdict;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.RedisConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * Serves the queue to the rest of its node: enqueue, job status and the operators' requests, each one Redis
 * script or batch. Deployed once per core; it runs no timers of its own: the rates and pause flags its
 * answers need come from the node's {@link QueueSampler}, and expired leases are the {@link LeaseReaper}'s.
 */
public final class QueueVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(QueueVerticle.class);
  /**
   * Records one clean.lua call drops: a few milliseconds of Redis each, so a large clean never holds up the
   * enqueues and takes around it (one script of 100,000 did, and outlasted the request's deadline).
   */
  private static final int CLEAN_CHUNK = 5_000;
  /** The outcome under which the stats count requests refused with 429 (no job was made for them). */
  static final String RATE_LIMITED = "RATE_LIMITED";
  /** How long one clean request keeps going; what is left is reported ({@code more}) for the next call. */
  private static final long CLEAN_BUDGET_MILLIS = 2_000;
  /**
   * How long a new job waits for its request's limits at most (enqueue.lua's admission mark). It is
   * confirmed or withdrawn within a round trip; only a node lost in between leaves it to this deadline, and
   * then the job (perhaps already answered 202) is taken as any other.
   */
  private static final long ADMIT_HOLD_MILLIS = 10_000;
  private static final LuaScript IDEMPOTENCY = LuaScript.load("idempotency");
  /** How long the write that orders a repeated request after its job stays (it only needs to be replicated). */
  private static final long REPLICATION_MARK_MILLIS = 60_000;
  /** idempotency.lua's answers. */
  private static final int KEY_REUSED = 0;
  private static final int KEY_NEW = 2;

  private final QueueMeters metrics;
  private AppConfig config;
  /** Whether this node traces: each job then carries its request's span to the worker. */
  private boolean tracing;
  private Redis redis;
  private ShardQueue queue;
  /**
   * The booking limits, checked in the enqueue's pipeline (refusals are counted by the HTTP side, which
   * answers them); and the throttled figures of the admin stats.
   */
  private RateLimiter limiter;
  private RateLimit perUser;
  private RateLimit perAddress;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** The latest figures from the sampler (or a pause change): decisions per second and paused flag, per shard. */
  private double[] rate;
  private boolean[] shardPaused;
  /** Requests being answered and confirmations not yet written; shutdown waits for them. This event loop's only. */
  private int inFlight;
  /**
   * The connection every booking request's limits and enqueue are pipelined on (made at the first request,
   * made again after it fails): no pool checkout per request, and commands of many requests share writes.
   */
  private Future<RedisConnection> admission;
  /** The WAITs of the admission connection ({@code redisMinReplicas} ≥ 1). */
  private ReplicaConfirmations confirmations;
  /** Jobs whose requests passed their limits, by shard, confirmed together once per turn of the event loop. */
  private final Map<Integer, List<String>> toConfirm = new HashMap<>();

  public QueueVerticle(QueueMeters metrics) {
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    config = new AppConfig(config());
    tracing = Tracing.enabled(vertx);
    redis = Clients.redis(vertx, config, Clients.instanceName("booking-queue"));
    queue = new ShardQueue(redis);
    limiter = new RateLimiter(redis, ThrottleMeters.NONE, config.rateLimitsEnabled());
    perUser = new RateLimit("booking-user", config.bookingRatePerUser(), config.bookingBurstPerUser());
    perAddress = new RateLimit("booking-ip", config.bookingRatePerIp(), config.bookingBurstPerIp());
    rate = new double[config.shards()];
    shardPaused = new boolean[config.shards()];
    serve(Addresses.ENQUEUE, this::enqueue);
    serve(Addresses.STATUS, (StatusRequest request) -> status(request.jobId()));
    serve(Addresses.ADMIN_STATS, none -> stats());
    serve(Addresses.ADMIN_DETAILS, (DetailsRequest request) -> details(request.offset(), request.limit()));
    serve(Addresses.ADMIN_PAUSE, (PauseScope scope) -> pause(scope.eventId(), true));
    serve(Addresses.ADMIN_RESUME, (PauseScope scope) -> pause(scope.eventId(), false));
    serve(Addresses.ADMIN_CLEAN, (CleanRequest request) -> clean(request.olderThanSeconds()));
    serve(Addresses.ADMIN_JOBS, (JobsQuery query) -> jobs(query));
    serve(Addresses.ADMIN_RETRY, (RetryRequest request) -> retry(request.jobId()));
    // The arrays are replaced, never changed: the sampler's arrays are shared by every queue verticle.
    consumers.add(vertx.eventBus().<Boolean>consumer(Addresses.QUEUE_PAUSED, msg -> {
      boolean[] all = new boolean[config.shards()];
      Arrays.fill(all, Boolean.TRUE.equals(msg.body()));
      shardPaused = all;
    }));
    consumers.add(vertx.eventBus().<QueueFigures>localConsumer(Addresses.QUEUE_FIGURES, msg -> {
      rate = msg.body().decidedPerSecond();
      shardPaused = msg.body().paused();
    }));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /**
   * Takes no new requests, then lets the ones in flight get their Redis answer before closing: a request
   * whose script ran must not be told it failed.
   */
  @Override
  public Future<?> stop() {
    long deadline = System.currentTimeMillis() + config.shutdownGraceMillis();
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList())
        .eventually(() -> inFlightDone(deadline))
        .eventually(this::closeAdmission)
        .eventually(() -> redis.close().recover(e -> Future.succeededFuture()));
  }

  /** Let go of first, so that its end handler does not close it a second time (the pool refuses that). */
  private Future<Void> closeAdmission() {
    Future<RedisConnection> closing = admission;
    admission = null;
    return closing == null ? Future.succeededFuture()
        : closing.compose(RedisConnection::close).recover(e -> Future.succeededFuture());
  }

  private Future<Void> inFlightDone(long deadline) {
    if (inFlight == 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    Promise<Void> later = Promise.promise();
    vertx.setTimer(10, id -> inFlightDone(deadline).onComplete(later));
    return later.future();
  }

  /** Answers the requests of {@code address}; local, as they come from this node's HTTP verticles. */
  private <B> void serve(String address, Function<B, Future<?>> handler) {
    consumers.add(vertx.eventBus().<B>localConsumer(address, msg -> {
      inFlight++;
      Future<?> answer;
      try {
        answer = handler.apply(msg.body());
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      Requests.reply(msg, answer).onComplete(done -> inFlight--);
    }));
  }

  /**
   * A booking request in one round trip: its limits (the user's rate and open-job quota, the address's
   * rate; other slots than the queue's) and the enqueue, sent at once on one connection. The enqueue cannot
   * see the limits' verdicts (another slot), so when one refuses, the job it just made is withdrawn
   * (withdraw.lua) before the answer: a refused request leaves nothing behind. Until its limits are known
   * the job is marked (enqueue.lua) and take.lua stops at it, so no worker can take a job whose request is
   * about to be refused; a job whose limits passed is confirmed ({@link #confirmSoon}) and its worker woken.
   */
  private Future<EnqueueReply> enqueue(EnqueueRequest request) {
    int shard = Sharding.shardOf(request.eventId(), config.shards());
    String jobId = Sharding.newJobId(shard);
    return admissionConnection().compose(connection -> {
      Future<List<Verdict>> verdicts = limiter.checkBooking(connection::send, perUser, request.userId(), request.eventId(),
          config.maxOpenJobsPerUser(), perAddress, request.clientAddress());
      Future<Integer> key = checkIdempotencyKey(connection, request);
      Future<ShardQueue.Enqueued> enqueued = queue.enqueue(connection::send, shard, jobId, request.userId(),
          request.eventId(), request.seats(), request.idempotencyKey(), config.idempotencyTtlSeconds(),
          config.resultTtlSeconds(), held(request) ? System.currentTimeMillis() + ADMIT_HOLD_MILLIS : 0,
          request.waitlist(), tracing ? Tracing.traceparent() : null);
      return Future.join(verdicts, enqueued, key).transform(done -> {
        if (key.failed() || key.result() == KEY_REUSED) {
          return refuseKey(shard, request, verdicts, enqueued, key);
        }
        Future<EnqueueReply> answer = admit(shard, request, verdicts, enqueued);
        if (key.result() == KEY_NEW) {
          // A request that made no job gives its new key back: the key then means nothing yet.
          answer = answer.andThen(ar -> {
            if (ar.failed() || ar.result().jobId() == null) {
              forgetIdempotencyKey(request);
            }
          });
        }
        // After the key's fate: a job that stands keeps its key, even when its replication is not confirmed.
        return answer.compose(reply -> reply.jobId() == null ? Future.succeededFuture(reply) : replicated(connection, shard, reply).map(reply));
      });
    });
  }

  /**
   * A job whose request is not settled within the pipeline (its limits, or its Idempotency-Key, checked in
   * other slots) is held back from the workers until confirmed, so that it can still be withdrawn.
   */
  private boolean held(EnqueueRequest request) {
    return limiter.enabled() || request.idempotencyKey() != null;
  }

  /**
   * The user's Idempotency-Key, whatever the event: the same key for a different event or body is refused
   * (422) on every shard. In the user's slot, pipelined with the enqueue (idempotency.lua).
   */
  private Future<Integer> checkIdempotencyKey(RedisConnection connection, EnqueueRequest request) {
    if (request.idempotencyKey() == null) {
      return Future.succeededFuture(1);
    }
    String fingerprint = request.eventId() + ":" + request.seats() + (request.waitlist() ? ":w" : "");
    return IDEMPOTENCY.call(connection::send, List.of(LimitKeys.idempotency(request.userId(), request.idempotencyKey())),
        List.of(fingerprint, Integer.toString(config.idempotencyTtlSeconds()))).map(r -> r.toInteger());
  }

  private void forgetIdempotencyKey(EnqueueRequest request) {
    redis.send(Request.cmd(Command.DEL)
            .arg(LimitKeys.idempotency(request.userId(), request.idempotencyKey())))
        .onFailure(e -> LOG.warn("Could not forget an unused Idempotency-Key: {}", e.toString()));
  }

  /** The key was used for another request (or could not be checked): no job of this request may stand. */
  private Future<EnqueueReply> refuseKey(int shard, EnqueueRequest request, Future<List<Verdict>> verdicts,
                                         Future<ShardQueue.Enqueued> made, Future<Integer> key) {
    if (verdicts.succeeded()) {
      releaseIfReserved(verdicts.result().get(0), request);
    }
    Throwable why = key.failed() ? key.cause() : ErrorCode.IDEMPOTENCY_KEY_REUSED.error(
        "This Idempotency-Key was already used for a different booking request (another event or body); use a new key");
    Future<Boolean> undo = made.succeeded() && made.result().created()
        ? withdraw(shard, request, made.result()) : Future.succeededFuture(true);
    return undo.transform(withdrawn -> {
      if (withdrawn.succeeded() && !withdrawn.result()) {
        LOG.warn("A booking request's job {} was taken before it could be withdrawn; it stands", v("jobId", made.result().jobId()));
      }
      return Future.failedFuture(why);
    });
  }

  /**
   * With {@code redisMinReplicas} ≥ 1, a 202 waits until that many replicas have the job ({@code WAIT} on the
   * connection that wrote it): a failover promotes a replica, and an accepted job only the old master had
   * would be lost. Too few confirm in time: 503 with Retry-After. The job may well stand (on the master,
   * perhaps on a replica): the client's retry with the same Idempotency-Key finds it instead of making a
   * second one, and is confirmed in turn.
   */
  private Future<Void> replicated(RedisConnection connection, int shard, EnqueueReply reply) {
    if (config.redisMinReplicas() == 0) {
      return Future.succeededFuture();
    }
    if (confirmations == null || !confirmations.on(connection)) {
      confirmations = new ReplicaConfirmations(connection, config.redisMinReplicas(), config.redisReplicaWaitMillis());
    }
    if (reply.duplicate() || reply.alreadyLive()) {
      // An earlier request made the job, perhaps on another connection, and WAIT only counts this one's
      // writes: a write here, after the job in the master's one replication stream, makes it count.
      return connection.send(Request.cmd(Command.SET).arg(ShardKeys.replicationMark(shard)).arg(reply.jobId())
          .arg("PX").arg(REPLICATION_MARK_MILLIS)).compose(written -> confirmations.confirm());
    }
    return confirmations.confirm();
  }

  private Future<RedisConnection> admissionConnection() {
    if (admission == null || admission.failed()) {
      admission = redis.connect().onSuccess(connection -> connection
          .exceptionHandler(e -> dropAdmission(connection))
          .endHandler(v -> dropAdmission(connection)));
    }
    return admission;
  }

  /** Once the connection fails or ends it is let go; the next request makes a new one. */
  private void dropAdmission(RedisConnection connection) {
    if (admission != null && admission.succeeded() && admission.result() == connection) {
      admission = null;
      connection.close();
    }
  }

  /** What the limits and the enqueue together come to; see {@link #enqueue}. */
  private Future<EnqueueReply> admit(int shard, EnqueueRequest request, Future<List<Verdict>> checked,
                                     Future<ShardQueue.Enqueued> made) {
    if (checked.failed()) {
      // Unknown limits: no job of this request may stand.
      return (made.succeeded() && made.result().created() ? withdraw(shard, request, made.result()) : Future.<Boolean>succeededFuture())
          .transform(ignored -> Future.failedFuture(checked.cause()));
    }
    List<Verdict> verdicts = checked.result();
    Verdict user = verdicts.get(0);
    if (made.failed()) {
      releaseIfReserved(user, request);
      return Future.failedFuture(made.cause());
    }
    ShardQueue.Enqueued enqueued = made.result();
    boolean refused = verdicts.stream().anyMatch(v -> !v.allowed());
    if (!refused) {
      if (!enqueued.created() && !enqueued.live()) {
        releaseIfReserved(user, request); // a repeated idempotency key: the first request's job holds the place
      }
      return accepted(shard, enqueued, verdicts, held(request));
    }
    releaseIfReserved(user, request);
    if (!enqueued.created()) {
      return Future.succeededFuture(EnqueueReply.refused(verdicts));
    }
    return withdraw(shard, request, enqueued).compose(withdrawn -> {
      if (withdrawn) {
        return Future.succeededFuture(EnqueueReply.refused(verdicts));
      }
      // Only past the admission deadline (a stall of this node longer than it) can a worker have taken the
      // job: it is being decided, so the request is answered as what it became, an accepted one.
      LOG.warn("A refused booking request's job {} was taken before it could be withdrawn; it stands", v("jobId", enqueued.jobId()));
      return accepted(shard, enqueued, List.of(), held(request));
    });
  }

  /**
   * Confirms the job with the others of this turn of the event loop, one call per shard for all of them
   * (confirm.lua), then wakes the shard's worker. Lost, the confirmation is made up by the admission deadline.
   */
  private void confirmSoon(int shard, String jobId) {
    if (toConfirm.isEmpty()) {
      context.runOnContext(v -> confirmAll());
    }
    toConfirm.computeIfAbsent(shard, s -> new ArrayList<>()).add(jobId);
    inFlight++;
  }

  private void confirmAll() {
    List<Map.Entry<Integer, List<String>>> batches = new ArrayList<>(toConfirm.entrySet());
    toConfirm.clear();
    for (Map.Entry<Integer, List<String>> batch : batches) {
      int shard = batch.getKey();
      int jobs = batch.getValue().size();
      queue.confirm(shard, batch.getValue())
          .onSuccess(v -> vertx.eventBus().publish(Addresses.shard(shard), null))
          .onFailure(e -> LOG.warn("Could not confirm {} admitted jobs of shard {} (they wait for their deadline): {}",
              jobs, shard, e.toString()))
          .onComplete(done -> inFlight -= jobs);
    }
  }

  private Future<Boolean> withdraw(int shard, EnqueueRequest request, ShardQueue.Enqueued enqueued) {
    return queue.withdraw(shard, enqueued.jobId(), request.userId(), request.eventId(), request.idempotencyKey());
  }

  private void releaseIfReserved(Verdict user, EnqueueRequest request) {
    if (user.outcome() == Verdict.Outcome.RESERVED) {
      limiter.releaseReservation(request.userId(), request.eventId());
    }
  }

  private Future<EnqueueReply> accepted(int shard, ShardQueue.Enqueued enqueued, List<Verdict> verdicts, boolean held) {
    if (enqueued.created()) {
      metrics.jobEnqueued();
      if (held) {
        confirmSoon(shard, enqueued.jobId());
      } else {
        vertx.eventBus().publish(Addresses.shard(shard), null);
      }
      return Future.succeededFuture(reply(shard, enqueued.jobId(), Math.max(1, enqueued.seq() - enqueued.taken()), false, false, verdicts));
    }
    if (enqueued.live()) {
      long position = enqueued.processing() ? 0 : Math.max(1, enqueued.seq() - enqueued.taken());
      return Future.succeededFuture(reply(shard, enqueued.jobId(), position, false, true, verdicts));
    }
    return queue.status(enqueued.jobId()).map(record -> reply(shard, enqueued.jobId(), record.position(), true, false, verdicts));
  }

  private EnqueueReply reply(int shard, String jobId, long position, boolean duplicate, boolean alreadyLive,
                             List<Verdict> verdicts) {
    return new EnqueueReply(jobId, position, estimatedWaitSeconds(shard, position), shardPaused[shard], duplicate,
        alreadyLive, verdicts);
  }

  /**
   * Seconds until a job at this position is decided, from the measured decisions per second of its shard
   * (or of all shards, before the shard has a measurement of its own). With nothing measured yet, one
   * decision per second is assumed rather than promising an instant answer.
   */
  long estimatedWaitSeconds(int shard, long position) {
    double perSecond = rate[shard];
    if (perSecond < 0.5) {
      perSecond = Math.max(1.0, Arrays.stream(rate).sum() / rate.length);
    }
    return (long) Math.ceil(position / perSecond);
  }

  private Future<JobStatus> status(String jobId) {
    if (Sharding.shardOfJob(jobId) < 0) {
      return Future.failedFuture(ErrorCode.NOT_FOUND.error("No such job"));
    }
    return queue.status(jobId).map(record -> {
      JobStatus status = record.toStatus(jobId);
      if (status == null) {
        throw ErrorCode.NOT_FOUND.error("No such job (unknown, or its result has expired)");
      }
      return status;
    });
  }

  private Future<JsonObject> stats() {
    double[] rates = rate;
    Future<JsonObject> throttled = limiter.throttledFigures();
    return perShard(queue::shardStats).compose(all -> throttled.map(figures -> {
      JsonArray shards = new JsonArray();
      JsonObject total = new JsonObject();
      JsonObject outcomes = new JsonObject();
      boolean allPaused = true;
      for (ShardStats stats : all) {
        JsonObject shard = stats.toJson(round(rates[stats.shard()]));
        shards.add(shard);
        allPaused &= stats.paused();
        for (String counter : ShardStats.COUNTERS) {
          total.put(counter, total.getLong(counter, 0L) + shard.getLong(counter));
        }
        stats.outcomes().forEach(e -> outcomes.put(e.getKey(), outcomes.getLong(e.getKey(), 0L) + (Long) e.getValue()));
      }
      // Requests refused with 429 before any job was made (rate limits, open-job quota): an answer, not a fault.
      outcomes.put(RATE_LIMITED, figures.getLong("total", 0L));
      total.put("outcomes", outcomes);
      total.put("decidedPerSecond", round(Arrays.stream(rates).sum()));
      return new JsonObject().put("paused", allPaused).put("total", total).put("throttled", figures).put("shards", shards);
    }));
  }

  /** A user's newest jobs (or the INTERNAL ones) over all shards, newest first. */
  private Future<JobStatuses> jobs(JobsQuery query) {
    Future<List<String>> candidates = query.userId() == null
        ? perShard(shard -> queue.internalJobs(shard, query.limit())).map(perShard -> perShard.stream().flatMap(List::stream).toList())
        : queue.liveJobs(query.userId(), config.shards()).map(live -> {
          java.util.LinkedHashSet<String> both = new java.util.LinkedHashSet<>(live);
          both.addAll(query.decided());
          return List.copyOf(both);
        });
    return candidates
        .compose(ids -> {
          List<Future<ShardQueue.JobRecord>> records = ids.stream().map(queue::status).toList();
          return Future.all(records).map(all -> {
            List<JobStatus> found = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
              // A record cleaned or expired since the index was written has nothing left to show.
              JobStatus status = records.get(i).result().toStatus(ids.get(i));
              if (status != null) {
                found.add(status);
              }
            }
            found.sort(Comparator.comparingLong(JobStatus::enqueuedAt).reversed());
            return new JobStatuses(found.stream().limit(query.limit()).toList());
          });
        });
  }

  /** Retries a job that failed INTERNAL: 404 for no such job, 409 for one that ended otherwise or is not over. */
  private Future<JobStatus> retry(String jobId) {
    if (Sharding.shardOfJob(jobId) < 0) {
      return Future.failedFuture(ErrorCode.NOT_FOUND.error("No such job"));
    }
    return queue.retry(jobId).compose(outcome -> switch (outcome) {
      case NO_SUCH_JOB -> Future.failedFuture(ErrorCode.NOT_FOUND.error("No such job (unknown, or its record has expired)"));
      case NOT_INTERNAL -> Future.failedFuture(ErrorCode.CONFLICT.error("Only a job that failed INTERNAL can be retried"));
      case RETRIED -> {
        vertx.eventBus().publish(Addresses.shard(Sharding.shardOfJob(jobId)), null);
        LOG.info("Job {} retried by an operator", v("jobId", jobId));
        yield status(jobId);
      }
    });
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private Future<JsonObject> details(int offset, int limit) {
    return perShard(shard -> queue.details(shard, offset, limit)).map(all -> {
      long now = System.currentTimeMillis();
      return new JsonObject().put("offset", offset).put("limit", limit)
          .put("shards", new JsonArray(all.stream().map(shard -> shard.toJson(now)).toList()));
    });
  }

  private Future<JsonObject> pause(Long eventId, boolean paused) {
    Future<Void> change = eventId == null
        ? queue.setPaused(config.shards(), paused)
        : queue.setEventPaused(Sharding.shardOf(eventId, config.shards()), eventId, paused);
    return change.map(v -> {
      if (!paused) {
        // Wake the workers: an idle worker would otherwise find the jobs only at its next idle poll.
        for (int shard = 0; shard < config.shards(); shard++) {
          if (eventId == null || shard == Sharding.shardOf(eventId, config.shards())) {
            vertx.eventBus().publish(Addresses.shard(shard), null);
          }
        }
      }
      if (eventId == null) {
        vertx.eventBus().publish(Addresses.QUEUE_PAUSED, paused);
        LOG.info("Queue {}", paused ? "paused" : "resumed");
      } else {
        LOG.info("Queue {} for event {}", paused ? "paused" : "resumed", v("eventId", eventId));
      }
      return new JsonObject().put("paused", paused).put("eventId", eventId);
    });
  }

  private Future<JsonObject> clean(long olderThanSeconds) {
    long cutoff = System.currentTimeMillis() - olderThanSeconds * 1000;
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLEAN_BUDGET_MILLIS);
    return perShard(shard -> cleanShard(shard, cutoff, until, 0)).map(shards -> new JsonObject()
        .put("removed", shards.stream().mapToLong(CleanedShard::removed).sum())
        .put("more", shards.stream().anyMatch(CleanedShard::more))
        .put("olderThanSeconds", olderThanSeconds));
  }

  private record CleanedShard(long removed, boolean more) {
  }

  /** Cleans a shard a chunk at a time until nothing old is left or the request's budget is spent. */
  private Future<CleanedShard> cleanShard(int shard, long cutoff, long untilNanos, long removedSoFar) {
    return queue.clean(shard, cutoff, CLEAN_CHUNK).compose(round -> {
      long removed = removedSoFar + round.dropped();
      boolean left = round.scanned() >= CLEAN_CHUNK;
      if (left && System.nanoTime() < untilNanos) {
        return cleanShard(shard, cutoff, untilNanos, removed);
      }
      return Future.succeededFuture(new CleanedShard(removed, left));
    });
  }

  /** One read per shard, all at once; the results in shard order. */
  private <T> Future<List<T>> perShard(Function<Integer, Future<T>> read) {
    List<Future<T>> reads = new ArrayList<>();
    for (int s = 0; s < config.shards(); s++) {
      reads.add(read.apply(s));
    }
    return Future.all(reads).map(all -> reads.stream().map(Future::result).toList());
  }
}
