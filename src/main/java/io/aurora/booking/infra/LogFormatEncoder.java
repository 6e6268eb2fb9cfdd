package io.aurora.booking.infra;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import net.logstash.logback.composite.AbstractJsonProvider;
import net.logstash.logback.encoder.LogstashEncoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The console encoder: one JSON object per line ({@code json}, for log shippers) or a human-readable
 * line ({@code text}, for a terminal), chosen by the {@code format} property, which logback.xml takes
 * from {@code BOOKING_LOG_FORMAT}; {@code auto} (the default) means text when standard output is a
 * terminal and JSON otherwise (a pipe, a file, a container's log driver). Logging starts before the
 * configuration is loaded, so the format is read by logback itself rather than by ConfigLoader. An unknown
 * value falls back to JSON with a warning instead of silently logging nothing.
 *
 * <p>In JSON, the structured arguments of a line ({@code v("jobId", id)}) become fields of their own,
 * and logback's context properties ({@code node}) are on every line.
 */
public final class LogFormatEncoder extends EncoderBase<ILoggingEvent> {

  public static final String DEFAULT_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n";

  private String format = "auto";
  private String pattern = DEFAULT_PATTERN;
  private Encoder<ILoggingEvent> delegate;

  public void setFormat(String format) {
    this.format = format == null ? "" : format.trim().toLowerCase();
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  /**
   * Whether to log text: {@code text}, or {@code auto} on a terminal. Anything else, including an unknown
   * value (warned about), is JSON.
   */
  static boolean textFor(String format, boolean terminal) {
    return "text".equals(format) || ("auto".equals(format) || format.isEmpty()) && terminal;
  }

  /**
   * Whether standard output is a terminal: on Linux, what file descriptor 1 points at (a pseudo-terminal or a
   * tty); elsewhere, whether the JVM has a console.
   */
  static boolean stdoutIsTerminal() {
    Path stdout = Path.of("/proc/self/fd/1");
    try {
      if (Files.isSymbolicLink(stdout)) {
        String target = Files.readSymbolicLink(stdout).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      }
    } catch (IOException | SecurityException e) {
      // not Linux as we know it: ask the JVM
    }
    return System.console() != null;
  }

  @Override
  public void start() {
    if (textFor(format, stdoutIsTerminal())) {
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setContext(getContext());
      text.setPattern(pattern);
      delegate = text;
    } else {
      if (!"json".equals(format) && !"auto".equals(format) && !format.isEmpty()) {
        addWarn("Unknown log format '" + format + "' (BOOKING_LOG_FORMAT is auto, json or text): logging JSON");
      }
      LogstashEncoder json = new LogstashEncoder();
      json.setContext(getContext());
      json.addProvider(new TraceIds());
      delegate = json;
    }
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }

  /**
   * {@code traceId} and {@code spanId} of the span current where the line is logged (tracing on, in a traced
   * request or batch); nothing otherwise. Lines are encoded on the thread that logs them, so the current span
   * is the one the line belongs to.
   */
  static final class TraceIds extends AbstractJsonProvider<ILoggingEvent> {
    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
      SpanContext span = Span.current().getSpanContext();
      if (span.isValid()) {
        generator.writeStringField("traceId", span.getTraceId());
        generator.writeStringField("spanId", span.getSpanId());
      }
    }
  }
}
