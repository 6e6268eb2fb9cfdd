package io.aurora.booking.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Two time limits on every request, so that neither a slow client nor a stuck dependency holds a
 * connection open for long:
 *
 * <ul>
 *   <li>its body must arrive within {@code bodyMillis} of its headers: a client trickling its body is
 *       answered 408 {@code REQUEST_TIMEOUT} and its connection closed (the rest of the body is never read);</li>
 *   <li>once the body is in, the answer must be ready within {@code answerMillis}: a request still waiting on
 *       PostgreSQL or Redis (a frozen server, a full pool) is answered 503 {@code SERVICE_UNAVAILABLE} with
 *       {@code Retry-After}. The work it started may still finish; a booking retried with the same
 *       {@code Idempotency-Key} finds its job.</li>
 * </ul>
 *
 * vertx-web's {@code TimeoutHandler} has one limit and one status for both; telling a slow client from a
 * stuck server needs the request's own end, so this handler takes its place.
 */
public final class RequestDeadline implements Handler<RoutingContext> {

  private final long bodyMillis;
  private final long answerMillis;

  public RequestDeadline(long bodyMillis, long answerMillis) {
    this.bodyMillis = bodyMillis;
    this.answerMillis = answerMillis;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.isEnded()) {
      answerWithin(ctx);
    } else {
      long timer = ctx.vertx().setTimer(bodyMillis, id -> bodyTooSlow(ctx));
      request.end().onComplete(done -> {
        if (ctx.vertx().cancelTimer(timer)) {
          answerWithin(ctx);
        }
      });
      ctx.addEndHandler(done -> ctx.vertx().cancelTimer(timer));
    }
    ctx.next();
  }

  private void answerWithin(RoutingContext ctx) {
    long timer = ctx.vertx().setTimer(answerMillis, id -> {
      // An answer under way (its head is written: a live status stream) is not late; only one not begun is.
      if (!ctx.response().ended() && !ctx.response().headWritten()) {
        ErrorHandler.send(ctx, ErrorCode.SERVICE_UNAVAILABLE.error(
            "The service could not answer in time (a backing service is slow or unavailable); please retry shortly"));
      }
    });
    ctx.addEndHandler(done -> ctx.vertx().cancelTimer(timer));
  }

  private static void bodyTooSlow(RoutingContext ctx) {
    if (ctx.response().ended()) {
      return;
    }
    // The client is still sending: once the answer is on the wire, the connection is of no further use.
    ctx.addBodyEndHandler(v -> ctx.request().connection().close());
    ctx.response().putHeader("Connection", "close");
    ErrorHandler.send(ctx, ErrorCode.REQUEST_TIMEOUT.error("The request body did not arrive in time"));
  }
}
