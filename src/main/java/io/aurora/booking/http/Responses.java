package io.aurora.booking.http;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The one way a handler answers with JSON. Errors go through {@link ErrorHandler} instead. */
public final class Responses {

  private Responses() {
  }

  public static void sendJson(RoutingContext ctx, int status, Object body) {
    if (ctx.response().ended()) {
      return; // already answered, e.g. 503 by the request's deadline (RequestDeadline)
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body instanceof JsonObject json ? json.toBuffer() : Json.encodeToBuffer(body));
  }
}
