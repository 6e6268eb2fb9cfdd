package io.aurora.booking.queue;

import io.aurora.booking.bookings.FailureReason;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages;
import io.aurora.booking.bus.Messages.EnqueueReply;
import io.aurora.booking.bus.Messages.EnqueueRequest;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.infra.Clients;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * Owns the queue's Redis operations for the rest of the application: enqueue, status, admin control,
 * and the lease reaper that hands jobs of dead workers back to their queue.
 */
public final class QueueVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(QueueVerticle.class);
  private static final long SAMPLE_MILLIS = 1_000;
  private static final double SMOOTHING = 0.3;

  private final QueueMeters metrics;
  private AppConfig config;
  private Redis redis;
  private ShardQueue queue;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long reaperTimer;
  private long samplerTimer;
  /** Per shard: last decided count and the smoothed decisions per second, measured from Redis counters. */
  private long[] lastDecided;
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
    redis = Clients.redis(vertx, config, "booking-queue");
    queue = new ShardQueue(redis);
    int shards = config.shards();
    lastDecided = new long[shards];
    java.util.Arrays.fill(lastDecided, -1);
    rate = new double[shards];
    shardPaused = new boolean[shards];
    consume(Addresses.ENQUEUE, this::enqueue);
    consume(Addresses.STATUS, body -> status(Messages.StatusRequest.fromJson(body).jobId()));
    consume(Addresses.ADMIN_STATS, body -> stats());
    consume(Addresses.ADMIN_DETAILS, body -> details(body.getInteger("offset", 0), body.getInteger("limit", 50)));
    consume(Addresses.ADMIN_PAUSE, body -> pause(body.getLong("eventId"), true));
    consume(Addresses.ADMIN_RESUME, body -> pause(body.getLong("eventId"), false));
    consume(Addresses.ADMIN_CLEAN, body -> clean(body.getLong("olderThanSeconds")));
    consumers.add(vertx.eventBus().<Boolean>consumer(Addresses.QUEUE_PAUSED,
        msg -> java.util.Arrays.fill(shardPaused, Boolean.TRUE.equals(msg.body()))));
    reaperTimer = vertx.setPeriodic(1_000, id -> reap());
    samplerTimer = vertx.setPeriodic(SAMPLE_MILLIS, id -> sample());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /**
   * Takes no new requests, then lets the ones in flight get their Redis answer before closing: a request
   * whose script ran must not be told it failed.
   */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(reaperTimer);
    vertx.cancelTimer(samplerTimer);
    long deadline = System.currentTimeMillis() + config.shutdownGraceMillis();
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList())
        .eventually(() -> inFlightDone(deadline))
        .eventually(() -> redis.close().recover(e -> Future.succeededFuture()));
  }

  private Future<Void> inFlightDone(long deadline) {
    if (inFlight == 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
    vertx.setTimer(10, id -> inFlightDone(deadline).onComplete(later));
    return later.future();
  }

  private void consume(String address, Function<JsonObject, Future<JsonObject>> handler) {
    // Local: requests come from this node's HTTP verticles (Requests), never from another node.
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(address, msg -> {
      inFlight++;
      reply(msg, handler).onComplete(done -> inFlight--);
    }));
  }

  private static Future<JsonObject> reply(Message<JsonObject> msg, Function<JsonObject, Future<JsonObject>> handler) {
    Future<JsonObject> result;
    try {
      result = handler.apply(msg.body() == null ? new JsonObject() : msg.body());
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.onSuccess(msg::reply).onFailure(failure -> Requests.replyFailure(msg, failure));
  }

  private Future<JsonObject> enqueue(JsonObject body) {
    EnqueueRequest request = EnqueueRequest.fromJson(body);
    int shard = Sharding.shardOf(request.eventId(), config.shards());
    String jobId = Sharding.newJobId(shard);
    return queue.enqueue(shard, jobId, request.userId(), request.eventId(), request.seats(),
            request.idempotencyKey(), config.idempotencyTtlSeconds())
        .compose(enqueued -> {
          if (enqueued.created()) {
            metrics.jobEnqueued();
            vertx.eventBus().publish(Addresses.shard(shard), null);
            return Future.succeededFuture(reply(shard, enqueued.jobId(), Math.max(1, enqueued.seq() - enqueued.taken()), false));
          }
          return queue.status(enqueued.jobId()).map(record -> reply(shard, enqueued.jobId(), position(record), true));
        })
        .map(EnqueueReply::toJson);
  }

  private EnqueueReply reply(int shard, String jobId, long position, boolean duplicate) {
    return new EnqueueReply(jobId, position, estimatedWaitSeconds(shard, position), shardPaused[shard], duplicate);
  }

  private static long position(ShardQueue.JobRecord record) {
    if (!"queued".equals(record.fields().getString("status"))) {
      return 0;
    }
    return Math.max(1, Long.parseLong(record.fields().getString("seq", "0")) - record.taken());
  }

  /**
   * Seconds until a job at this position is decided, from the measured decisions per second of its shard
   * (or of all shards, before the shard has a measurement of its own). With nothing measured yet, one
   * decision per second is assumed rather than promising an instant answer.
   */
  long estimatedWaitSeconds(int shard, long position) {
    double perSecond = rate[shard];
    if (perSecond < 0.5) {
      double sum = 0;
      for (double r : rate) {
        sum += r;
      }
      perSecond = Math.max(1.0, sum / rate.length);
    }
    return (long) Math.ceil(position / perSecond);
  }

  private Future<JsonObject> status(String jobId) {
    if (Sharding.shardOfJob(jobId) < 0) {
      return Future.failedFuture(ErrorCode.NOT_FOUND.error("No such job"));
    }
    return queue.status(jobId).map(record -> {
      JsonObject f = record.fields();
      if (f.isEmpty()) {
        throw ErrorCode.NOT_FOUND.error("No such job (unknown, or its result has expired)");
      }
      JsonObject status = new JsonObject()
          .put("jobId", jobId)
          .put("status", f.getString("status"))
          .put("userId", Long.parseLong(f.getString("user")))
          .put("eventId", Long.parseLong(f.getString("event")))
          .put("seats", Integer.parseInt(f.getString("seats")))
          .put("attempts", Integer.parseInt(f.getString("attempts", "0")))
          .put("enqueuedAt", Long.parseLong(f.getString("enqueuedAt", "0")));
      switch (f.getString("status")) {
        case "queued" -> status.put("queuePosition", position(record));
        case "completed" -> status.put("result", new JsonObject(f.getString("result")));
        case "failed" -> status.put("error", f.getString("error"))
            .put("message", FailureReason.valueOf(f.getString("error")).message());
        default -> { }
      }
      if (f.containsKey("finishedAt")) {
        status.put("finishedAt", Long.parseLong(f.getString("finishedAt")));
      }
      return status;
    });
  }

  private Future<JsonObject> stats() {
    List<Future<JsonObject>> perShard = new ArrayList<>();
    for (int s = 0; s < config.shards(); s++) {
      perShard.add(queue.shardStats(s));
    }
    return Future.all(perShard).map(all -> {
      JsonArray shards = new JsonArray();
      JsonObject total = new JsonObject();
      boolean allPaused = true;
      double throughput = 0;
      for (int s = 0; s < perShard.size(); s++) {
        JsonObject shard = perShard.get(s).result().put("decidedPerSecond", round(rate[s]));
        throughput += rate[s];
        shards.add(shard);
        allPaused &= shard.getBoolean("paused");
        for (String counter : List.of("waiting", "processing", "enqueued", "completed", "failed", "retried", "stalledRecovered")) {
          total.put(counter, total.getLong(counter, 0L) + shard.getLong(counter));
        }
      }
      total.put("decidedPerSecond", round(throughput));
      return new JsonObject().put("paused", allPaused).put("total", total).put("shards", shards);
    });
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private Future<JsonObject> details(int offset, int limit) {
    List<Future<JsonObject>> perShard = new ArrayList<>();
    for (int s = 0; s < config.shards(); s++) {
      perShard.add(queue.details(s, offset, limit));
    }
    return Future.all(perShard).map(all -> new JsonObject()
        .put("offset", offset).put("limit", limit)
        .put("shards", new JsonArray(perShard.stream().map(Future::result).toList())));
  }

  private Future<JsonObject> pause(Long eventId, boolean paused) {
    Future<Void> change = eventId == null
        ? queue.setPaused(config.shards(), paused)
        : queue.setEventPaused(Sharding.shardOf(eventId, config.shards()), eventId, paused);
    return change.map(v -> {
      if (eventId == null) {
        vertx.eventBus().publish(Addresses.QUEUE_PAUSED, paused);
      }
      if (eventId == null) {
        LOG.info("Queue {}", paused ? "paused" : "resumed");
      } else {
        LOG.info("Queue {} for event {}", paused ? "paused" : "resumed", v("eventId", eventId));
      }
      return new JsonObject().put("paused", paused).put("eventId", eventId);
    });
  }

  private Future<JsonObject> clean(long olderThanSeconds) {
    long cutoff = System.currentTimeMillis() - olderThanSeconds * 1000;
    List<Future<long[]>> perShard = new ArrayList<>();
    for (int s = 0; s < config.shards(); s++) {
      perShard.add(queue.clean(s, cutoff, 100_000));
    }
    return Future.all(perShard).map(all -> new JsonObject()
        .put("removed", perShard.stream().mapToLong(f -> f.result()[0]).sum())
        .put("olderThanSeconds", olderThanSeconds));
  }

  private void reap() {
    for (int s = 0; s < config.shards(); s++) {
      int shard = s;
      queue.reap(shard, 1_000)
          .onSuccess(n -> {
            if (n > 0) {
              metrics.jobsRecovered(n);
              LOG.warn("Recovered {} jobs with expired leases on shard {}", v("jobs", n), v("shard", shard));
              vertx.eventBus().publish(Addresses.shard(shard), null);
            }
          })
          .onFailure(e -> LOG.debug("Reaper could not reach Redis: {}", e.toString()));
    }
  }

  private void sample() {
    for (int s = 0; s < config.shards(); s++) {
      int shard = s;
      queue.decided(shard).onSuccess(decided -> {
        long delta = lastDecided[shard] < 0 ? 0 : decided - lastDecided[shard];
        lastDecided[shard] = decided;
        rate[shard] = SMOOTHING * Math.max(0, delta) * 1000.0 / SAMPLE_MILLIS + (1 - SMOOTHING) * rate[shard];
      });
      queue.shardStats(shard).onSuccess(stats -> {
        shardPaused[shard] = stats.getBoolean("paused");
        metrics.queueDepth(shard, stats.getLong("waiting"), stats.getLong("processing"));
      });
    }
  }
}
