package io.aurora.booking.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatorException;

import java.util.HashMap;
import java.util.Map;

/**
 * The API's contract: the OpenAPI 3.1 document {@code openapi.json} on the classpath, kept in the repository
 * next to the code it describes. Loading it through vertx-openapi checks it against the OpenAPI 3.1
 * meta-schema, so a start with a broken document fails. It is served as is at {@code GET /openapi.json},
 * it validates requests ({@link #validate}), and the test suite checks every response it sees against it.
 */
public final class ApiContract {

  /** The document's classpath resource. */
  public static final String RESOURCE = "openapi.json";
  /** Where the document is served. */
  public static final String PATH = "/openapi.json";

  private final OpenAPIContract contract;
  private final RequestValidator validator;
  private final Buffer document;

  private ApiContract(Vertx vertx, OpenAPIContract contract, Buffer document) {
    this.contract = contract;
    this.validator = RequestValidator.create(vertx, contract);
    this.document = document;
  }

  /**
   * A response media type the document declares that vertx-openapi 5.0 cannot load (it refuses any media
   * type outside its short list): the live status stream's. Its body is text, so the validator is given it
   * as {@code text/plain}; the served document keeps it as it is.
   */
  public static final String EVENT_STREAM = "text/event-stream";

  /** Reads and validates the document; fails when it is not a valid OpenAPI 3.1 document. */
  public static Future<ApiContract> load(Vertx vertx) {
    return vertx.fileSystem().readFile(RESOURCE)
        .compose(document -> OpenAPIContract.from(vertx, loadable(document.toJsonObject()))
            .map(contract -> new ApiContract(vertx, contract, document)));
  }

  /** The document with every {@link #EVENT_STREAM} response declared as {@code text/plain} (see there). */
  private static JsonObject loadable(JsonObject document) {
    JsonObject copy = document.copy();
    JsonObject paths = copy.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject operations = paths.getJsonObject(path);
      for (String method : operations.fieldNames()) {
        Object operation = operations.getValue(method);
        JsonObject responses = operation instanceof JsonObject op ? op.getJsonObject("responses") : null;
        if (responses == null) {
          continue;
        }
        for (String status : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(status).getJsonObject("content");
          if (content != null && content.containsKey(EVENT_STREAM)) {
            content.put("text/plain", content.remove(EVENT_STREAM));
          }
        }
      }
    }
    return copy;
  }

  public OpenAPIContract contract() {
    return contract;
  }

  /** Answers with the document, byte for byte as it is kept in the repository. */
  public void serve(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").end(document);
  }

  /**
   * A route handler that checks the request against the operation {@code operationId} of the document
   * (path, query and header parameters, and the JSON body against its schema) before the route's own
   * handler runs; a request that breaks it is answered 400 {@code VALIDATION_FAILED} naming what is wrong. A
   * body that is not a JSON object at all is {@code INVALID_JSON}, as {@link Input#jsonBody} says. Mount it
   * after the route's guard, so that a caller without a token learns no more than 401.
   *
   * <p>The route's handler reads the checked request through {@link Validated#of}, without checking it again.
   * What a schema cannot say stays in the handlers: trimming, an email's shape, bcrypt's byte limit, a
   * start in the future.
   *
   * @throws IllegalArgumentException at mount time when the document has no such operation
   */
  public Handler<RoutingContext> validate(String operationId) {
    Operation operation = contract.operation(operationId);
    if (operation == null) {
      throw new IllegalArgumentException("The API document has no operation " + operationId);
    }
    boolean jsonBody = operation.getRequestBody() != null;
    boolean bodyRequired = jsonBody && operation.getRequestBody().isRequired();
    return ctx -> {
      JsonObject body = jsonBody ? Input.jsonBody(ctx, !bodyRequired) : null;
      validator.validate(new RoutedRequest(ctx, jsonBody), operationId)
          .onSuccess(validated -> {
            Validated.attach(ctx, validated, body);
            ctx.next();
          })
          .onFailure(failure -> ctx.fail(rejection(failure)));
    };
  }

  private static Throwable rejection(Throwable failure) {
    if (failure instanceof SchemaValidationException invalid && invalid.getOutputUnit() != null) {
      String where = invalid.getOutputUnit().getInstanceLocation();
      String field = where == null || where.isEmpty() || "#".equals(where) ? "" : "'" + where.replaceFirst("^#?/", "") + "': ";
      return ErrorCode.VALIDATION_FAILED.error(field + invalid.getMessage());
    }
    if (failure instanceof ValidatorException invalid) {
      return ErrorCode.VALIDATION_FAILED.error(invalid.getMessage());
    }
    return failure;
  }

  /**
   * The request as the validator reads it: the router's path parameters, the query and headers as sent, and
   * the body as JSON (the application takes a JSON body whatever its Content-Type says).
   */
  private record RoutedRequest(RoutingContext ctx, boolean jsonBody) implements ValidatableRequest {

    @Override
    public Map<String, RequestParameter> getCookies() {
      return Map.of();
    }

    @Override
    public Map<String, RequestParameter> getPathParameters() {
      return parameters(ctx.pathParams());
    }

    @Override
    public Map<String, RequestParameter> getQuery() {
      Map<String, RequestParameter> query = new HashMap<>();
      ctx.queryParams().names().forEach(name -> query.put(name, parameter(ctx.queryParams().get(name))));
      return query;
    }

    @Override
    public Map<String, RequestParameter> getHeaders() {
      Map<String, RequestParameter> headers = new HashMap<>();
      ctx.request().headers().names().forEach(name -> headers.put(name, parameter(ctx.request().getHeader(name))));
      return headers;
    }

    @Override
    public RequestParameter getBody() {
      Buffer body = ctx.body() == null ? null : ctx.body().buffer();
      return parameter(jsonBody && body != null && body.length() > 0 ? body : null);
    }

    @Override
    public String getContentType() {
      return jsonBody ? "application/json" : ctx.request().getHeader("Content-Type");
    }

    private static Map<String, RequestParameter> parameters(Map<String, String> values) {
      Map<String, RequestParameter> parameters = new HashMap<>();
      values.forEach((name, value) -> parameters.put(name, parameter(value)));
      return parameters;
    }

    private static RequestParameter parameter(Object value) {
      return () -> value;
    }
  }
}
