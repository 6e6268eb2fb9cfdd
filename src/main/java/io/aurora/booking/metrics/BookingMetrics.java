package io.aurora.booking.metrics;

import io.aurora.booking.bookings.FailureReason;
import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.WorkerMeters;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.ReplicaState;
import io.aurora.booking.limits.ThrottleMeters;
import io.aurora.booking.live.StreamMeters;
import io.aurora.booking.queue.QueueMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The domain meters of the booking pipeline: what the queue accepts, how jobs end and how long they
 * take, how the worker's transactions behave, and gauges sampled off the hot path (queue depth, seats
 * left, dependency health).
 *
 * <p>One instance per application, handed to its verticles as the meters each feature asks for
 * ({@link QueueMeters}, {@link WorkerMeters}, {@link StreamMeters}): the features do not depend on this one. Recording is in-memory only (counter
 * increments, histogram buckets): no I/O per request or per job. Labels have bounded values (shard,
 * outcome, failure reason, the ids of at most {@link MetricsVerticle#SEAT_GAUGE_EVENTS} events);
 * never user ids or job ids.
 *
 * <p>With {@code metricsEnabled} off every meter is a no-op. With it on, the meters go into Vert.x's
 * own Prometheus registry when Vert.x was built with metrics ({@link Metrics#vertxOptions}), else into
 * a registry of the application's own, so {@code /metrics} still serves the domain meters.
 */
public final class BookingMetrics implements QueueMeters, WorkerMeters, ThrottleMeters, StreamMeters, AutoCloseable {

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final boolean ownsRegistry;
  private final List<Meter> meters = new ArrayList<>();

  private final Counter enqueued;
  private final Counter retries;
  private final Counter recovered;
  private final Counter fencedOff;
  private final Counter completed;
  private final Counter soldOutFast;
  private final Map<FailureReason, Counter> failed = new EnumMap<>(FailureReason.class);
  private final Timer completedLatency;
  private final Timer failedLatency;
  private final Timer processing;
  private final Timer committedTransactions;
  private final Timer faultedTransactions;
  private final DistributionSummary transactionJobs;
  private final AtomicLong[] waiting;
  private final AtomicLong[] inProcess;
  private final Map<Long, SeatGauge> seatsLeft = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> dependencyUp = new ConcurrentHashMap<>();
  private final Map<String, Counter> throttled = new ConcurrentHashMap<>();
  private final AtomicLong streamsOpen = new AtomicLong();
  private final Counter streamEvents;

  private record SeatGauge(AtomicLong value, Gauge gauge) {
  }

  /** Enqueue to outcome includes the wait in line, which in a rush is minutes, not milliseconds. */
  private static final Duration[] LATENCY_BUCKETS = Metrics.durations(10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
      10_000, 30_000, 60_000, 120_000, 300_000, 600_000);
  private static final Duration[] WORK_BUCKETS = Metrics.durations(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500,
      5_000, 10_000, 30_000);

  private BookingMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, boolean ownsRegistry,
                         int shards, int maxBatchSize) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.ownsRegistry = ownsRegistry;
    enqueued = keep(Counter.builder("booking.jobs.enqueued")
        .description("Booking requests accepted into the queue by this node").register(registry));
    retries = keep(Counter.builder("booking.job.retries")
        .description("Job decisions retried after a fault (connection loss, lock timeout, deadlock...), counted per job")
        .register(registry));
    recovered = keep(Counter.builder("booking.jobs.recovered")
        .description("Jobs whose lease ran out (their worker died or stalled) returned to the front of their queue")
        .register(registry));
    soldOutFast = keep(Counter.builder("booking.jobs.sold.out.fast")
        .description("Jobs of a sold-out event answered SOLD_OUT by the queue without a PostgreSQL transaction "
            + "(the sold-out fast path); each is also counted in booking.jobs.finished")
        .register(registry));
    fencedOff = keep(Counter.builder("booking.shard.fenced")
        .description("Shards this node stood down from because a newer owner had claimed them (fencing)")
        .register(registry));
    // Completed jobs carry a reason label too: the label set of one metric name must be the same on every series.
    completed = keep(finishedCounter("completed", JobOutcome.NO_REASON));
    for (FailureReason reason : FailureReason.values()) {
      failed.put(reason, keep(finishedCounter("failed", reason.name())));
    }
    completedLatency = keep(latencyTimer("completed"));
    failedLatency = keep(latencyTimer("failed"));
    processing = keep(Timer.builder("booking.job.processing")
        .description("From a worker taking a job to its outcome being recorded")
        .serviceLevelObjectives(WORK_BUCKETS)
        .register(registry));
    committedTransactions = keep(transactionTimer("committed"));
    faultedTransactions = keep(transactionTimer("fault"));
    transactionJobs = keep(DistributionSummary.builder("booking.transaction.jobs")
        .description("Jobs of one event decided in one committed transaction (one row lock, one commit)")
        .baseUnit("jobs")
        .serviceLevelObjectives(powersOfTwoUpTo(maxBatchSize))
        .register(registry));
    keep(Gauge.builder("booking.status.streams.open", streamsOpen, AtomicLong::get)
        .description("Live status streams (Server-Sent Events) open on this node").register(registry));
    streamEvents = keep(Counter.builder("booking.status.stream.events")
        .description("Events sent on live status streams: initial states, positions and final outcomes (not heartbeats)")
        .register(registry));
    waiting = new AtomicLong[shards];
    inProcess = new AtomicLong[shards];
    for (int shard = 0; shard < shards; shard++) {
      waiting[shard] = new AtomicLong();
      inProcess[shard] = new AtomicLong();
      String tag = Integer.toString(shard);
      keep(Gauge.builder("booking.queue.waiting", waiting[shard], AtomicLong::get)
          .description("Jobs waiting in the shard's queue, sampled from Redis every second").tag("shard", tag)
          .register(registry));
      keep(Gauge.builder("booking.queue.processing", inProcess[shard], AtomicLong::get)
          .description("Jobs taken by the shard's worker and not yet decided, sampled from Redis every second")
          .tag("shard", tag).register(registry));
    }
  }

  /**
   * The meters of one application on {@code vertx}: off when {@code metricsEnabled} is false; in Vert.x's
   * Prometheus registry when this Vert.x collects metrics; otherwise in a Prometheus registry of its own.
   */
  public static BookingMetrics create(Vertx vertx, AppConfig config) {
    if (!config.metricsEnabled()) {
      return disabled();
    }
    MeterRegistry shared = vertx.isMetricsEnabled() ? BackendRegistries.getNow(Metrics.REGISTRY_NAME) : null;
    if (shared instanceof PrometheusMeterRegistry vertxRegistry) {
      return new BookingMetrics(vertxRegistry, vertxRegistry, false, config.shards(), config.maxBatchSize());
    }
    PrometheusMeterRegistry own = Metrics.newRegistry();
    return new BookingMetrics(own, own, true, config.shards(), config.maxBatchSize());
  }

  /** Meters that record nothing: for metrics off, and for verticles deployed on their own (tests). */
  public static BookingMetrics disabled() {
    return new BookingMetrics(new CompositeMeterRegistry(), null, true, 0, 1);
  }

  /** The registry {@code /metrics} serves, or null when metrics are off. */
  public PrometheusMeterRegistry prometheus() {
    return prometheus;
  }

  /** Whether Vert.x's own meters (HTTP, event bus, pools, JVM) are in {@link #prometheus()} too. */
  public boolean includesVertxMeters() {
    return prometheus != null && !ownsRegistry;
  }

  // ---- queue ----

  @Override
  public void jobEnqueued() {
    enqueued.increment();
  }

  /** Limit names are a handful of constants (see {@code RateLimit#name}), so the label stays bounded. */
  @Override
  public void throttled(String limit) {
    throttled.computeIfAbsent(limit, name -> keep(Counter.builder("booking.requests.throttled")
        .description("Requests refused with 429 by a rate limit, the open-job quota or a login lockout, by limit")
        .tag("limit", name).register(registry))).increment();
  }

  @Override
  public void jobsRecovered(int count) {
    recovered.increment(count);
  }

  /** Called by the queue's once-a-second sampler: the gauges cost no Redis call of their own. */
  @Override
  public void queueDepth(int shard, long waitingJobs, long processingJobs) {
    if (shard < waiting.length) {
      waiting[shard].set(waitingJobs);
      inProcess[shard].set(processingJobs);
    }
  }

  // ---- worker ----

  @Override
  public void jobFinished(JobOutcome outcome, long enqueuedAtMillis, long processingNanos) {
    (outcome.completed() ? completed : failed.get(outcome.reason())).increment();
    if (enqueuedAtMillis > 0) {
      long waited = Math.max(0, System.currentTimeMillis() - enqueuedAtMillis);
      (outcome.completed() ? completedLatency : failedLatency).record(waited, TimeUnit.MILLISECONDS);
    }
    processing.record(processingNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void jobsAnsweredSoldOut(int jobs) {
    soldOutFast.increment(jobs);
  }

  @Override
  public void shardFencedOff(int shard) {
    fencedOff.increment();
  }

  @Override
  public void jobsRetried(int jobs) {
    retries.increment(jobs);
  }

  @Override
  public void transaction(long nanos, int jobs, boolean committed) {
    if (committed) {
      committedTransactions.record(nanos, TimeUnit.NANOSECONDS);
      transactionJobs.record(jobs);
    } else {
      faultedTransactions.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  // ---- live status streams ----

  @Override
  public void streamOpened() {
    streamsOpen.incrementAndGet();
  }

  @Override
  public void streamClosed() {
    streamsOpen.decrementAndGet();
  }

  @Override
  public void streamEventsSent(int events) {
    streamEvents.increment(events);
  }

  // ---- sampled from PostgreSQL and Redis ----

  /**
   * Replaces the seats-left gauges with {@code seatsByEvent}: events no longer in it (started, deleted,
   * or no longer among the soonest) lose their gauge, so the label set stays bounded.
   */
  public void seatsLeft(Map<Long, Long> seatsByEvent) {
    seatsLeft.entrySet().removeIf(entry -> {
      if (seatsByEvent.containsKey(entry.getKey())) {
        return false;
      }
      registry.remove(entry.getValue().gauge());
      meters.remove(entry.getValue().gauge());
      return true;
    });
    seatsByEvent.forEach((eventId, seats) -> seatsLeft.computeIfAbsent(eventId, id -> {
      AtomicLong value = new AtomicLong();
      Gauge gauge = keep(Gauge.builder("booking.event.seats.left", value, AtomicLong::get)
          .description("Seats left of an event on sale (the soonest upcoming ones), sampled from PostgreSQL")
          .tag("event", Long.toString(id)).register(registry));
      return new SeatGauge(value, gauge);
    }).value().set(seats));
  }

  /**
   * A durability setting of PostgreSQL or Redis as read at start ({@code setting} e.g. {@code appendfsync}):
   * 1 safe, 0 unsafe, -1 could not be read.
   */
  public void durabilitySetting(String server, String setting, int state) {
    keep(Gauge.builder("booking.durability.setting", () -> state)
        .description("Durability setting of a server as read at start: 1 safe, 0 unsafe (a crash can lose accepted jobs"
            + " or confirmed bookings), -1 could not be read")
        .tag("server", server).tag("setting", setting).register(registry));
  }

  /** 1 when the last probe of {@code dependency} ("postgres", "redis") succeeded, 0 when it failed. */
  public void dependencyUp(String dependency, boolean up) {
    dependencyUp.computeIfAbsent(dependency, name -> {
      AtomicLong value = new AtomicLong();
      keep(Gauge.builder("booking.dependency.up", value, AtomicLong::get)
          .description("Whether this node reached the dependency at its last probe (1) or not (0)")
          .tag("dependency", name).register(registry));
      return value;
    }).set(up ? 1 : 0);
  }

  private static final String REPLICA_READS = "Reads that may lag (admin analytics), by the server that served them:"
      + " the replica, or the primary while the replica was unreachable, too far behind, or failed the read";

  /**
   * The read replica's gauges, read from the node's {@code state} at each scrape: its lag
   * ({@code booking_pg_replica_lag_seconds}; it keeps growing while the replica does not answer), whether it
   * answered its last probe ({@code booking_dependency_up{dependency="postgres-replica"}}), and where the reads
   * meant for it went ({@code booking_pg_replica_reads_total{served_by="replica"|"primary"}}).
   */
  public void replica(ReplicaState state) {
    keep(Gauge.builder("booking.pg.replica.lag.seconds", state, ReplicaState::lagSeconds)
        .description("Seconds the PostgreSQL read replica is behind the primary, sampled every second (NaN before it"
            + " first answered; while it does not answer, its last lag plus the time since)")
        .strongReference(true).register(registry));
    keep(Gauge.builder("booking.dependency.up", state, s -> s.answering() ? 1 : 0)
        .description("Whether this node reached the dependency at its last probe (1) or not (0)")
        .tag("dependency", "postgres-replica").strongReference(true).register(registry));
    keep(FunctionCounter.builder("booking.pg.replica.reads", state, ReplicaState::replicaReads)
        .description(REPLICA_READS)
        .tag("served_by", "replica").register(registry));
    keep(FunctionCounter.builder("booking.pg.replica.reads", state, ReplicaState::primaryFallbacks)
        .description(REPLICA_READS)
        .tag("served_by", "primary").register(registry));
  }

  /**
   * Takes this application's meters out of the registry: Vert.x's registry outlives an application
   * redeployed on the same Vert.x, and a gauge left behind would keep reporting the old one's values.
   */
  @Override
  public void close() {
    if (ownsRegistry) {
      registry.close();
      return;
    }
    synchronized (meters) {
      meters.forEach(registry::remove);
      meters.clear();
    }
  }

  private <M extends Meter> M keep(M meter) {
    synchronized (meters) {
      meters.add(meter);
    }
    return meter;
  }

  private Counter finishedCounter(String outcome, String reason) {
    return Counter.builder("booking.jobs.finished")
        .description("Jobs whose outcome was recorded, by outcome and failure reason")
        .tag("outcome", outcome).tag("reason", reason).register(registry);
  }

  private Timer latencyTimer(String outcome) {
    return timer("booking.job.latency", "outcome", outcome, LATENCY_BUCKETS,
        "From a booking request being accepted to its outcome being recorded (queue wait included)");
  }

  private Timer transactionTimer(String result) {
    return timer("booking.transaction.duration", "result", result, WORK_BUCKETS,
        "One booking transaction of one event (row lock, inserts, commit), pool wait included");
  }

  private Timer timer(String name, String tag, String value, Duration[] buckets, String description) {
    return Timer.builder(name).description(description).tag(tag, value).serviceLevelObjectives(buckets).register(registry);
  }

  private static double[] powersOfTwoUpTo(int max) {
    int count = 1;
    while ((1L << (count - 1)) < max) {
      count++;
    }
    double[] out = new double[count];
    for (int i = 0; i < count; i++) {
      out[i] = 1L << i;
    }
    return out;
  }
}
