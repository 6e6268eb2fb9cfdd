package io.aurora.booking.infra;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a person or a log shipper sees on the service's standard output: the real main class in a JVM of
 * its own, with the production logging configuration, its output captured. JSON lines when the output is
 * a file or a pipe, human text when it is a terminal (a pseudo-terminal made by {@code script}), and not
 * one warning at a clean start.
 */
class ConsoleLogFormatTest {

  /** A start takes seconds; a machine running several builds at once (load average 30 and more) has taken over two minutes. */
  private static final long READY_WITHIN_SECONDS = 300;

  /** The text layout's head: time, level, thread ({@link LogFormatEncoder#DEFAULT_PATTERN}). */
  private static final Pattern TEXT_LINE = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) +\\[.*");

  @Test
  void jsonLinesWhenTheOutputIsNotATerminalAndNoWarningAtACleanStart() throws IOException {
    Path work = Files.createTempDirectory("aurora-logs");
    // The README's run command as it is: embedded PostgreSQL and Redis in a fresh data directory.
    Map<String, String> env = new HashMap<>();
    env.put("BOOKING_DATA_DIR", work.resolve("data").toString());
    env.put("BOOKING_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD);
    List<String> lines = runUntilReady(List.of(), env, work.resolve("out.log"));

    List<JsonObject> events = new ArrayList<>();
    for (String line : lines) {
      JsonObject event = parseJson(line).orElseThrow(() -> new AssertionError("not a JSON object: " + line));
      assertTrue(event.containsKey("message") && event.containsKey("@timestamp") && event.containsKey("node"), line);
      events.add(event);
    }
    int banner = -1;
    for (int i = 0; i < events.size() && banner < 0; i++) {
      if ("INFO".equals(events.get(i).getString("level")) && BOOKING_APP.equals(events.get(i).getString("logger_name"))) {
        banner = i;
      }
    }
    assertTrue(banner >= 0, "the start-up banner was logged:\n" + String.join("\n", lines));
    for (JsonObject event : events.subList(0, banner + 1)) {
      assertFalse(List.of("WARN", "ERROR").contains(event.getString("level"))
          && !event.getString("logger_name", "").endsWith(BLOCKED_THREAD_CHECKER), "a clean start logs no warning: " + event.encode());
    }
  }

  @Test
  void humanTextWhenTheOutputIsATerminal() throws IOException {
    Path work = Files.createTempDirectory("aurora-logs");
    // Embedded servers, as the README runs it: the shared test servers skip fsync, and a start on them
    // rightly warns that they are not durable.
    Map<String, String> env = new HashMap<>();
    env.put("BOOKING_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD);
    env.put("BOOKING_DATA_DIR", work.resolve("data").toString());
    // script(1) runs the command on a new pseudo-terminal and copies what it writes to its own output.
    List<String> lines = runUntilReady(List.of("script", "--quiet", "--flush", "--return", "--command"), env, work.resolve("out.log"));
    assertFalse(lines.stream().anyMatch(line -> parseJson(line).isPresent()), "no JSON on a terminal:\n" + String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(line -> TEXT_LINE.matcher(line).matches() && line.contains(" INFO ")),
        "log events as text lines:\n" + String.join("\n", lines));
    assertFalse(lines.stream().anyMatch(line -> TEXT_LINE.matcher(line).matches()
        && (line.contains(" WARN ") || line.contains(" ERROR ")) && !line.contains(BLOCKED_THREAD_SHORT)), String.join("\n", lines));
  }

  @Test
  void theLogFormatSettingWinsOverWhatTheOutputIs() {
    assertTrue(LogFormatEncoder.textFor("text", false));
    assertFalse(LogFormatEncoder.textFor("json", true));
    assertTrue(LogFormatEncoder.textFor("auto", true));
    assertFalse(LogFormatEncoder.textFor("auto", false));
    assertFalse(LogFormatEncoder.textFor("yaml", true), "an unknown format is JSON, with a warning from logback");
  }

  @Test
  void aTestRunIsNotATerminal() {
    // Surefire pipes the test JVM's output: the detection must say so, or the tests above prove nothing.
    assertFalse(LogFormatEncoder.stdoutIsTerminal());
  }

  private static final String BOOKING_APP = "io.aurora.booking.BookingApp";
  /**
   * Vert.x's warning that an event loop ran over 2 s, which a start on a machine loaded by other builds gets
   * from being descheduled (seen at load average 15 on two cores): a fact about the machine, not a setting
   * of the start that an operator should act on. Any other warning still fails these tests.
   */
  private static final String BLOCKED_THREAD_CHECKER = "BlockedThreadChecker";
  private static final String BLOCKED_THREAD_SHORT = "i.v.c.i.BlockedThreadChecker";

  private static final class BookingAppName {
    static final String SIMPLE = BOOKING_APP.substring(BOOKING_APP.lastIndexOf('.') + 1);
  }

  /**
   * Starts the main class ({@code wrapper} + java ... when a wrapper is given, as one shell command), waits
   * until it is ready and has logged its banner, stops it gracefully and returns its output lines.
   */
  private static List<String> runUntilReady(List<String> wrapper, Map<String, String> env, Path output) {
    int port = TestServices.freePort();
    List<String> java = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "-Dlogback.configurationFile=logback.xml", "-cp", classPath(), "io.aurora.booking.BookingServer");
    List<String> command = new ArrayList<>(wrapper);
    if (wrapper.isEmpty()) {
      command.addAll(java);
    } else {
      command.add(String.join(" ", java.stream().map(ConsoleLogFormatTest::shellQuoted).toList()));
      command.add("/dev/null");
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().keySet().removeIf(key -> key.startsWith("BOOKING_"));
    builder.environment().putAll(env);
    builder.environment().put("BOOKING_HTTP_PORT", Integer.toString(port));
    builder.environment().put("BOOKING_HTTP_HOST", "127.0.0.1");
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      awaitReadyAndBanner(process, port, output);
    } finally {
      stop(process);
    }
    try {
      return Files.readAllLines(output).stream().map(line -> line.replace("\r", "")).filter(line -> !line.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitReadyAndBanner(Process process, int port, Path output) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_WITHIN_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("the service exited with " + process.exitValue() + ":\n" + read(output));
      }
      try {
        // The banner is logged after the HTTP verticles listen: wait for both (the text layout shortens the
        // logger's package, the JSON one does not).
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200
            && read(output).contains(BookingAppName.SIMPLE)) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
    fail("the service was not ready within " + READY_WITHIN_SECONDS + " s:\n" + read(output));
  }

  /** SIGTERM to the JVM (under a wrapper: to the wrapper's children too), the graceful stop. */
  private static void stop(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    children.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        fail("the service did not stop within 60 s of SIGTERM");
      }
      for (ProcessHandle child : children) {
        child.onExit().get(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new AssertionError("waiting for the service to stop", e);
    }
  }

  private static java.util.Optional<JsonObject> parseJson(String line) {
    if (!line.startsWith("{")) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(new JsonObject(line));
    } catch (DecodeException e) {
      return java.util.Optional.empty();
    }
  }

  private static String read(Path output) {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      return "";
    }
  }

  private static String shellQuoted(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  private static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }
}
