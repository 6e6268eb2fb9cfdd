package io.aurora.booking.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ApiContract#validate}: requests are checked against the document before the route's handler, and
 * refused with the API's own errors. The routes here pass what they receive straight through, so whatever
 * is refused was refused by the document alone (no {@link Input} check runs).
 */
@ExtendWith(VertxExtension.class)
class ContractValidationTest {

  private static HttpServer server;
  private static WebClient http;

  @BeforeAll
  static void serve(Vertx vertx) {
    ApiContract contract = await(ApiContract.load(vertx));
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false));
    router.post("/api/events/create").handler(contract.validate("createEvent")).handler(ctx -> ctx.end("passed"));
    router.get("/api/bookings/history").handler(contract.validate("bookingHistory")).handler(ctx -> ctx.end("passed"));
    router.delete("/api/events/:id/delete").handler(contract.validate("deleteEvent")).handler(ctx -> ctx.end("passed"));
    router.route().failureHandler(new ErrorHandler());
    server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    http = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    http.close();
    await(server.close());
  }

  private static HttpResponse<Buffer> send(io.vertx.core.http.HttpMethod method, String path, String body) {
    var request = http.request(method, server.actualPort(), "127.0.0.1", path);
    return await(body == null ? request.send() : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body)));
  }

  @Test
  void aRequestTheDocumentAllowsReachesTheHandler() {
    JsonObject event = new JsonObject().put("name", "Gala").put("venue", "Hall").put("startsAt", "2030-01-01T20:00:00Z")
        .put("capacity", 10);
    assertEquals("passed", send(io.vertx.core.http.HttpMethod.POST, "/api/events/create", event.encode()).bodyAsString());
    assertEquals("passed", send(io.vertx.core.http.HttpMethod.GET, "/api/bookings/history?limit=5&offset=0", null).bodyAsString());
    assertEquals("passed", send(io.vertx.core.http.HttpMethod.DELETE, "/api/events/7/delete?force=true", null).bodyAsString());
  }

  @Test
  void aRequestTheDocumentRefusesIsA400NamingTheField() {
    HttpResponse<Buffer> wrongType = send(io.vertx.core.http.HttpMethod.POST, "/api/events/create",
        new JsonObject().put("name", "Gala").put("venue", "Hall").put("capacity", "ten").encode());
    assertError(wrongType, 400, "VALIDATION_FAILED");
    assertTrue(wrongType.bodyAsJsonObject().getString("message").contains("capacity"), wrongType.bodyAsString());
    assertError(send(io.vertx.core.http.HttpMethod.POST, "/api/events/create",
        new JsonObject().put("venue", "Hall").put("capacity", 1).encode()), 400, "VALIDATION_FAILED");
    assertError(send(io.vertx.core.http.HttpMethod.GET, "/api/bookings/history?limit=501", null), 400, "VALIDATION_FAILED");
    assertError(send(io.vertx.core.http.HttpMethod.GET, "/api/bookings/history?offset=x", null), 400, "VALIDATION_FAILED");
    assertError(send(io.vertx.core.http.HttpMethod.DELETE, "/api/events/0/delete", null), 400, "VALIDATION_FAILED");
    assertError(send(io.vertx.core.http.HttpMethod.DELETE, "/api/events/7/delete?force=maybe", null), 400, "VALIDATION_FAILED");
  }

  @Test
  void aBodyThatIsNoJsonObjectIsInvalidJson() {
    assertError(send(io.vertx.core.http.HttpMethod.POST, "/api/events/create", "{\"name\":"), 400, "INVALID_JSON");
    assertError(send(io.vertx.core.http.HttpMethod.POST, "/api/events/create", "[1]"), 400, "INVALID_JSON");
    assertError(send(io.vertx.core.http.HttpMethod.POST, "/api/events/create", null), 400, "INVALID_JSON");
  }

  @Test
  void anOperationTheDocumentLacksCannotBeMounted(Vertx vertx) {
    ApiContract contract = await(ApiContract.load(vertx));
    assertThrows(IllegalArgumentException.class, () -> contract.validate("noSuchOperation"));
  }
}
