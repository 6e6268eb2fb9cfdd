package io.aurora.booking.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;

/**
 * A request that {@link ApiContract#validate} has checked against its operation in the API document: its
 * parameters and body, read without checking them a second time. The document's schema holds the ranges
 * and patterns; a handler reads the values from here and keeps by hand only what a schema cannot say
 * (trimming, an e-mail's normal form, a start in the future).
 */
public final class Validated {

  private static final String KEY = "aurora.validatedRequest";

  private final ValidatedRequest request;
  private final JsonObject body;

  private Validated(ValidatedRequest request, JsonObject body) {
    this.request = request;
    this.body = body;
  }

  static void attach(RoutingContext ctx, ValidatedRequest request, JsonObject body) {
    ctx.put(KEY, new Validated(request, body));
  }

  /**
   * The validated request of a route mounted behind {@link ApiContract#validate}.
   *
   * @throws IllegalStateException when the route has no contract check (a wiring mistake, not bad input)
   */
  public static Validated of(RoutingContext ctx) {
    Validated validated = ctx.get(KEY);
    if (validated == null) {
      throw new IllegalStateException("Route " + ctx.normalizedPath() + " reads a validated request but has no contract check");
    }
    return validated;
  }

  /** The JSON body, parsed once ({@code {}} when the operation's body is optional and none was sent). */
  public JsonObject body() {
    return body;
  }

  /** A path parameter the document declares as a positive id. */
  public long pathId(String name) {
    return Long.parseLong(request.getPathParameters().get(name).getString());
  }

  /** A query parameter the document declares as a positive id, or null when absent. */
  public Long queryId(String name) {
    RequestParameter value = request.getQuery().get(name);
    return value == null || value.isNull() ? null : Long.valueOf(value.getString());
  }

  /** A query parameter the document declares as an integer within its range; {@code absent} when not sent. */
  public int queryInt(String name, int absent) {
    RequestParameter value = request.getQuery().get(name);
    return value == null || value.isNull() ? absent : value.getInteger();
  }

  /** A query parameter the document declares as a boolean; false when not sent. */
  public boolean flag(String name) {
    RequestParameter value = request.getQuery().get(name);
    return value != null && !value.isNull() && value.getBoolean();
  }
}
