package io.aurora.booking.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The service as a user runs it: {@code java -jar target/aurora-booking.jar} (the fat jar {@code package}
 * built), in a working directory of its own, on embedded PostgreSQL and Redis in {@code dataDir}, configured
 * through {@code BOOKING_*} variables. Its output goes to a log file. It can be killed with {@code kill -9}
 * alone, or together with its two servers (found through their pid files in the data directory).
 */
public final class JarProcess {

  private static final List<Process> ALL = new ArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      synchronized (ALL) {
        ALL.forEach(Process::destroyForcibly);
      }
    }));
  }

  public final int httpPort;
  public final Path dataDir;
  public final Path log;
  private final Process process;

  private JarProcess(int httpPort, Path dataDir, Path log, Process process) {
    this.httpPort = httpPort;
    this.dataDir = dataDir;
    this.log = log;
    this.process = process;
  }

  /** The fat jar; fails with the command that builds it when it is missing. */
  public static Path jar() {
    Path jar = Path.of("target", "aurora-booking.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run ./mvnw -Pcrash verify (or ./mvnw -DskipTests package first)");
    }
    return jar;
  }

  /** Starts the jar with {@code BOOKING_DATA_DIR=dataDir}, {@code BOOKING_HTTP_PORT=httpPort} and {@code env}. */
  public static JarProcess start(Path dataDir, int httpPort, Map<String, String> env, Path log) {
    try {
      Path workDir = Files.createDirectories(dataDir.toAbsolutePath().getParent());
      String java = ProcessHandle.current().info().command().orElse("java");
      ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-jar", jar().toString())
          .directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().keySet().removeIf(key -> key.startsWith("BOOKING_"));
      builder.environment().putAll(env);
      builder.environment().put("BOOKING_DATA_DIR", dataDir.toAbsolutePath().toString());
      builder.environment().put("BOOKING_HTTP_PORT", Integer.toString(httpPort));
      builder.environment().put("BOOKING_HTTP_HOST", "127.0.0.1");
      builder.environment().putIfAbsent("BOOKING_LOG_FORMAT", "text");
      Process process = builder.start();
      synchronized (ALL) {
        ALL.add(process);
      }
      return new JarProcess(httpPort, dataDir.toAbsolutePath(), log, process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code /ready} answers 200; fails (with the log's tail) if the process exits or time runs out. */
  public void awaitReady(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the service exited with " + process.exitValue() + ":\n" + logTail(40));
      }
      try {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
      pause(100);
    }
    throw new AssertionError("the service was not ready within " + timeout.toSeconds() + " s:\n" + logTail(40));
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The embedded PostgreSQL's postmaster, from its {@code postmaster.pid}. */
  public Optional<ProcessHandle> postgres() {
    return live(dataDir.resolve("postgres").resolve("postmaster.pid"));
  }

  /** The embedded Redis, from its {@code redis.pid}. */
  public Optional<ProcessHandle> redis() {
    return live(dataDir.resolve("redis").resolve("redis.pid"));
  }

  /** The embedded PostgreSQL's port (fourth line of {@code postmaster.pid}). */
  public int postgresPort() {
    try {
      return Integer.parseInt(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(3).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** kill -9 of the JVM alone: its servers stay behind, as after a crash of the JVM. */
  public void kill() {
    process.destroyForcibly();
    await(process.toHandle());
  }

  /** kill -9 of the JVM and both its servers, as close together as this can send the signals. */
  public void killAll() {
    List<ProcessHandle> victims = new ArrayList<>();
    victims.add(process.toHandle());
    postgres().ifPresent(victims::add);
    redis().ifPresent(victims::add);
    victims.forEach(ProcessHandle::destroyForcibly);
    victims.forEach(JarProcess::await);
  }

  /** SIGTERM, the graceful stop; waits for the process to end. */
  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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

  static Optional<ProcessHandle> live(Path pidFile) {
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void await(ProcessHandle process) {
    try {
      process.onExit().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (process.isAlive()) {
        throw new AssertionError("pid " + process.pid() + " did not die");
      }
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
