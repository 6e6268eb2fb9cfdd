package io.aurora.booking;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.infra.ServiceHealth;
import io.aurora.booking.metrics.BookingMetrics;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIContractException;
import io.vertx.openapi.contract.OpenAPIVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document is a valid OpenAPI 3.1 document (vertx-openapi checks it against the 3.1
 * meta-schema), and it describes exactly the routes the HTTP verticle registers: no route undocumented, no
 * documented operation without its route.
 */
@ExtendWith(VertxExtension.class)
class ApiContractTest {

  @Test
  void documentIsAValidOpenApi31Document(Vertx vertx) {
    ApiContract contract = await(ApiContract.load(vertx));
    assertEquals(OpenAPIVersion.V3_1, contract.contract().getVersion());
    assertTrue(contract.contract().operations().size() > 20, "the whole API is described");
  }

  @Test
  void theErrorSchemaListsEveryErrorCodeTheServiceAnswers(Vertx vertx) {
    JsonObject document = await(vertx.fileSystem().readFile(ApiContract.RESOURCE)).toJsonObject();
    Set<String> documented = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error")
        .getJsonObject("properties").getJsonObject("error").getJsonArray("enum").stream()
        .map(String::valueOf).collect(Collectors.toCollection(TreeSet::new));
    Set<String> answered = java.util.Arrays.stream(ErrorCode.values()).map(Enum::name)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(answered, documented);
  }

  @Test
  void anInvalidDocumentIsRefused(Vertx vertx) {
    JsonObject document = await(vertx.fileSystem().readFile(ApiContract.RESOURCE)).toJsonObject();
    // A response without its required description, and a schema type that does not exist.
    document.getJsonObject("paths").getJsonObject("/health").getJsonObject("get").getJsonObject("responses")
        .getJsonObject("200").remove("description");
    document.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error").put("type", "record");
    RuntimeException refused = assertThrows(RuntimeException.class, () -> await(OpenAPIContract.from(vertx, document)));
    Throwable cause = refused;
    while (cause != null && !(cause instanceof OpenAPIContractException)) {
      cause = cause.getCause();
    }
    assertInstanceOf(OpenAPIContractException.class, cause, String.valueOf(refused));
  }

  @Test
  void everyRegisteredRouteIsAnOperationAndEveryOperationARoute(Vertx vertx) {
    TestServices services = TestServices.get();
    String pgUrl = services.newDatabase();
    try {
      // Everything on, so that every optional route is mounted: bench routes, /metrics.
      AppConfig config = new AppConfig(TestApp.baseConfig(pgUrl, services.newRedisDb())
          .put("benchMode", true).put("metricsEnabled", true).put("metricsPath", "/metrics"));
      HttpVerticle http = new HttpVerticle(BookingMetrics.create(vertx, config), new ServiceHealth(),
          await(ApiContract.load(vertx)));
      String id = await(vertx.deployVerticle(http, new DeploymentOptions().setConfig(config.toJson())));
      Set<String> routes = new TreeSet<>();
      for (Route route : http.router().getRoutes()) {
        if (route.methods() == null || route.methods().isEmpty() || route.getPath() == null) {
          continue; // guards and handlers on every route, not operations
        }
        for (HttpMethod method : route.methods()) {
          routes.add(method.name() + " " + openApiPath(route.getPath()));
        }
      }
      await(vertx.undeploy(id));

      OpenAPIContract contract = await(ApiContract.load(vertx)).contract();
      Set<String> operations = contract.operations().stream()
          .map(op -> op.getHttpMethod().name() + " " + op.getOpenAPIPath())
          .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(operations, routes);
    } finally {
      services.dropDatabase(pgUrl);
    }
  }

  @Test
  void documentIsServedAsKeptAndBenchUsersAreMade(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("benchMode", true))) {
      HttpResponse<Buffer> served = app.get(ApiContract.PATH, null);
      assertEquals(200, served.statusCode());
      assertEquals("application/json", served.getHeader("Content-Type"));
      assertEquals(await(vertx.fileSystem().readFile(ApiContract.RESOURCE)), served.body());

      // Bench mode's route, so that the contract check sees it in the default suite too.
      long before = app.queryLong("SELECT count(*) FROM users");
      HttpResponse<Buffer> made = app.post("/api/admin/bench/users", app.adminToken(), new JsonObject().put("count", 3));
      assertEquals(201, made.statusCode(), made.bodyAsString());
      assertEquals(3, made.bodyAsJsonObject().getJsonArray("users").size());
      assertEquals(before + 3, app.queryLong("SELECT count(*) FROM users"));
    }
  }

  /** {@code /api/events/:id/view} as {@code /api/events/{id}/view}; a static tree {@code /admin/*} as {@code /admin/{file}}. */
  private static String openApiPath(String vertxPath) {
    String path = vertxPath.replaceAll(":([A-Za-z][A-Za-z0-9]*)", "{$1}");
    // Vert.x reports a prefix route "/admin/*" by its prefix, "/admin/".
    return path.endsWith("/*") || path.endsWith("/") ? path.substring(0, path.lastIndexOf('/') + 1) + "{file}" : path;
  }
}
