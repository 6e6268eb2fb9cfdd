package io.aurora.booking.infra;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one node knows of its PostgreSQL read replica, shared by its verticles: whether it answered its last
 * probe, how far behind the primary it was then, and how many reads it served or sent to the primary instead.
 * {@link ReplicaSampler} writes it once a second; {@link ReplicaReads} decides by it where each read goes; the
 * metrics read it as gauges. Nothing here decides a booking: the replica only ever serves reads that may lag.
 */
public final class ReplicaState {

  private final double maxLagSeconds;
  private volatile boolean answering;
  /** The lag the replica reported at its last answer (NaN before the first). */
  private volatile double lastLagSeconds = Double.NaN;
  private volatile long lastAnswerNanos;
  private final LongAdder replicaReads = new LongAdder();
  private final LongAdder primaryFallbacks = new LongAdder();

  /** @param maxLagSeconds a replica further behind than this is not read from ({@code pgReadMaxLagSeconds}) */
  public ReplicaState(double maxLagSeconds) {
    this.maxLagSeconds = maxLagSeconds;
  }

  /** The replica answered its probe, {@code lagSeconds} behind; returns whether it was not answering before. */
  public boolean answered(double lagSeconds) {
    return answered(lagSeconds, System.nanoTime());
  }

  boolean answered(double lagSeconds, long nowNanos) {
    boolean back = !answering;
    lastLagSeconds = Math.max(0, lagSeconds);
    lastAnswerNanos = nowNanos;
    answering = true;
    return back;
  }

  /** The replica did not answer (a probe or a read failed with a fault); returns whether it was answering before. */
  public boolean unreachable() {
    boolean lost = answering;
    answering = false;
    return lost;
  }

  /** Whether reads may go to the replica: it answered its last probe and was no further behind than allowed. */
  public boolean usable() {
    return answering && lastLagSeconds <= maxLagSeconds;
  }

  public boolean answering() {
    return answering;
  }

  /**
   * Seconds the replica is behind the primary. While it answers: its lag at the last probe. While it does not:
   * that lag plus the time since, since its data stays where it stopped while the primary goes on (an upper
   * bound when the primary has been idle), so an alert on the lag also fires for a replica that is gone.
   * NaN until it first answered.
   */
  public double lagSeconds() {
    return lagSeconds(System.nanoTime());
  }

  double lagSeconds(long nowNanos) {
    double lag = lastLagSeconds;
    if (answering || Double.isNaN(lag)) {
      return lag;
    }
    return lag + (nowNanos - lastAnswerNanos) / 1e9;
  }

  void readFromReplica() {
    replicaReads.increment();
  }

  void fellBackToPrimary() {
    primaryFallbacks.increment();
  }

  /** Reads the replica served. */
  public double replicaReads() {
    return replicaReads.sum();
  }

  /** Reads meant for the replica that the primary served: it was unreachable, too far behind, or failed the read. */
  public double primaryFallbacks() {
    return primaryFallbacks.sum();
  }
}
