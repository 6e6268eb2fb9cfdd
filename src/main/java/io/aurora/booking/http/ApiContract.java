package io.aurora.booking.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;

/**
 * The API's contract: the OpenAPI 3.1 document {@code openapi.json} on the classpath, kept in the repository
 * next to the code it describes. Loading it through vertx-openapi checks it against the OpenAPI 3.1
 * meta-schema, so a start with a broken document fails. It is served as is at {@code GET /openapi.json}, and
 * the test suite checks every response it sees against it.
 */
public final class ApiContract {

  /** The document's classpath resource. */
  public static final String RESOURCE = "openapi.json";
  /** Where the document is served. */
  public static final String PATH = "/openapi.json";

  private final OpenAPIContract contract;
  private final Buffer document;

  private ApiContract(OpenAPIContract contract, Buffer document) {
    this.contract = contract;
    this.document = document;
  }

  /** Reads and validates the document; fails when it is not a valid OpenAPI 3.1 document. */
  public static Future<ApiContract> load(Vertx vertx) {
    return vertx.fileSystem().readFile(RESOURCE)
        .compose(document -> OpenAPIContract.from(vertx, document.toJsonObject())
            .map(contract -> new ApiContract(contract, document)));
  }

  public OpenAPIContract contract() {
    return contract;
  }

  /** Answers with the document, byte for byte as it is kept in the repository. */
  public void serve(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").end(document);
  }
}
