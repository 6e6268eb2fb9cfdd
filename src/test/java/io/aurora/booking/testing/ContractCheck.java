package io.aurora.booking.testing;

import io.aurora.booking.http.ApiContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.HttpContext;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks every response a test's HTTP client receives from the application against the OpenAPI document:
 * its status must be one the operation declares, and its headers and body must match the declared schema
 * (vertx-openapi's {@link ResponseValidator}). A mismatch fails the request, so the test that saw it fails
 * and names the exchange. A response to a path the document does not know (an unknown route, a wrong
 * method) must still be the API's error shape.
 *
 * <p>It also records which operations the suite has exercised, for {@code ResponseConformanceTest}, which
 * runs last and asks that every operation was.
 *
 * <p>The hook is the web client's interceptor ({@link WebClient#addInterceptor}), the one place every
 * response of a {@link WebClient} passes, whichever test helper or test sent the request. Its context type
 * lives in the web client's impl package (not Vert.x core's internals).
 */
public final class ContractCheck {

  /** The operation ids of the responses seen so far in this JVM, whatever their status. */
  private static final Set<String> EXERCISED = ConcurrentHashMap.newKeySet();
  private static final String METRICS_PATH = "/metrics";
  /** The document, read and checked once per Vert.x (a test class's applications share theirs). */
  private static final Map<Vertx, OpenAPIContract> CONTRACTS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
  private static final Set<Integer> ROUTER_ERRORS = Set.of(400, 404, 405, 408, 413, 503);

  private final OpenAPIContract contract;
  private final ResponseValidator validator;
  /** Where the application serves what the document calls {@code /metrics} (config {@code metricsPath}). */
  private final String metricsPath;

  private ContractCheck(Vertx vertx, OpenAPIContract contract, String metricsPath) {
    this.contract = contract;
    this.metricsPath = metricsPath;
    this.validator = ResponseValidator.create(vertx, contract);
  }

  /** Checks every response {@code client} receives from now on; returns {@code client}. */
  public static WebClient attach(Vertx vertx, WebClient client) {
    return attach(vertx, client, METRICS_PATH);
  }

  /** As {@link #attach(Vertx, WebClient)}, for an application serving its metrics on {@code metricsPath}. */
  public static WebClient attach(Vertx vertx, WebClient client, String metricsPath) {
    OpenAPIContract contract = CONTRACTS.computeIfAbsent(vertx, v -> TestApp.await(ApiContract.load(v)).contract());
    ContractCheck check = new ContractCheck(vertx, contract, metricsPath);
    client.addInterceptor(check::intercept);
    return client;
  }

  /** The operation ids exercised so far in this JVM. */
  public static Set<String> exercised() {
    return Set.copyOf(EXERCISED);
  }

  private void intercept(HttpContext<?> ctx) {
    if (ctx.phase() != ClientPhase.DISPATCH_RESPONSE || !(ctx.response().body() instanceof Buffer)
        && ctx.response().body() != null) {
      ctx.next();
      return;
    }
    @SuppressWarnings("unchecked")
    HttpResponse<Buffer> response = (HttpResponse<Buffer>) ctx.response();
    HttpMethod method = ctx.request().method();
    String uri = ctx.request().uri();
    // Not java.net.URI: the tests also send paths no parser accepts ("%zz"), to see them refused.
    String path = uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
    check(method, path, response).onComplete(checked -> {
      if (checked.succeeded()) {
        ctx.next();
      } else {
        ctx.fail(new AssertionError("Response breaks the OpenAPI contract: " + method + " " + path + " -> "
            + response.statusCode() + " " + abbreviated(response.bodyAsString()) + ": " + checked.cause().getMessage(), checked.cause()));
      }
    });
  }

  Future<Void> check(HttpMethod method, String path, HttpResponse<Buffer> response) {
    Operation operation = contract.findOperation(path.equals(metricsPath) ? METRICS_PATH : path, method);
    if (operation == null && path.endsWith("/")) {
      // A directory of the console is its index page; OpenAPI path parameters cannot be empty.
      operation = contract.findOperation(path + "index.html", method);
    }
    if (operation == null) {
      return routerError(response);
    }
    EXERCISED.add(operation.getOperationId());
    Map<String, String> headers = new HashMap<>();
    response.headers().forEach(header -> headers.putIfAbsent(header.getKey(), header.getValue()));
    String contentType = response.getHeader("Content-Type");
    Buffer body = response.body();
    // A response documented without content (the console's static files) has its status and headers checked.
    io.vertx.openapi.contract.Response declared = operation.getResponse(response.statusCode());
    // A body that is not JSON (the Prometheus text) has its status, headers and declared media type checked.
    boolean untyped = declared != null && (declared.getContent().isEmpty()
        || contentType != null && !contentType.startsWith("application/json")
        && declared.getContent().containsKey(mediaType(contentType)));
    if (untyped) {
      return Future.succeededFuture(); // its status is declared, and so is its media type if it has one
    }
    ValidatableResponse validatable = body == null || body.length() == 0 || contentType == null
        ? ValidatableResponse.create(response.statusCode(), headers)
        : ValidatableResponse.create(response.statusCode(), headers, body, mediaType(contentType));
    return validator.validate(validatable, operation.getOperationId()).mapEmpty();
  }

  private static String abbreviated(String body) {
    return body == null || body.length() <= 300 ? String.valueOf(body) : body.substring(0, 300) + "...";
  }

  /**
   * Prometheus' {@code text/plain; version=0.0.4; charset=utf-8} is the document's {@code text/plain}; so is the
   * status stream's {@code text/event-stream}, as the validator was given it ({@link ApiContract#EVENT_STREAM}).
   */
  private static String mediaType(String contentType) {
    return contentType.startsWith("text/plain") || contentType.equals(ApiContract.EVENT_STREAM) ? "text/plain" : contentType;
  }

  private static Future<Void> routerError(HttpResponse<Buffer> response) {
    if (!ROUTER_ERRORS.contains(response.statusCode())) {
      return Future.failedFuture("status " + response.statusCode() + " on a path and method the document does not have");
    }
    try {
      JsonObject error = response.bodyAsJsonObject();
      if (error != null && error.size() == 2 && error.getValue("error") instanceof String
          && error.getValue("message") instanceof String) {
        return Future.succeededFuture();
      }
    } catch (RuntimeException notJson) {
      // falls through
    }
    return Future.failedFuture("not the {\"error\",\"message\"} shape");
  }
}
