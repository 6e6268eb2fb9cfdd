package io.aurora.booking.http;

import io.aurora.booking.infra.Faults;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns a failed request into {@code {"error","message"}} with the right status. */
public final class ErrorHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

  @Override
  public void handle(RoutingContext ctx) {
    ApiException error = classify(ctx.failure(), ctx.statusCode());
    if (error.code() == ErrorCode.INTERNAL) {
      LOG.error("Unexpected failure on {} {}", ctx.request().method(), ctx.normalizedPath(), ctx.failure());
    } else if (error.code() == ErrorCode.SERVICE_UNAVAILABLE) {
      LOG.warn("Dependency unavailable on {} {}: {}", ctx.request().method(), ctx.normalizedPath(),
          ctx.failure() == null ? "" : ctx.failure().toString());
    }
    send(ctx, error);
  }

  /**
   * A request the HTTP codec could not parse (a request line over 4 KB, headers over 8 KB, a line that is not
   * HTTP): it never reaches the router, and Vert.x's own answer has an empty body. This one answers the same
   * status with the usual JSON error, then closes the connection, whose framing can no longer be trusted.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ApiException error;
    if (cause instanceof TooLongHttpLineException) {
      error = ErrorCode.URI_TOO_LONG.error("The request line is too long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = ErrorCode.HEADERS_TOO_LARGE.error("The request headers are too large");
    } else if (cause instanceof TooLongFrameException) {
      error = ErrorCode.PAYLOAD_TOO_LARGE.error("A part of the request is too large");
    } else {
      error = ErrorCode.MALFORMED_REQUEST.error("The request is not well-formed HTTP");
    }
    request.response()
        .setStatusCode(error.code().status())
        .putHeader("Content-Type", "application/json")
        .putHeader("Connection", "close")
        .end(new JsonObject().put("error", error.code().name()).put("message", error.getMessage()).encode())
        .onComplete(done -> request.connection().close());
  }

  public static void send(RoutingContext ctx, ApiException error) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    if (error.code().status() == 503) {
      ctx.response().putHeader("Retry-After", "1");
    }
    ctx.response()
        .setStatusCode(error.code().status())
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", error.code().name()).put("message", error.getMessage()).encode());
  }

  static ApiException classify(Throwable failure, int status) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof DecodeException) {
      return ErrorCode.INVALID_JSON.error("Request body is not valid JSON");
    }
    if (failure instanceof HttpException http) {
      return byStatus(http.getStatusCode(), http.getPayload());
    }
    if (failure != null && Faults.isTransient(failure)) {
      return ErrorCode.SERVICE_UNAVAILABLE.error("A backing service is unavailable; please retry shortly");
    }
    if (failure == null && status > 0) {
      return byStatus(status, null);
    }
    return ErrorCode.INTERNAL.error("Internal error");
  }

  private static ApiException byStatus(int status, String payload) {
    return switch (status) {
      case 400 -> ErrorCode.VALIDATION_FAILED.error(payload != null ? payload : "Bad request");
      case 401 -> ErrorCode.UNAUTHORIZED.error("A valid bearer token is required");
      case 403 -> ErrorCode.FORBIDDEN.error("You are not allowed to do this");
      case 404 -> ErrorCode.NOT_FOUND.error("No such resource");
      case 405 -> ErrorCode.METHOD_NOT_ALLOWED.error("Method not allowed on this resource");
      case 408 -> ErrorCode.REQUEST_TIMEOUT.error("The request did not arrive in time");
      case 413 -> ErrorCode.PAYLOAD_TOO_LARGE.error("Request body is too large");
      case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE.error("Send application/json");
      case 429 -> ErrorCode.RATE_LIMITED.error("Too many requests");
      case 503 -> ErrorCode.SERVICE_UNAVAILABLE.error("Service unavailable; please retry shortly");
      default -> status >= 400 && status < 500
          ? ErrorCode.VALIDATION_FAILED.error("Bad request")
          : ErrorCode.INTERNAL.error("Internal error");
    };
  }
}
