package io.aurora.booking.bookings;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditEntry;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.JobsDecided;
import io.aurora.booking.bus.Messages.ShardFenced;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.events.EventCache;
import io.aurora.booking.events.SeatsReturned;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.infra.Faults;
import io.aurora.booking.infra.Tracing;
import io.aurora.booking.notifications.Notification;
import io.aurora.booking.notifications.Outbox;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * The worker of one shard: takes up to B jobs at a time from the shard's FIFO under lease (more while the
 * queue stays deep, {@link BatchSizing}, the next batch taken while the current one is decided), decides each
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
  /** Records the sold-out fast path answered, written per call once the shard is idle: about 10 ms of Redis each. */
  private static final int ANSWERED_RECORDS_PER_CALL = 1000;
  private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("booking.job_id");
  /** The PostgreSQL pool all workers of a node share. */
  public static final String POOL_NAME = "booking-worker";

  private final int shard;
  private final WorkerMeters metrics;
  private final long fence;
  private final JobQueue.Factory queues;
  private AppConfig config;
  private Redis redis;
  private JobQueue queue;
  private SeatLedger ledger;
  private Outbox outbox;
  private Audit audit;
  private Pool pool;
  private MessageConsumer<Object> wakeups;
  private boolean running;
  private boolean wakeRequested;
  private boolean stopping;
  private long idleTimer = -1;
  private int redisFailures;
  private Promise<Void> drained;
  /** The fast path's announcements still under way, in order ({@link #announceInTurn}); never failed. */
  private Future<Void> announcing = Future.succeededFuture();
  /** Batches decided whose outcomes are still being written to Redis. */
  private int pendingAcks;
  /** Job ids taken and not yet decided, for giving their leases back at shutdown. */
  private final Set<String> inHand = new LinkedHashSet<>();
  private BatchSizing sizing;
  /** Jobs the next take asks for ({@link BatchSizing}). */
  private int takeSize;
  /** Whether this node traces ({@code infra.Tracing}): each batch is then decided inside a span of its own. */
  private boolean tracing;

  /** A worker no owner epoch guards and that records no metrics (tests, tools). */
  public BookingWorker(int shard, JobQueue.Factory queues) {
    this(shard, JobQueue.UNFENCED, WorkerMeters.NONE, queues);
  }

  /**
   * The worker of the owner that claimed {@code shard} with epoch {@code fence}, taking its jobs from the
   * queue {@code queues} builds on the worker's own Redis client.
   */
  public BookingWorker(int shard, long fence, WorkerMeters metrics, JobQueue.Factory queues) {
    this.shard = shard;
    this.fence = fence;
    this.metrics = metrics;
    this.queues = queues;
  }

  @Override
  public Future<?> start() {
    config = new AppConfig(config());
    tracing = Tracing.enabled(vertx);
    redis = Clients.redis(vertx, config, "booking-worker-" + shard);
    pool = Clients.pgPool(vertx, config, POOL_NAME);
    queue = queues.on(redis);
    // Every job of this worker is of its shard, so the shard is the partition of their notifications.
    outbox = new Outbox(eventId -> shard, config.notificationsEnabled());
    // The shard's own audit chain: this worker is its only writer, so it never waits for another shard's.
    audit = Audit.enabled(config.auditEnabled());
    ledger = new SeatLedger(pool, config.maxBookingsPerUserPerEvent(), SeatsReturned.NONE, outbox, audit, Audit.shardChain(shard));
    sizing = new BatchSizing(config.batchSize(), config.maxBatchSize());
    takeSize = sizing.base();
    wakeups = vertx.eventBus().consumer(Addresses.shard(shard), msg -> wake());
    // On a cluster, local wake-ups reach the consumer before its registration completes, and one may have
    // started the first take already: so the first take goes through wake(), never a second poll().
    return wakeups.completion().onSuccess(v -> wake());
  }

  /**
   * Finishes the batch in hand (its bookings commit and its outcomes are written) and takes no more. A batch
   * that cannot finish within {@code shutdownGraceMillis} (a fault being retried) gives its leases back, so
   * the jobs go to the front of the queue for the next worker instead of waiting out the lease.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(idleTimer);
    Future<Void> idle = Future.succeededFuture();
    if (running || pendingAcks > 0) {
      drained = Promise.promise();
      idle = drained.future()
          .timeout(config.shutdownGraceMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
          .recover(slow -> {
            LOG.warn("Shard {}: batch still running at shutdown; giving back {} leases", shard, inHand.size());
            return queue.releaseLeases(shard, List.copyOf(inHand));
          });
    }
    Future<Void> announced = idle.transform(done -> announcing
        .timeout(config.shutdownGraceMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .recover(slow -> {
          LOG.warn("Shard {}: SOLD_OUT announcements still under way at shutdown are dropped", shard);
          return Future.succeededFuture();
        }));
    return announced.eventually(wakeups::unregister).eventually(() -> redis.close().recover(e -> Future.succeededFuture()));
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
    turn(take());
  }

  /**
   * Takes up to the current take size, and renews the leases of what it took from then on, until the
   * outcomes are recorded: a batch taken ahead may wait for the one before it to commit.
   */
  private Future<Leased> take() {
    int asked = takeSize;
    return queue.take(shard, asked, config.leaseMillis(), fence, config.soldOutAnswersPerTake())
        .map(batch -> {
          List<String> ids = batch.jobs().stream().map(TakenJob::jobId).toList();
          inHand.addAll(ids);
          return new Leased(batch, asked, ids, ids.isEmpty() ? -1 : renewing(ids));
        });
  }

  private long renewing(List<String> ids) {
    long renewEvery = Math.max(100, config.leaseMillis() / 3);
    return vertx.setPeriodic(renewEvery, id -> queue.renew(shard, ids, config.leaseMillis())
        .onFailure(e -> LOG.warn("Shard {} could not renew leases: {}", v("shard", shard), e.toString())));
  }

  /** One turn: decides the batch {@code taking} brings, then goes on with the batch taken meanwhile, if any. */
  private void turn(Future<Leased> taking) {
    taking.compose(this::work).onComplete(ar -> {
      if (ar.succeeded() && ar.result().failure() != null) {
        LOG.warn("Shard {} could not decide a batch ({}); its jobs return when their leases run out",
            v("shard", shard), ar.result().failure().toString());
      }
      if (ar.succeeded() && ar.result().next() != null) {
        // Taken while this batch was decided, so in hand already: decided next, even when stopping.
        redisFailures = 0;
        turn(ar.result().next());
        return;
      }
      running = false;
      if (stopping) {
        if (drained != null && pendingAcks == 0) {
          drained.tryComplete();
        }
        return;
      }
      if (ar.failed() && ar.cause() instanceof ShardFencedException) {
        fencedOff();
      } else if (ar.failed() || ar.result().failure() != null) {
        redisFailures++;
        Throwable cause = ar.failed() ? ar.cause() : ar.result().failure();
        LOG.warn("Shard {} could not take jobs ({}); retrying", v("shard", shard), cause.toString());
        idleTimer = vertx.setTimer(backoff(Math.min(redisFailures, 6)), id -> poll());
      } else if (ar.result().jobs() > 0 || wakeRequested) {
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

  /**
   * Decides one taken batch. When the take came back full, the queue is deeper: the next batch is taken
   * while this one is decided (its take and this transaction overlap), but it is decided only after this
   * one's transactions committed, so one shard still has one batch being decided at a time, in queue order.
   */
  private Future<Turn> work(Leased leased) {
    TakenBatch batch = leased.batch();
    takeSize = sizing.next(leased.asked(), batch.jobs().size());
    if (batch.size() == 0) {
      // Nothing to take: the shard is idle, the moment to write the records of fast-path answers.
      return writeAnsweredRecords().map(written -> new Turn(written, null, null));
    }
    answeredSoldOut(batch.answeredSoldOut());
    announceInTurn(batch.answeredSoldOut());
    announceDecided(batch.answeredSoldOut().stream()
        .map(job -> JobOutcome.failed(job.jobId(), FailureReason.SOLD_OUT)).toList());
    if (batch.jobs().isEmpty()) {
      return Future.succeededFuture(new Turn(batch.size(), null, null));
    }
    Future<Leased> next = batch.jobs().size() >= leased.asked() && !stopping ? take() : null;
    return process(leased).transform(done -> Future.succeededFuture(new Turn(batch.size(), next, done.cause())));
  }

  /** A batch taken under lease, and the timer renewing its leases. */
  private record Leased(TakenBatch batch, int asked, List<String> ids, long renewTimer) {
  }

  /** What a turn did: jobs taken or answered, the batch taken meanwhile (or null), and why deciding failed (or null). */
  private record Turn(int jobs, Future<Leased> next, Throwable failure) {
  }

  /**
   * With nothing to take, writes the records of jobs the sold-out fast path answered (a chunk per call; the
   * answers are final and visible already, so this work waits until the shard is idle and never delays a
   * decision). Returns how many answers it handled, so the worker keeps going while some are left. A failure
   * only postpones them: they stay in the answered set.
   */
  private Future<Integer> writeAnsweredRecords() {
    return queue.writeAnsweredRecords(shard, ANSWERED_RECORDS_PER_CALL, config.resultTtlSeconds())
        .otherwise(failure -> {
          LOG.warn("Shard {} could not write answered records ({}); later", v("shard", shard), failure.toString());
          return 0;
        });
  }

  /** A newer owner has the shard: take nothing more, and let this node's owner undeploy us. */
  private void fencedOff() {
    stopping = true;
    LOG.warn("Shard {}: claimed by a newer owner than epoch {}; this worker stops taking jobs", shard, fence);
    vertx.eventBus().publish(Addresses.SHARD_FENCED, new ShardFenced(shard, fence),
        new DeliveryOptions().setLocalOnly(true));
  }

  /**
   * Decides a batch; when this node traces, inside a span of its own ({@link #batchSpan}), current while the
   * batch is decided and recorded, so the PostgreSQL and Redis calls it makes are its children.
   */
  private Future<Void> process(Leased leased) {
    if (!tracing) {
      return decideBatch(leased, null);
    }
    Span span = batchSpan(leased.batch().jobs());
    Scope scope = Context.root().with(span).makeCurrent();
    Future<Void> done;
    try {
      done = decideBatch(leased, span);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.andThen(ar -> {
      scope.close();
      if (ar.failed()) {
        span.setStatus(StatusCode.ERROR, String.valueOf(ar.cause()));
      }
      span.end();
    });
  }

  /**
   * The span of one batch: one batch serves many requests, so it links to each traced job's request span, and
   * belongs to the first one's trace (that request's trace then runs from its HTTP request to its decision).
   */
  private Span batchSpan(List<TakenJob> jobs) {
    SpanBuilder builder = Tracing.tracer(vertx).spanBuilder("booking.batch").setSpanKind(SpanKind.CONSUMER)
        .setAttribute("booking.shard", shard).setAttribute("booking.jobs", jobs.size());
    SpanContext first = null;
    for (TakenJob job : jobs) {
      SpanContext request = Tracing.remote(job.traceparent());
      if (request.isValid()) {
        first = first == null ? request : first;
        builder.addLink(request, Attributes.of(JOB_ID, job.jobId()));
      }
    }
    if (first != null) {
      builder.setParent(Context.root().with(Span.wrap(first)));
    } else {
      builder.setNoParent();
    }
    return builder.startSpan();
  }

  /** Decides a batch; {@code span} (null when not tracing) is the one its outcome lines are logged in. */
  private Future<Void> decideBatch(Leased leased, Span span) {
    long takenAt = System.nanoTime();
    List<TakenJob> jobs = leased.batch().jobs();
    long renewTimer = leased.renewTimer();
    List<JobOutcome> poisoned = new ArrayList<>();
    Map<Long, List<TakenJob>> byEvent = new LinkedHashMap<>();
    for (TakenJob job : jobs) {
      if (job.attempts() > config.maxAttempts()) {
        // Delivered too often: something keeps killing the worker on it. Park it for the operators.
        LOG.error("Job {} of event {} on shard {} failed after {} deliveries", v("jobId", job.jobId()),
            v("eventId", job.eventId()), v("shard", shard), job.attempts() - 1);
        poisoned.add(JobOutcome.failed(job.jobId(), FailureReason.INTERNAL));
      } else {
        byEvent.computeIfAbsent(job.eventId(), e -> new ArrayList<>()).add(job);
      }
    }
    List<Future<List<JobOutcome>>> decisions = new ArrayList<>();
    byEvent.forEach((eventId, eventJobs) -> decisions.add(decide(eventId, eventJobs, 0)));
    return Future.all(decisions).map(all -> {
      leased.ids().forEach(inHand::remove);
      List<JobOutcome> outcomes = new ArrayList<>(poisoned);
      decisions.forEach(d -> outcomes.addAll(d.result()));
      // The decisions are committed; writing them back may overlap the next batch (FIFO is decided by
      // commit order, not by ack order). The leases stay renewed until the write is done.
      pendingAcks++;
      long decidedAt = System.nanoTime();
      acknowledge(outcomes, 0).onComplete(done -> {
        if (done.succeeded() && done.result()) {
          finished(jobs, outcomes, decidedAt - takenAt, span);
          announceDecided(outcomes);
        }
        vertx.cancelTimer(renewTimer);
        pendingAcks--;
        if (drained != null && !running && pendingAcks == 0) {
          drained.tryComplete();
        }
      });
      if (outcomes.stream().anyMatch(JobOutcome::completed)) {
        redis.send(Request.cmd(Command.DEL).arg(EventCache.LIST_KEY))
            .onFailure(e -> LOG.debug("Event list cache not dropped: {}", e.toString()));
      }
      return null;
    }).<Void>mapEmpty().onFailure(e -> vertx.cancelTimer(renewTimer));
  }

  /**
   * Counts the jobs the take answered {@code SOLD_OUT} itself (the sold-out fast path) like the worker's own
   * outcomes, and apart, so an operator sees how many never needed PostgreSQL.
   */
  private void answeredSoldOut(List<TakenBatch.AnsweredSoldOut> answered) {
    if (answered.isEmpty()) {
      return;
    }
    metrics.jobsAnsweredSoldOut(answered.size());
    for (TakenBatch.AnsweredSoldOut job : answered) {
      JobOutcome outcome = JobOutcome.failed(job.jobId(), FailureReason.SOLD_OUT);
      metrics.jobFinished(outcome, job.enqueuedAt(), 0);
      logOutcome(job.jobId(), job.eventId(), outcome);
    }
  }

  /**
   * Announces the jobs the take answered {@code SOLD_OUT} (the sold-out fast path never reaches PostgreSQL, so no
   * decision transaction wrote their notifications): one multi-row outbox insert per take, after the take has
   * recorded the answers in Redis. Retried like a fault; should the node die between the take and this insert,
   * or PostgreSQL stay down through the retries, these announcements are lost (the answers themselves are not).
   */
  /**
   * Queues the fast path's announcements behind the ones before them, one insert at a time in the order of the
   * takes, without holding up the next take: the answers are final already, and waiting for a PostgreSQL
   * commit per take of a thousand answers made the fast path hardly faster than deciding them (measured: 8.1 s
   * against 10.6 s for 100,000 jobs). A stopping worker waits for the queue like for its batch.
   */
  private void announceInTurn(List<TakenBatch.AnsweredSoldOut> answered) {
    if (!answered.isEmpty()) {
      announcing = announcing.compose(v -> announceSoldOut(answered, 0));
    }
  }

  private Future<Void> announceSoldOut(List<TakenBatch.AnsweredSoldOut> answered, int attempt) {
    if (answered.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Long, List<Notification>> byEvent = new LinkedHashMap<>();
    for (TakenBatch.AnsweredSoldOut job : answered) {
      byEvent.computeIfAbsent(job.eventId(), e -> new ArrayList<>()).add(Notification.failed(job.jobId(), job.eventId(),
          job.userId(), null, FailureReason.SOLD_OUT.name(), FailureReason.SOLD_OUT.message()));
    }
    // Their decision rows go with their announcements (DecisionAudit: from the outbox, or here with it off).
    return pool.withTransaction(conn -> Future.all(byEvent.entrySet().stream()
            .map(e -> outbox.append(conn, e.getKey(), e.getValue())).toList())
            .compose(all -> DecisionAudit.inline(outbox, audit).append(conn, Audit.shardChain(shard),
                soldOutDecisions(answered, all.list()))))
        .recover(failure -> {
          if (attempt + 1 < config.maxAttempts()) {
            return after(backoff(attempt)).compose(v -> announceSoldOut(answered, attempt + 1));
          }
          LOG.error("Shard {}: {} SOLD_OUT answers of the fast path could not be announced", v("shard", shard),
              answered.size(), failure);
          return Future.succeededFuture();
        });
  }

  /** The decision rows of the fast path's answers whose announcement was new (all of them, but for a retry). */
  private static List<AuditEntry> soldOutDecisions(List<TakenBatch.AnsweredSoldOut> answered, List<Set<String>> freshPerEvent) {
    Set<String> fresh = new HashSet<>();
    freshPerEvent.forEach(fresh::addAll);
    JobOutcome soldOut = JobOutcome.failed("", FailureReason.SOLD_OUT);
    return answered.stream().filter(job -> fresh.contains("job:" + job.jobId()))
        .map(job -> DecisionAudit.entry(job.eventId(), job.jobId(), job.userId(), null, soldOut)).toList();
  }

  /**
   * Tells every node that these outcomes are recorded (final and readable in the queue), in one message for
   * the whole batch: the nodes holding live status streams of these jobs send them their final event. A
   * message lost (this node dies right here) leaves those streams to find the outcome by themselves.
   */
  private void announceDecided(List<JobOutcome> outcomes) {
    if (outcomes.isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>(outcomes.size());
    List<String> results = new ArrayList<>(outcomes.size());
    for (JobOutcome outcome : outcomes) {
      ids.add(outcome.jobId());
      results.add(outcome.completed() ? outcome.status() : outcome.reason().name());
    }
    vertx.eventBus().publish(Addresses.JOBS_DECIDED, new JobsDecided(shard, ids, results));
  }

  /** Counts and times the outcomes now recorded in the queue, and logs each at debug level (in the batch's span). */
  private void finished(List<TakenJob> jobs, List<JobOutcome> outcomes, long processingNanos, Span span) {
    if (span != null) {
      try (Scope inBatch = Context.root().with(span).makeCurrent()) {
        finished(jobs, outcomes, processingNanos, null);
      }
      return;
    }
    Map<String, TakenJob> byId = new HashMap<>();
    jobs.forEach(job -> byId.put(job.jobId(), job));
    for (JobOutcome outcome : outcomes) {
      TakenJob job = byId.get(outcome.jobId());
      metrics.jobFinished(outcome, job == null ? 0 : job.enqueuedAt(), processingNanos);
      if (job != null) {
        logOutcome(job.jobId(), job.eventId(), outcome);
      }
    }
  }

  /** One debug line per finished job, however it was decided. */
  private void logOutcome(String jobId, long eventId, JobOutcome outcome) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("Job {} of event {} on shard {}: {} {}", v("jobId", jobId), v("eventId", eventId),
          v("shard", shard), v("outcome", outcome.status()), v("reason", outcome.reasonLabel()));
    }
  }

  private Future<List<JobOutcome>> decide(long eventId, List<TakenJob> jobs, int retries) {
    long started = System.nanoTime();
    return ledger.decideEvent(eventId, jobs)
        .andThen(ar -> metrics.transaction(System.nanoTime() - started, jobs.size(), ar.succeeded()))
        .compose(decision -> reportSoldOut(eventId, jobs, decision))
        .map(outcomes -> retries == 0 ? outcomes : outcomes.stream().map(o -> o.withRetries(retries)).toList())
        .recover(failure -> {
          if (Faults.isTransient(failure) && retries + 1 < config.maxAttempts()) {
            long delay = backoff(retries);
            metrics.jobsRetried(jobs.size());
            LOG.warn("Shard {} event {}: transient fault ({}); retry {} in {} ms", v("shard", shard), v("eventId", eventId),
                failure.toString(), retries + 1, delay);
            return after(delay).compose(v -> decide(eventId, jobs, retries + 1));
          }
          LOG.error("Shard {} event {}: {} jobs failed as INTERNAL after {} retries", v("shard", shard), v("eventId", eventId),
              jobs.size(), retries, failure);
          return Future.succeededFuture(jobs.stream()
              .map(job -> JobOutcome.failed(job.jobId(), FailureReason.INTERNAL).withRetries(retries)).toList());
        });
  }

  /**
   * When the committed decision left the event no seat, marks it sold out in the queue under the seat epoch
   * its jobs were taken with, so the next takes answer its jobs without PostgreSQL. The mark is refused when
   * a seat may have come back since (a cancellation that committed after this decision). It only saves
   * work: failing to write it leaves the jobs to PostgreSQL, which decides them the same.
   */
  private Future<List<JobOutcome>> reportSoldOut(long eventId, List<TakenJob> jobs, SeatLedger.EventDecision decision) {
    if (decision.soldOutUntil() == null || config.soldOutAnswersPerTake() == 0) {
      return Future.succeededFuture(decision.outcomes());
    }
    return queue.markSoldOut(shard, eventId, jobs.get(0).seatEpoch(), decision.soldOutUntil())
        .otherwise(failure -> {
          LOG.warn("Shard {} event {}: sold out, but not marked so ({}); its jobs go on to PostgreSQL",
              v("shard", shard), v("eventId", eventId), failure.toString());
          return false;
        })
        .map(decision.outcomes());
  }

  /**
   * Outcomes are in PostgreSQL already; losing the acknowledgement only means the lease runs out and the
   * job is decided again, finding its booking by job id. So a few retries, then leave it to the reaper.
   * True when recorded: only then are the outcomes counted in the metrics (a job whose outcome could not
   * be recorded is counted when it is redelivered and decided again).
   */
  private Future<Boolean> acknowledge(List<JobOutcome> outcomes, int attempt) {
    return queue.ack(shard, outcomes, config.resultTtlSeconds()).map(true).recover(failure -> {
      if (attempt + 1 < config.maxAttempts()) {
        return after(backoff(attempt)).compose(v -> acknowledge(outcomes, attempt + 1));
      }
      LOG.error("Shard {}: could not record {} outcomes; their leases will expire and they will be redelivered",
          v("shard", shard), outcomes.size(), failure);
      return Future.succeededFuture(false);
    });
  }

  private long backoff(int attempt) {
    return Faults.backoffMillis(attempt, config.retryBaseMillis(), MAX_BACKOFF_MILLIS, ThreadLocalRandom.current());
  }

  private Future<Void> after(long millis) {
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(Math.max(1, millis), id -> promise.complete());
    return promise.future();
  }
}
