package io.aurora.booking.bus;

import io.aurora.booking.http.ApiException;
import io.aurora.booking.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The HTTP side's handle on the queue verticle: a request over the event bus, with the verticle's typed
 * failures turned back into {@link ApiException}s and a missing or silent queue into a 503.
 */
public final class Requests {

  /**
   * Local only: every node runs a queue verticle on the same Redis, so the node that took the HTTP request
   * answers it, and a node that dies (or is not yet known dead) is never on another node's request path.
   */
  private static final DeliveryOptions OPTIONS = new DeliveryOptions().setSendTimeout(5_000).setLocalOnly(true);

  private final Vertx vertx;

  public Requests(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, OPTIONS)
        .map(Message::body)
        .recover(Requests::toApiException);
  }

  /** How a consumer of the queue's addresses answers a failure: the error code travels as JSON. */
  public static void replyFailure(Message<?> msg, Throwable failure) {
    ApiException error = failure instanceof ApiException api ? api
        : io.aurora.booking.infra.Faults.isTransient(failure)
            ? ErrorCode.SERVICE_UNAVAILABLE.error("The queue store is unavailable; please retry shortly")
            : ErrorCode.INTERNAL.error("Internal error");
    msg.fail(error.code().status(), new JsonObject().put("error", error.code().name()).put("message", error.getMessage()).encode());
  }

  private static <T> Future<T> toApiException(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.getMessage() != null
          && reply.getMessage().startsWith("{")) {
        JsonObject body = new JsonObject(reply.getMessage());
        return Future.failedFuture(new ApiException(ErrorCode.valueOf(body.getString("error")), body.getString("message")));
      }
      return Future.failedFuture(ErrorCode.SERVICE_UNAVAILABLE.error("The queue is not answering; please retry shortly"));
    }
    return Future.failedFuture(failure);
  }
}
