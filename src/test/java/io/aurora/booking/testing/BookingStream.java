package io.aurora.booking.testing;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Booking requests sent over HTTP to the nodes of a {@link LocalCluster}, round robin over the nodes that
 * are alive when each request leaves, with at most {@code concurrency} in flight and, when
 * {@code perSecond > 0}, at about that pace. Only accepted (202) jobs count; a request that a dying node
 * never answers is counted as refused, like a client that would retry elsewhere.
 */
public final class BookingStream {

  /** One request to make: who books which event. */
  public record Booking(TestApp.TestUser user, long eventId) {
  }

  /** An accepted job: its booking and the node that accepted it. */
  public record Accepted(Booking booking, String node) {
  }

  private final WebClient http;
  private final List<Booking> bookings;
  private final Supplier<List<NodeProcess>> targets;
  private final int concurrency;
  private final int perSecond;
  private final Context context;
  private final Promise<Void> done = Promise.promise();
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  public final AtomicInteger refused = new AtomicInteger();
  public final AtomicInteger rejected = new AtomicInteger();
  public final Map<String, Accepted> accepted = new ConcurrentHashMap<>();
  private int roundRobin;
  private long pacer = -1;
  private boolean unpaced;
  private volatile int limit;

  public BookingStream(Vertx vertx, WebClient http, List<Booking> bookings, Supplier<List<NodeProcess>> targets,
                       int concurrency, int perSecond) {
    this.http = http;
    this.bookings = bookings;
    this.targets = targets;
    this.concurrency = concurrency;
    this.perSecond = perSecond;
    this.context = vertx.getOrCreateContext();
    this.limit = bookings.size();
  }

  public BookingStream start() {
    context.runOnContext(v -> {
      unpaced = perSecond <= 0;
      if (!unpaced) {
        int perTick = Math.max(1, perSecond / 50);
        pacer = context.owner().setPeriodic(20, id -> {
          for (int i = 0; i < perTick; i++) {
            sendOne();
          }
        });
      } else {
        for (int i = 0; i < concurrency; i++) {
          sendOne();
        }
      }
    });
    return this;
  }

  /**
   * The story this stream was the background of is over: send {@code more} requests (or what is left) as
   * fast as {@code concurrency} allows, then complete.
   */
  public void finishAfter(int more) {
    context.runOnContext(v -> {
      if (pacer >= 0) {
        context.owner().cancelTimer(pacer);
        pacer = -1;
      }
      limit = Math.min(limit, next.get() + more);
      unpaced = true;
      if (answered.get() >= limit && next.get() >= limit) {
        done.tryComplete();
        return;
      }
      for (int i = 0; i < concurrency; i++) {
        sendOne();
      }
    });
  }

  /** Requests that have left so far. */
  public int sent() {
    return Math.min(next.get(), limit);
  }

  public boolean finished() {
    return done.future().isComplete();
  }

  public io.vertx.core.Future<Void> completion() {
    return done.future();
  }

  private void sendOne() {
    if (inFlight.get() >= concurrency) {
      return;
    }
    if (next.get() >= limit) {
      if (pacer >= 0) {
        context.owner().cancelTimer(pacer);
        pacer = -1;
      }
      return;
    }
    int index = next.getAndIncrement();
    List<NodeProcess> alive = targets.get();
    NodeProcess node = alive.get(roundRobin++ % alive.size());
    Booking booking = bookings.get(index);
    inFlight.incrementAndGet();
    http.post(node.httpPort, "127.0.0.1", "/api/bookings/" + booking.eventId() + "/book")
        .bearerTokenAuthentication(booking.user().token())
        .timeout(10_000)
        .send()
        .onComplete(ar -> {
          inFlight.decrementAndGet();
          if (ar.failed()) {
            refused.incrementAndGet();
          } else if (ar.result().statusCode() == 202) {
            accepted.put(ar.result().bodyAsJsonObject().getString("jobId"), new Accepted(booking, node.name));
          } else {
            rejected.incrementAndGet();
          }
          if (answered.incrementAndGet() >= limit && inFlight.get() == 0) {
            done.tryComplete();
          } else if (unpaced) {
            sendOne();
          }
        });
  }
}
