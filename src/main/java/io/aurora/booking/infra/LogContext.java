package io.aurora.booking.infra;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Facts about this JVM that every log line carries. They go in logback's context rather than the MDC:
 * the MDC is per thread, and Vert.x runs many requests and jobs on one event-loop thread.
 */
public final class LogContext {

  /** The JSON field naming the node a line comes from (several JVMs form a cluster). */
  public static final String NODE = "node";

  private LogContext() {
  }

  public static void identifyNode(String nodeName) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.putProperty(NODE, nodeName);
    }
  }
}
