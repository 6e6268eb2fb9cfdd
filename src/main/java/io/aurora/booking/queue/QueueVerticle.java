package io.aurora.booking.queue;

import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.CleanRequest;
import io.aurora.booking.bus.Messages.DetailsRequest;
import io.aurora.booking.bus.Messages.EnqueueReply;
import io.aurora.booking.bus.Messages.EnqueueRequest;
import io.aurora.booking.bus.Messages.PauseScope;
import io.aurora.booking.bus.Messages.QueueFigures;
import io.aurora.booking.bus.Messages.StatusRequest;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.limits.RateLimiter;
import io.aurora.booking.limits.ThrottleMeters;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * Serves the queue to the rest of its node: enqueue, job status and the operators' requests, each one Redis
 * script or batch. Deployed once per core; it runs no timers of its own: the rates and pause flags its
 * answers need come from the node's {@link QueueSampler}, and expired leases are the {@link LeaseReaper}'s.
 */
public final class QueueVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(QueueVerticle.class);
  private static final int CLEAN_LIMIT_PER_SHARD = 100_000;

  private final QueueMeters metrics;
  private AppConfig config;
  private Redis redis;
  private ShardQueue queue;
  /** Only read here: the throttled figures of the admin stats. */
  private RateLimiter limiter;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** The latest figures from the sampler (or a pause change): decisions per second and paused flag, per shard. */
  private double[] rate;
  private boolean[] shardPaused;
  /** Requests being answered; shutdown waits for them. Only touched on this verticle's event loop. */
  private int inFlight;

  public QueueVerticle(QueueMeters metrics) {
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    config = new AppConfig(config());
    redis = Clients.redis(vertx, config, Clients.instanceName("booking-queue"));
    queue = new ShardQueue(redis);
    limiter = new RateLimiter(redis, ThrottleMeters.NONE, config.rateLimitsEnabled());
    rate = new double[config.shards()];
    shardPaused = new boolean[config.shards()];
    serve(Addresses.ENQUEUE, this::enqueue);
    serve(Addresses.STATUS, (StatusRequest request) -> status(request.jobId()));
    serve(Addresses.ADMIN_STATS, none -> stats());
    serve(Addresses.ADMIN_DETAILS, (DetailsRequest request) -> details(request.offset(), request.limit()));
    serve(Addresses.ADMIN_PAUSE, (PauseScope scope) -> pause(scope.eventId(), true));
    serve(Addresses.ADMIN_RESUME, (PauseScope scope) -> pause(scope.eventId(), false));
    serve(Addresses.ADMIN_CLEAN, (CleanRequest request) -> clean(request.olderThanSeconds()));
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
        .eventually(() -> redis.close().recover(e -> Future.succeededFuture()));
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

  private Future<EnqueueReply> enqueue(EnqueueRequest request) {
    int shard = Sharding.shardOf(request.eventId(), config.shards());
    String jobId = Sharding.newJobId(shard);
    return queue.enqueue(shard, jobId, request.userId(), request.eventId(), request.seats(),
            request.idempotencyKey(), config.idempotencyTtlSeconds(), config.resultTtlSeconds())
        .compose(enqueued -> {
          if (enqueued.created()) {
            metrics.jobEnqueued();
            vertx.eventBus().publish(Addresses.shard(shard), null);
            return Future.succeededFuture(accepted(shard, enqueued.jobId(), Math.max(1, enqueued.seq() - enqueued.taken()), false, false));
          }
          if (enqueued.live()) {
            long position = enqueued.processing() ? 0 : Math.max(1, enqueued.seq() - enqueued.taken());
            return Future.succeededFuture(accepted(shard, enqueued.jobId(), position, false, true));
          }
          return queue.status(enqueued.jobId()).map(record -> accepted(shard, enqueued.jobId(), record.position(), true, false));
        });
  }

  private EnqueueReply accepted(int shard, String jobId, long position, boolean duplicate, boolean alreadyLive) {
    return new EnqueueReply(jobId, position, estimatedWaitSeconds(shard, position), shardPaused[shard], duplicate, alreadyLive);
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
      boolean allPaused = true;
      for (ShardStats stats : all) {
        JsonObject shard = stats.toJson(round(rates[stats.shard()]));
        shards.add(shard);
        allPaused &= stats.paused();
        for (String counter : ShardStats.COUNTERS) {
          total.put(counter, total.getLong(counter, 0L) + shard.getLong(counter));
        }
      }
      total.put("decidedPerSecond", round(Arrays.stream(rates).sum()));
      return new JsonObject().put("paused", allPaused).put("total", total).put("throttled", figures).put("shards", shards);
    }));
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
    return perShard(shard -> queue.clean(shard, cutoff, CLEAN_LIMIT_PER_SHARD)).map(removed -> new JsonObject()
        .put("removed", removed.stream().mapToLong(Long::longValue).sum())
        .put("olderThanSeconds", olderThanSeconds));
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
