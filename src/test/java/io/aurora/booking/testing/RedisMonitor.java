package io.aurora.booking.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redis's {@code MONITOR} feed of one database: every command the server runs for it, with the server's
 * own clock. For counting what the application asks of Redis, from outside the application.
 */
public final class RedisMonitor implements AutoCloseable {

  /** {@code +1700000000.123456 [3 127.0.0.1:5555] "evalsha" "..."}; commands run by scripts show as {@code [3 lua]}. */
  private static final Pattern LINE = Pattern.compile("^\\+(\\d+)\\.(\\d{6}) \\[(\\d+) ([^\\]]+)] (.*)$");

  /** One command: when the server ran it (microseconds of its clock) and its words, as quoted by Redis. */
  public record Command(long micros, String words) {
  }

  private final Socket socket;
  private final int db;
  private final List<Command> commands = new ArrayList<>();
  private final Thread reader;

  private RedisMonitor(Socket socket, int db) {
    this.socket = socket;
    this.db = db;
    this.reader = new Thread(this::read, "redis-monitor");
    this.reader.setDaemon(true);
    this.reader.start();
  }

  /** Starts watching the database of {@code redisUrl} ({@code redis://host:port/db}). */
  public static RedisMonitor start(String redisUrl) {
    URI uri = URI.create(redisUrl);
    int db = uri.getPath() == null || uri.getPath().length() <= 1 ? 0 : Integer.parseInt(uri.getPath().substring(1));
    try {
      Socket socket = new Socket(uri.getHost(), uri.getPort());
      OutputStream out = socket.getOutputStream();
      if (uri.getUserInfo() != null) {
        String password = uri.getUserInfo().substring(uri.getUserInfo().indexOf(':') + 1);
        out.write(("AUTH " + password + "\r\n").getBytes(StandardCharsets.UTF_8));
      }
      out.write("MONITOR\r\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      return new RedisMonitor(socket, db);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        Matcher m = LINE.matcher(line);
        if (m.matches() && Integer.parseInt(m.group(3)) == db && !"lua".equals(m.group(4))) {
          synchronized (commands) {
            commands.add(new Command(Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2)), m.group(5)));
          }
        }
      }
    } catch (IOException closed) {
      // the monitor was closed
    }
  }

  /** The commands seen so far, in the order the server ran them. */
  public List<Command> commands() {
    synchronized (commands) {
      return List.copyOf(commands);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
      reader.join(5_000);
    } catch (IOException | InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
