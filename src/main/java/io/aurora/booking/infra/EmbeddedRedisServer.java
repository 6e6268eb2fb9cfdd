package io.aurora.booking.infra;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Redis from the embedded-redis jar (only its binary is used), run as a child process of this JVM with a
 * configuration file of its own in the data directory.
 *
 * <p>Durable: {@code appendonly yes} with {@code appendfsync always}: Redis writes and fsyncs the AOF before
 * it answers, once per event-loop cycle for all the commands of that cycle (a group commit), so a 202 means
 * the job is on disk. Only {@code embeddedDurable=false} (tests, benchmarks) lets the kernel flush when
 * it likes ({@code appendfsync no}).
 *
 * <p>Redis writes {@code redis.pid} in its directory; a Redis of a previous run that outlived a {@code kill -9}
 * of its JVM is found through it at the next start and stopped first, so two servers never append to one AOF.
 * It starts under {@code umask 077}, so the AOF it writes is 0600.
 */
final class EmbeddedRedisServer implements EmbeddedServer {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedisServer.class);
  private static final String EXECUTABLE = "redis-server";
  /** Loading a large AOF takes a while; a process that exits is noticed at once. */
  private static final Duration STARTUP_WAIT = Duration.ofMinutes(3);
  private static final Path SHELL = Path.of("/bin/sh");
  private static File binary;

  private final Path dir;
  private final Path log;
  private final int port;
  private final boolean durable;
  private Process process;

  private EmbeddedRedisServer(Path dir, Path log, int port, boolean durable) {
    this.dir = dir;
    this.log = log;
    this.port = port;
    this.durable = durable;
  }

  static EmbeddedRedisServer start(Path dir, Path log, int port, boolean durable) throws IOException {
    EmbeddedRedisServer server = new EmbeddedRedisServer(dir, log, port, durable);
    server.launch();
    return server;
  }

  private void launch() throws IOException {
    OwnerOnlyFiles.directory(dir);
    OwnerOnlyFiles.restrictFilesIn(dir);
    OwnerOnlyFiles.file(log);
    stopLeftover();
    Path conf = dir.resolve("redis.conf");
    OwnerOnlyFiles.write(conf, String.join("\n",
        "bind 127.0.0.1",
        "port " + port,
        "protected-mode yes",
        "daemonize no",
        "dir " + quoted(dir),
        "pidfile " + quoted(dir.resolve("redis.pid")),
        "logfile \"\"",
        "appendonly yes",
        "appendfsync " + (durable ? "always" : "no"),
        // The AOF is the one copy; periodic RDB snapshots would only add fork pauses.
        "save \"\"",
        // A full queue must refuse new jobs, never drop queued ones.
        "maxmemory-policy noeviction",
        ""));
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SHELL)) {
      // exec: the shell becomes Redis (same pid), after setting the mode of the files Redis creates.
      command.addAll(List.of(SHELL.toString(), "-c", "umask 077 && exec \"$0\" \"$@\""));
    }
    command.add(binary().getAbsolutePath());
    command.add(conf.toString());
    process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    try {
      awaitReady();
    } catch (IOException e) {
      process.destroyForcibly();
      throw new IOException("Embedded Redis did not start on port " + port + " with data in " + dir + " (" + e.getMessage()
          + "); its log " + log + " ends with:\n" + EmbeddedServer.tail(log, 20), e);
    }
  }

  private void stopLeftover() {
    Optional<ProcessHandle> previous = ServerProcesses.pidIn(dir.resolve("redis.pid")).flatMap(ProcessHandle::of)
        .filter(ProcessHandle::isAlive);
    if (previous.isEmpty()) {
      return;
    }
    switch (ServerProcesses.identify(previous.get(), EXECUTABLE, dir)) {
      case SERVER -> {
        LOG.warn("A Redis of a previous run (pid {}) is still running on {}; stopping it first", previous.get().pid(), dir);
        ServerProcesses.stop(previous.get(), Duration.ofSeconds(60));
      }
      case OTHER -> LOG.info("redis.pid names pid {}, which is not a Redis on this directory: stale", previous.get().pid());
      case UNKNOWN -> LOG.warn("redis.pid names pid {}, which this user cannot inspect; leaving it alone", previous.get().pid());
    }
  }

  /** Ready when it answers PING with PONG (not while it is still loading its AOF). */
  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("it exited with code " + process.exitValue());
      }
      if ("+PONG".equals(ping())) {
        return;
      }
      try {
        process.waitFor(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for it", e);
      }
    }
    throw new IOException("it did not answer PING within " + STARTUP_WAIT.toSeconds() + " s");
  }

  private String ping() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(1_000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
        line.append((char) c);
      }
      return line.toString();
    } catch (IOException e) {
      return "";
    }
  }

  /** The redis-server executable for this platform, from the embedded-redis jar (written out once). */
  static synchronized File binary() throws IOException {
    if (binary == null || !binary.canExecute()) {
      binary = ExecutableProvider.newJarResourceProvider().get();
    }
    return binary;
  }

  private static String quoted(Path path) {
    return "\"" + path.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public boolean isRunning() {
    return process.isAlive();
  }

  @Override
  public synchronized void restart() throws IOException {
    if (process.isAlive()) {
      ServerProcesses.kill(process.toHandle());
    }
    launch();
  }

  /** SIGTERM: Redis fsyncs the AOF and exits. */
  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      ServerProcesses.stop(process.toHandle(), Duration.ofSeconds(60));
    }
  }
}
