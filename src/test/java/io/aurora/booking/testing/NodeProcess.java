package io.aurora.booking.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One node of the service as a JVM of its own ({@code java -cp <test class path> io.aurora.booking.BookingServer}),
 * configured only through {@code BOOKING_*} environment variables, as in production. Its output goes to a
 * log file; it can be killed (SIGKILL: no shutdown hook, no goodbye to the cluster) or terminated (SIGTERM:
 * the graceful stop).
 */
public final class NodeProcess {

  private static final List<Process> ALL = new ArrayList<>();

  static {
    // A failed or interrupted test run must not leave JVMs behind.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      synchronized (ALL) {
        ALL.forEach(Process::destroyForcibly);
      }
    }));
  }

  public final String name;
  public final int httpPort;
  public final int clusterPort;
  public final Path log;
  private final Process process;

  private NodeProcess(String name, int httpPort, int clusterPort, Path log, Process process) {
    this.name = name;
    this.httpPort = httpPort;
    this.clusterPort = clusterPort;
    this.log = log;
    this.process = process;
  }

  /** Starts a node; {@code env} holds its BOOKING_* variables (its ports among them). */
  public static NodeProcess start(String name, int httpPort, int clusterPort, Map<String, String> env, Path logDir) {
    try {
      Files.createDirectories(logDir);
      Path workDir = Files.createTempDirectory("aurora-" + name);
      Path log = logDir.resolve(name + ".log");
      String java = ProcessHandle.current().info().command().orElse("java");
      List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-Xss512k"));
      command.addAll(HAZELCAST_JVM_FLAGS);
      command.addAll(List.of("-cp", classPath(), "io.aurora.booking.BookingServer"));
      ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(key -> key.startsWith("BOOKING_"));
      builder.environment().putAll(env);
      builder.environment().put("BOOKING_DATA_DIR", workDir.resolve("data").toString());
      Process process = builder.start();
      synchronized (ALL) {
        ALL.add(process);
      }
      return new NodeProcess(name, httpPort, clusterPort, log, process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What Hazelcast asks for on Java 17 (the fat jar's manifest carries the same). */
  static final List<String> HAZELCAST_JVM_FLAGS = List.of(
      "--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /** The test's own class path: the classes under test and their dependencies, as Maven resolved them. */
  private static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** kill -9: the node vanishes mid-work, without a word to the cluster. */
  public void kill() {
    process.destroyForcibly();
    waitForExit(10);
  }

  /** SIGSTOP / SIGCONT: the node freezes (a long GC pause, a stalled VM) with its connections open, then wakes. */
  public void pause(boolean paused) {
    try {
      Process kill = new ProcessBuilder("kill", paused ? "-STOP" : "-CONT", Long.toString(process.pid())).start();
      if (kill.waitFor() != 0) {
        throw new AssertionError("kill " + (paused ? "-STOP " : "-CONT ") + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** SIGTERM: the graceful stop (the shutdown hook closes Vert.x); returns at once. */
  public void signalTerminate() {
    process.destroy();
  }

  /** Waits for the process to end; returns its exit code. */
  public int awaitExit(int seconds) {
    return waitForExit(seconds);
  }

  private int waitForExit(int seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(name + " did not exit within " + seconds + " s");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted waiting for " + name + " to exit");
    }
  }

  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public String toString() {
    return name + " (http " + httpPort + ", cluster " + clusterPort + ", pid " + process.pid() + ")";
  }
}
