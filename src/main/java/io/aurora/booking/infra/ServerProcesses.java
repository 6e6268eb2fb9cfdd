package io.aurora.booking.infra;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds and stops server processes a previous run left behind on a data directory (its JVM was killed, so
 * nobody stopped them). A process is only ever stopped once it is shown to be that server: the pid named
 * by the server's own pid file, running the expected executable, and (where {@code /proc} tells) working
 * in that data directory, as both PostgreSQL and Redis do. A pid that was reused by some other program is
 * left alone.
 */
final class ServerProcesses {

  private static final Logger LOG = LoggerFactory.getLogger(ServerProcesses.class);
  private static final Path PROC = Path.of("/proc");

  private ServerProcesses() {
  }

  /** The pid on the first line of {@code pidFile}, if the file exists and holds one. */
  static Optional<Long> pidIn(Path pidFile) {
    try {
      if (!Files.isRegularFile(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** What a live process named by a pid file turned out to be. */
  enum Identity {
    /** The expected server, on this data directory. */
    SERVER,
    /** Some other program (the pid was reused) or a server of another directory. */
    OTHER,
    /** Cannot tell (another user's process): leave it alone. */
    UNKNOWN
  }

  /** Whether the live process {@code process} runs an executable named like {@code executable} in {@code dir}. */
  static Identity identify(ProcessHandle process, String executable, Path dir) {
    Optional<String> command = process.info().command();
    if (command.isEmpty()) {
      return Identity.UNKNOWN;
    }
    if (!Path.of(command.get()).getFileName().toString().contains(executable)) {
      return Identity.OTHER;
    }
    Optional<Path> cwd = workingDirectory(process.pid());
    return cwd.isEmpty() || cwd.get().equals(realPath(dir)) ? Identity.SERVER : Identity.OTHER;
  }

  /** Live processes running {@code executable} in {@code dir}; empty where {@code /proc} cannot tell. */
  static List<ProcessHandle> serversIn(Path dir, String executable) {
    if (!Files.isDirectory(PROC)) {
      return List.of();
    }
    Path real = realPath(dir);
    List<ProcessHandle> found = new ArrayList<>();
    ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
        .filter(p -> workingDirectory(p.pid()).map(real::equals).orElse(false))
        .filter(p -> p.info().command().map(c -> c.contains(executable)).orElse(false))
        .forEach(found::add);
    return found;
  }

  /**
   * Asks {@code process} to stop (SIGTERM: both servers then shut down cleanly), waits up to {@code grace},
   * then kills it; returns once it and every process it had started are gone (a PostgreSQL's backends
   * hold its shared memory, and a new server refuses to start while they live).
   */
  static void stop(ProcessHandle process, Duration grace) {
    List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
    family.add(process);
    process.destroy();
    if (!awaitExit(process, grace)) {
      LOG.warn("Process {} did not stop within {} s; killing it", process.pid(), grace.toSeconds());
      process.destroyForcibly();
      awaitExit(process, Duration.ofSeconds(10));
    }
    for (ProcessHandle member : family) {
      if (!awaitExit(member, Duration.ofSeconds(5))) {
        member.destroyForcibly();
        awaitExit(member, Duration.ofSeconds(5));
      }
    }
  }

  /** Kills {@code process} (SIGKILL) and waits for it to be gone. */
  static void kill(ProcessHandle process) {
    process.destroyForcibly();
    awaitExit(process, Duration.ofSeconds(10));
  }

  static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return !process.isAlive();
    } catch (java.util.concurrent.ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  private static Optional<Path> workingDirectory(long pid) {
    try {
      return Optional.of(Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("cwd")));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
  }

  private static Path realPath(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      return dir.toAbsolutePath().normalize();
    }
  }
}
