package io.aurora.booking.queue;

import io.aurora.booking.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;

/**
 * The {@code WAIT}s of one connection ({@code redisMinReplicas} ≥ 1): a request whose writes are done on the
 * connection is answered 202 only once that many replicas have them. {@code WAIT} counts every write the
 * connection made before it, so one {@code WAIT} confirms all the requests whose writes were answered by the
 * time it is sent, and only one is in flight at a time: while replicas are missing, each {@code WAIT} holds
 * the connection for its whole timeout, and one per request in a row would hold it for many of them.
 * Used from the event loop of its verticle only.
 */
final class ReplicaConfirmations {

  private final RedisConnection connection;
  private final int replicas;
  private final int timeoutMillis;
  private Future<Void> inFlight = Future.succeededFuture();
  /** The next {@code WAIT}, shared by the requests that ask before it is sent; null when none is due. */
  private Future<Void> next;

  ReplicaConfirmations(RedisConnection connection, int replicas, int timeoutMillis) {
    this.connection = connection;
    this.replicas = replicas;
    this.timeoutMillis = timeoutMillis;
  }

  boolean on(RedisConnection other) {
    return connection == other;
  }

  /**
   * Completes when {@code replicas} replicas have every write the connection made so far; fails with a 503
   * (Retry-After) when fewer confirm within the timeout, or the connection fails.
   */
  Future<Void> confirm() {
    Future<Void> due = next;
    if (due == null) {
      Promise<Void> shared = Promise.promise();
      Future<Void> mine = shared.future();
      due = mine;
      next = mine;
      // Registered after `next` is set: an idle connection runs this at once, and it must clear `next` then.
      inFlight.onComplete(previous -> {
        if (next == mine) {
          next = null;
        }
        inFlight = send();
        inFlight.onComplete(shared);
      });
    }
    return due;
  }

  private Future<Void> send() {
    return connection.send(Request.cmd(Command.WAIT).arg(replicas).arg(timeoutMillis)).compose(confirmed -> {
      if (confirmed.toInteger() >= replicas) {
        return Future.succeededFuture();
      }
      return Future.failedFuture(ErrorCode.SERVICE_UNAVAILABLE.error("The booking could not be confirmed on " + replicas
          + " Redis replica(s) in time; retry with the same Idempotency-Key"));
    });
  }
}
