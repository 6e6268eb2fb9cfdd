package io.aurora.booking.bookings;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.events.EventCache;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.infra.Faults;
import io.aurora.booking.queue.Addresses;
import io.aurora.booking.queue.JobOutcome;
import io.aurora.booking.queue.JobOutcome.FailureReason;
import io.aurora.booking.queue.QueueMessages.ShardFenced;
import io.aurora.booking.queue.ShardFencedException;
import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.TakenJob;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The worker of one shard: takes up to B jobs at a time from the shard's FIFO under lease, decides each
 * event's jobs in one transaction ({@link SeatLedger}), and writes all outcomes back in one call.
 * Faults are retried with exponential backoff and jitter while the shard waits, so later jobs of the same
 * event are never decided before earlier ones.
 *
 * <p>A worker deployed by the shard's owner ({@code cluster.ShardOwnership}) works under that owner's fencing
 * epoch: once a newer owner has claimed the shard its takes are refused, and it stops and says so on
 * {@link Addresses#SHARD_FENCED}.
 */
public final class BookingWorker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BookingWorker.class);
  private static final long MAX_BACKOFF_MILLIS = 2_000;
  /** The PostgreSQL pool all workers of a node share. */
  public static final String POOL_NAME = "booking-worker";

  private final int shard;
  private final long fence;
  private AppConfig config;
  private Redis redis;
  private ShardQueue queue;
  private SeatLedger ledger;
  private MessageConsumer<Object> wakeups;
  private boolean running;
  private boolean wakeRequested;
  private boolean stopping;
  private long idleTimer = -1;
  private int redisFailures;
  private Promise<Void> drained;

  /** A worker no owner epoch guards (tests, tools): nothing ever fences it off. */
  public BookingWorker(int shard) {
    this(shard, ShardQueue.UNFENCED);
  }

  /** The worker of the owner that claimed {@code shard} with epoch {@code fence}. */
  public BookingWorker(int shard, long fence) {
    this.shard = shard;
    this.fence = fence;
  }

  @Override
  public Future<?> start() {
    config = new AppConfig(config());
    redis = Clients.redis(vertx, config);
    Pool pool = Clients.pgPool(vertx, config, POOL_NAME);
    queue = new ShardQueue(redis);
    ledger = new SeatLedger(pool, config.maxBookingsPerUserPerEvent());
    wakeups = vertx.eventBus().consumer(Addresses.shard(shard), msg -> wake());
    return wakeups.completion().onSuccess(v -> poll());
  }

  /** Finishes the batch in hand (its outcomes are written) and takes no more. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(idleTimer);
    Future<Void> idle;
    if (running) {
      drained = Promise.promise();
      idle = drained.future();
    } else {
      idle = Future.succeededFuture();
    }
    return idle.eventually(wakeups::unregister).eventually(() -> redis.close().recover(e -> Future.succeededFuture()));
  }

  private void wake() {
    if (stopping) {
      return;
    }
    if (running) {
      wakeRequested = true;
      return;
    }
    vertx.cancelTimer(idleTimer);
    poll();
  }

  private void poll() {
    running = true;
    wakeRequested = false;
    queue.take(shard, config.batchSize(), config.leaseMillis(), fence)
        .compose(jobs -> jobs.isEmpty() ? Future.succeededFuture(0) : process(jobs).map(jobs.size()))
        .onComplete(ar -> {
          running = false;
          if (stopping) {
            if (drained != null) {
              drained.tryComplete();
            }
            return;
          }
          if (ar.failed() && ar.cause() instanceof ShardFencedException) {
            fencedOff();
          } else if (ar.failed()) {
            redisFailures++;
            LOG.warn("Shard {} could not take jobs ({}); retrying", shard, ar.cause().toString());
            idleTimer = vertx.setTimer(backoff(Math.min(redisFailures, 6)), id -> poll());
          } else if (ar.result() > 0 || wakeRequested) {
            // Straight on, not via runOnContext: a wake-up arriving in between would start a second,
            // concurrent batch, and two batches of one shard in flight break first-come-first-served.
            redisFailures = 0;
            poll();
          } else {
            redisFailures = 0;
            idleTimer = vertx.setTimer(config.workerIdleMillis(), id -> poll());
          }
        });
  }

  /** A newer owner has the shard: take nothing more, and let this node's owner undeploy us. */
  private void fencedOff() {
    stopping = true;
    LOG.warn("Shard {}: claimed by a newer owner than epoch {}; this worker stops taking jobs", shard, fence);
    vertx.eventBus().publish(Addresses.SHARD_FENCED, new ShardFenced(shard, fence).toJson(),
        new DeliveryOptions().setLocalOnly(true));
  }

  private Future<Void> process(List<TakenJob> jobs) {
    List<String> ids = jobs.stream().map(TakenJob::jobId).toList();
    long renewEvery = Math.max(100, config.leaseMillis() / 3);
    long renewTimer = vertx.setPeriodic(renewEvery, id -> queue.renew(shard, ids, config.leaseMillis())
        .onFailure(e -> LOG.warn("Shard {} could not renew leases: {}", shard, e.toString())));
    List<JobOutcome> poisoned = new ArrayList<>();
    Map<Long, List<TakenJob>> byEvent = new LinkedHashMap<>();
    for (TakenJob job : jobs) {
      if (job.attempts() > config.maxAttempts()) {
        // Delivered too often: something keeps killing the worker on it. Park it for the operators.
        LOG.error("Job {} of event {} failed after {} deliveries", job.jobId(), job.eventId(), job.attempts() - 1);
        poisoned.add(JobOutcome.failed(job.jobId(), FailureReason.INTERNAL));
      } else {
        byEvent.computeIfAbsent(job.eventId(), e -> new ArrayList<>()).add(job);
      }
    }
    List<Future<List<JobOutcome>>> decisions = new ArrayList<>();
    byEvent.forEach((eventId, eventJobs) -> decisions.add(decide(eventId, eventJobs, 0)));
    return Future.all(decisions)
        .compose(all -> {
          List<JobOutcome> outcomes = new ArrayList<>(poisoned);
          decisions.forEach(d -> outcomes.addAll(d.result()));
          return acknowledge(outcomes, 0).map(outcomes);
        })
        .compose(outcomes -> outcomes.stream().anyMatch(JobOutcome::completed)
            ? redis.send(Request.cmd(Command.DEL).arg(EventCache.LIST_KEY)).<Void>mapEmpty().recover(e -> Future.succeededFuture())
            : Future.<Void>succeededFuture())
        .eventually(() -> {
          vertx.cancelTimer(renewTimer);
          return Future.succeededFuture();
        });
  }

  private Future<List<JobOutcome>> decide(long eventId, List<TakenJob> jobs, int retries) {
    return ledger.decide(eventId, jobs)
        .map(outcomes -> retries == 0 ? outcomes : outcomes.stream().map(o -> o.withRetries(retries)).toList())
        .recover(failure -> {
          if (Faults.isTransient(failure) && retries + 1 < config.maxAttempts()) {
            long delay = backoff(retries);
            LOG.warn("Shard {} event {}: transient fault ({}); retry {} in {} ms", shard, eventId, failure.toString(), retries + 1, delay);
            return after(delay).compose(v -> decide(eventId, jobs, retries + 1));
          }
          LOG.error("Shard {} event {}: {} jobs failed as INTERNAL after {} retries", shard, eventId, jobs.size(), retries, failure);
          return Future.succeededFuture(jobs.stream()
              .map(job -> JobOutcome.failed(job.jobId(), FailureReason.INTERNAL).withRetries(retries)).toList());
        });
  }

  /**
   * Outcomes are in PostgreSQL already; losing the acknowledgement only means the lease runs out and the
   * job is decided again, finding its booking by job id. So a few retries, then leave it to the reaper.
   */
  private Future<Void> acknowledge(List<JobOutcome> outcomes, int attempt) {
    return queue.ack(shard, outcomes, config.resultTtlSeconds()).<Void>mapEmpty().recover(failure -> {
      if (attempt + 1 < config.maxAttempts()) {
        return after(backoff(attempt)).compose(v -> acknowledge(outcomes, attempt + 1));
      }
      LOG.error("Shard {}: could not record {} outcomes; their leases will expire and they will be redelivered",
          shard, outcomes.size(), failure);
      return Future.succeededFuture();
    });
  }

  /** Exponential backoff with jitter: between half and all of base * 2^attempt, capped. */
  private long backoff(int attempt) {
    long ceiling = Math.min(MAX_BACKOFF_MILLIS, (long) config.retryBaseMillis() << Math.min(attempt, 20));
    return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
  }

  private Future<Void> after(long millis) {
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(Math.max(1, millis), id -> promise.complete());
    return promise.future();
  }
}
