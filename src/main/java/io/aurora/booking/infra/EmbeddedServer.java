package io.aurora.booking.infra;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * One server process the service started on its data directory (embedded PostgreSQL or Redis). It keeps
 * its port for its whole life, restarts included, so the clients' URLs stay valid. Everything here blocks.
 */
public interface EmbeddedServer extends AutoCloseable {

  /** "postgres" or "redis": how logs, {@code /health} and metrics name it. */
  String name();

  int port();

  /** The server process's pid (it changes when the server is restarted). */
  long pid();

  /** Whether the server process is alive. */
  boolean isRunning();

  /** Starts the server again on the same port and data, after it died; fails if it does not come up. */
  void restart() throws IOException;

  /** Stops the server cleanly (its data flushed), killing it if it does not stop in time. */
  @Override
  void close();

  /** The last lines of the server's own log (read from its last 16 KiB), to say why it did not start. */
  static String tail(Path log, int lines) {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long from = Math.max(0, file.length() - 16_384);
      byte[] bytes = new byte[(int) (file.length() - from)];
      file.seek(from);
      file.readFully(bytes);
      List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
