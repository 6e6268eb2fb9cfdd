package io.aurora.booking.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** Runs {@code total} numbered tasks with at most {@code lanes} of them in flight: the benches' pacing of clients. */
final class InFlight {

  private InFlight() {
  }

  /** Completes when every task has completed (failed or not). */
  static Future<Void> run(Vertx vertx, int lanes, int total, IntFunction<Future<Void>> task) {
    if (total == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger running = new AtomicInteger(Math.min(lanes, total));
    for (int lane = 0; lane < Math.min(lanes, total); lane++) {
      vertx.runOnContext(v -> lane(next, total, task, running, done));
    }
    return done.future();
  }

  private static void lane(AtomicInteger next, int total, IntFunction<Future<Void>> task, AtomicInteger running,
                           Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= total) {
      if (running.decrementAndGet() == 0) {
        done.complete();
      }
      return;
    }
    task.apply(i).onComplete(ar -> lane(next, total, task, running, done));
  }
}
