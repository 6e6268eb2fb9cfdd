package io.aurora.booking.bus;

import io.aurora.booking.http.ApiException;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.infra.Faults;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Requests to a service of this node over the event bus, both ends: {@link #send} for the asker, which gets
 * the answer or an {@link ApiException}, and {@link #reply} for the service. A failure travels typed, as a
 * {@link ReplyException} whose failure code is the {@link ErrorCode}'s; a missing or silent service is a 503.
 */
public final class Requests {

  /**
   * Local only: every node runs the queue and the cluster status on the same Redis, so the node that took the
   * HTTP request answers it, and a node that dies (or is not yet known dead) is never on another one's path.
   */
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setSendTimeout(5_000).setLocalOnly(true);

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Requests.class);

  private final Vertx vertx;

  public Requests(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Asks the service at {@code address}; {@code body} is a record of {@link Messages}, or null. */
  public <T> Future<T> send(String address, Object body) {
    return vertx.eventBus().<T>request(address, body, LOCAL)
        .map(Message::body)
        .recover(Requests::toApiException);
  }

  /** Answers {@code request} with the outcome of {@code answer}: its value, or its failure, typed. */
  public static <T> Future<T> reply(Message<?> request, Future<T> answer) {
    return answer.onSuccess(request::reply).onFailure(failure -> {
      ApiException error = failure instanceof ApiException api ? api
          : Faults.isTransient(failure)
              ? ErrorCode.SERVICE_UNAVAILABLE.error("The queue store is unavailable; please retry shortly")
              : internal(request, failure);
      request.fail(error.code().failureCode(), error.getMessage());
    });
  }

  /** A failure that is neither typed nor a fault: a bug, logged here with its cause (the asker only sees a 500). */
  private static ApiException internal(Message<?> request, Throwable failure) {
    LOG.error("Request to {} failed", request.address(), failure);
    return ErrorCode.INTERNAL.error("Internal error");
  }

  private static <T> Future<T> toApiException(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        ErrorCode code = ErrorCode.ofFailureCode(reply.failureCode()).orElse(ErrorCode.INTERNAL);
        return Future.failedFuture(code.error(code == ErrorCode.INTERNAL ? "Internal error" : reply.getMessage()));
      }
      return Future.failedFuture(ErrorCode.SERVICE_UNAVAILABLE.error("The queue is not answering; please retry shortly"));
    }
    return Future.failedFuture(failure);
  }
}
