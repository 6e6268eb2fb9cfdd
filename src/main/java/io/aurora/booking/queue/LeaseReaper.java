package io.aurora.booking.queue;

import io.aurora.booking.bus.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.v;

/**
 * Hands the jobs of dead or stuck workers back: once a second, every shard's jobs whose lease ran out go
 * back to the front of their queue, and the shard's worker is woken. One instance per node; a reap is one
 * atomic script, so the nodes of a cluster reaping the same shards never hand a job back twice.
 */
public final class LeaseReaper extends ShardChore {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseReaper.class);
  private static final int LIMIT_PER_ROUND = 1_000;

  public LeaseReaper(QueueMeters metrics) {
    super("booking-queue-reaper", metrics);
  }

  @Override
  void round() {
    for (int s = 0; s < config.shards(); s++) {
      int shard = s;
      queue.reap(shard, LIMIT_PER_ROUND)
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
}
