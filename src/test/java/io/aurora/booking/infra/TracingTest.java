package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import ch.qos.logback.classic.Level;
import io.aurora.booking.testing.LogCapture;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing on (tracingEnabled), with the SDK's in-memory exporter in place of OTLP: one booking is one trace,
 * from its HTTP request through the enqueue in Redis to the worker's batch, which links to the request, and
 * the batch's PostgreSQL calls.
 */
class TracingTest {

  private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");

  @Test
  void oneBookingIsOneTraceFromItsRequestThroughItsBatchToPostgres() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk = Tracing.sdk(new AppConfig(new JsonObject().put("tracingEnabled", true)),
        SimpleSpanProcessor.create(exporter));
    Vertx vertx = Vertx.builder().withTracer(new OpenTelemetryTracingFactory(sdk)).build();
    Tracing.register(vertx, sdk);
    try (LogCapture logs = LogCapture.start(Level.DEBUG); TestApp app = TestApp.start(vertx, Map.of("tracingEnabled", true))) {
      long eventId = app.createEvent(5);
      TestUser user = app.user();
      exporter.reset();

      HttpResponse<Buffer> accepted = app.book(user.token(), eventId);
      assertEquals(202, accepted.statusCode(), accepted.bodyAsString());
      String jobId = accepted.bodyAsJsonObject().getString("jobId");
      assertEquals("completed", app.awaitJob(jobId).getString("status"));

      SpanData[] batch = new SpanData[1];
      awaitCondition("the batch's span", Duration.ofSeconds(30), () -> {
        batch[0] = exporter.getFinishedSpanItems().stream()
            .filter(s -> s.getName().equals("booking.batch") && s.getLinks().stream()
                .anyMatch(l -> jobId.equals(l.getAttributes().get(AttributeKey.stringKey("booking.job_id")))))
            .findFirst().orElse(null);
        return batch[0] != null;
      });
      List<SpanData> spans = exporter.getFinishedSpanItems();
      Map<String, SpanData> byId = new HashMap<>();
      spans.forEach(s -> byId.put(s.getSpanId(), s));

      // The request's server span, and the trace it starts.
      SpanData request = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER
              && s.getAttributes().asMap().values().stream().anyMatch(v -> String.valueOf(v).contains("/api/bookings/" + eventId + "/book")))
          .findFirst().orElse(null);
      assertNotNull(request, "the booking request's server span, among " + names(spans));
      String trace = request.getTraceId();

      // The enqueue: Redis calls in the request's trace, under its server span.
      assertTrue(spans.stream().anyMatch(s -> s.getKind() == SpanKind.CLIENT && "redis".equals(s.getAttributes().get(DB_SYSTEM))
          && s.getTraceId().equals(trace) && descendsFrom(s, request, byId)), "a Redis call of the enqueue in the trace: " + names(spans));

      // The batch: in that trace, linked to a span of the request (the one the job carried), and parent of its
      // PostgreSQL calls.
      assertEquals(trace, batch[0].getTraceId());
      LinkData link = batch[0].getLinks().stream()
          .filter(l -> jobId.equals(l.getAttributes().get(AttributeKey.stringKey("booking.job_id")))).findFirst().orElseThrow();
      assertEquals(trace, link.getSpanContext().getTraceId());
      SpanData linked = byId.get(link.getSpanContext().getSpanId());
      assertNotNull(linked, "the linked span is one of the request's");
      assertTrue(linked == request || descendsFrom(linked, request, byId), "the linked span descends from the request");
      assertTrue(descendsFrom(batch[0], request, byId), "the batch descends from the request");
      assertTrue(spans.stream().anyMatch(s -> s.getKind() == SpanKind.CLIENT && "postgresql".equals(s.getAttributes().get(DB_SYSTEM))
          && s.getParentSpanId().equals(batch[0].getSpanId())), "PostgreSQL calls under the batch: " + names(spans));

      // The job's outcome line is logged in the batch's span, and says so.
      JsonObject outcomeLine = logs.json().lines().map(JsonObject::new)
          .filter(line -> jobId.equals(line.getString("jobId")) && line.containsKey("outcome")).findFirst().orElseThrow();
      assertEquals(trace, outcomeLine.getString("traceId"), outcomeLine.encode());
      assertEquals(batch[0].getSpanId(), outcomeLine.getString("spanId"), outcomeLine.encode());
    } finally {
      await(vertx.close());
      sdk.close();
    }
  }

  private static boolean descendsFrom(SpanData span, SpanData ancestor, Map<String, SpanData> byId) {
    Optional<SpanData> parent = Optional.ofNullable(byId.get(span.getParentSpanId()));
    while (parent.isPresent()) {
      if (parent.get() == ancestor) {
        return true;
      }
      parent = Optional.ofNullable(byId.get(parent.get().getParentSpanId()));
    }
    return false;
  }

  private static List<String> names(List<SpanData> spans) {
    return spans.stream().map(s -> s.getKind() + " " + s.getName() + " " + s.getAttributes().get(DB_SYSTEM)
        + " trace=" + s.getTraceId().substring(0, 6) + " id=" + s.getSpanId().substring(0, 6)
        + " parent=" + s.getParentSpanId().substring(0, 6)).toList();
  }
}
