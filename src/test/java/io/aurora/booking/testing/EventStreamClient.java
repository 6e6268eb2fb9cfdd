package io.aurora.booking.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A Server-Sent Events client for tests: opens one stream over a real HTTP connection of its own, parses
 * its events as they arrive (id, event, data as JSON) and its comment lines, and notes when the server ends
 * it. {@link #close()} drops the connection, as a client that goes away does.
 */
public final class EventStreamClient implements AutoCloseable {

  public record Event(long id, String event, JsonObject data) {
  }

  private final HttpClient client;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> comments = new CopyOnWriteArrayList<>();
  private final StringBuilder pending = new StringBuilder();
  private volatile int status;
  private volatile MultiMap headers;
  private volatile boolean ended;

  private EventStreamClient(Vertx vertx) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  /** Opens {@code uri} on {@code port} with the given request headers; returns once the response head is in. */
  public static EventStreamClient open(Vertx vertx, int port, String uri, Map<String, String> requestHeaders) {
    EventStreamClient stream = new EventStreamClient(vertx);
    TestApp.await(stream.client.request(HttpMethod.GET, port, "127.0.0.1", uri).compose(request -> {
      requestHeaders.forEach(request::putHeader);
      return request.send();
    }).compose(response -> {
      stream.status = response.statusCode();
      stream.headers = response.headers();
      response.handler(stream::received);
      response.endHandler(v -> stream.ended = true);
      return Future.succeededFuture();
    }));
    return stream;
  }

  private synchronized void received(Buffer chunk) {
    pending.append(chunk.toString());
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, end);
      pending.delete(0, end + 2);
      parse(block);
    }
  }

  private void parse(String block) {
    Long id = null;
    String event = "message";
    StringBuilder data = new StringBuilder();
    for (String line : block.split("\n")) {
      if (line.startsWith(":")) {
        comments.add(line.substring(1).trim());
      } else if (line.startsWith("id: ")) {
        id = Long.parseLong(line.substring(4));
      } else if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data.append(line.substring(6));
      }
    }
    if (id != null || !data.isEmpty()) {
      events.add(new Event(id == null ? -1 : id, event, data.isEmpty() ? null : new JsonObject(data.toString())));
    }
  }

  public int status() {
    return status;
  }

  public String header(String name) {
    return headers.get(name);
  }

  public List<Event> events() {
    return List.copyOf(events);
  }

  public List<String> comments() {
    return List.copyOf(comments);
  }

  public boolean ended() {
    return ended;
  }

  /** Waits for an event matching {@code wanted} and returns the first such. */
  public Event awaitEvent(String what, Predicate<Event> wanted) {
    TestApp.awaitCondition(what, Duration.ofSeconds(30), () -> events.stream().anyMatch(wanted));
    return events.stream().filter(wanted).findFirst().orElseThrow();
  }

  public void awaitEnd() {
    TestApp.awaitCondition("the server to end the stream", Duration.ofSeconds(30), () -> ended);
  }

  @Override
  public void close() {
    TestApp.await(client.close());
  }
}
