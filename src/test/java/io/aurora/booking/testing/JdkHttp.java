package io.aurora.booking.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calls on a service running as a separate JVM (the crash trials), through the JDK's own HTTP client. */
public final class JdkHttp {

  private JdkHttp() {
  }

  /** POSTs a JSON body (with a bearer token when not null) and returns the body of a 2xx answer; anything else fails. */
  public static String postOk(HttpClient http, URI uri, String token, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(response.statusCode() / 100 == 2, uri.getPath() + ": " + response.statusCode() + " " + response.body());
      return response.body();
    } catch (IOException e) {
      throw new AssertionError(uri.getPath() + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
