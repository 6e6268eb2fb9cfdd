package io.aurora.booking.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.aurora.booking.infra.LogFormatEncoder;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Everything the application logs while it is open, encoded by the real encoder in both formats (JSON
 * and text), with the root logger turned up to {@code level}. Attached to the root logger, so it sees
 * what the console would.
 */
public final class LogCapture implements AutoCloseable {

  private final Logger root;
  private final Level previousLevel;
  private final ByteArrayOutputStream json = new ByteArrayOutputStream();
  private final ByteArrayOutputStream text = new ByteArrayOutputStream();
  private final OutputStreamAppender<ILoggingEvent> jsonAppender;
  private final OutputStreamAppender<ILoggingEvent> textAppender;

  private LogCapture(Level level) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    previousLevel = root.getLevel();
    jsonAppender = appender(context, "json", json);
    textAppender = appender(context, "text", text);
    root.addAppender(jsonAppender);
    root.addAppender(textAppender);
    root.setLevel(level);
  }

  public static LogCapture start(Level level) {
    return new LogCapture(level);
  }

  private static OutputStreamAppender<ILoggingEvent> appender(LoggerContext context, String format, ByteArrayOutputStream out) {
    LogFormatEncoder encoder = new LogFormatEncoder();
    encoder.setContext(context);
    encoder.setFormat(format);
    encoder.start();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setName("capture-" + format);
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(out);
    appender.setImmediateFlush(true);
    appender.start();
    return appender;
  }

  /** The JSON lines logged so far. */
  public String json() {
    return json.toString(StandardCharsets.UTF_8);
  }

  /** The text lines logged so far. */
  public String text() {
    return text.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    root.setLevel(previousLevel);
    root.detachAppender(jsonAppender);
    root.detachAppender(textAppender);
    jsonAppender.stop();
    textAppender.stop();
  }
}
