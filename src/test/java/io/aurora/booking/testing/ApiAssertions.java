package io.aurora.booking.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

public final class ApiAssertions {

  private ApiAssertions() {
  }

  /** The response is the API's error shape: the status, {@code {"error": code, "message": ...}}, JSON. */
  public static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"), response.bodyAsString());
    JsonObject body = response.bodyAsJsonObject();
    assertEquals(code, body.getString("error"), response.bodyAsString());
    assertNotNull(body.getString("message"), response.bodyAsString());
  }
}
