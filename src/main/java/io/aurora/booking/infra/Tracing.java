package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Vertx;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.regex.Pattern;

/**
 * Distributed tracing with OpenTelemetry (off by default: {@code tracingEnabled}). Vert.x's own tracer
 * (vertx-opentelemetry, given to {@code Vertx.builder().withTracer}) makes the spans of HTTP requests, event-bus
 * messages and PostgreSQL and Redis calls; this class builds the SDK that exports them over OTLP/HTTP, keeps it
 * per Vert.x instance for the application's own spans (a worker's batch), and carries a span across the queue
 * as a W3C {@code traceparent} string.
 */
public final class Tracing {

  /** The instrumentation scope of the application's own spans. */
  public static final String SCOPE = "io.aurora.booking";
  private static final Pattern TRACEPARENT = Pattern.compile("^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$");
  private static final Map<Vertx, OpenTelemetry> BY_VERTX = Collections.synchronizedMap(new WeakHashMap<>());

  private Tracing() {
  }

  /** The SDK of a node: spans sampled at {@code tracingSamplePercent} (a sampled parent's children always), sent through {@code processor}. */
  public static OpenTelemetrySdk sdk(AppConfig config, SpanProcessor processor) {
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "aurora-booking",
        AttributeKey.stringKey("service.instance.id"), config.nodeName())));
    SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
        .setResource(resource)
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.tracingSamplePercent() / 100.0)))
        .addSpanProcessor(processor)
        .build();
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  /** Finished spans go in batches to the OTLP/HTTP endpoint {@code otlpEndpoint} (a collector, Jaeger...). */
  public static SpanProcessor otlp(AppConfig config) {
    return BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(config.otlpEndpoint()).build()).build();
  }

  /** Makes {@code openTelemetry} the one the application's own spans on {@code vertx} use. */
  public static void register(Vertx vertx, OpenTelemetry openTelemetry) {
    BY_VERTX.put(vertx, openTelemetry);
  }

  /** Whether spans are made on {@code vertx} (a registered SDK); the untraced path does no tracing work at all. */
  public static boolean enabled(Vertx vertx) {
    return BY_VERTX.containsKey(vertx);
  }

  /** The application's tracer on {@code vertx}: a no-op one when tracing is off. */
  public static Tracer tracer(Vertx vertx) {
    return BY_VERTX.getOrDefault(vertx, OpenTelemetry.noop()).getTracer(SCOPE);
  }

  /** The current span as a W3C traceparent ({@code 00-trace-span-flags}), or null when there is none. */
  public static String traceparent() {
    SpanContext span = Span.current().getSpanContext();
    if (!span.isValid()) {
      return null;
    }
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
  }

  /** The span a traceparent names, as a remote parent or link; invalid when the text is not one. */
  public static SpanContext remote(String traceparent) {
    var m = traceparent == null ? null : TRACEPARENT.matcher(traceparent);
    if (m == null || !m.matches()) {
      return SpanContext.getInvalid();
    }
    return SpanContext.createFromRemoteParent(m.group(1), m.group(2), TraceFlags.fromHex(m.group(3), 0),
        TraceState.getDefault());
  }
}
