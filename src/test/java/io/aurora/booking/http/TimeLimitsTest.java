package io.aurora.booking.http;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.core.ExecutableProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No request waits long on a server that stopped answering, and no client holds a connection by sending
 * its body slowly. The servers are real processes frozen with SIGSTOP (connections stay open, nothing
 * answers), the slow client a real socket.
 */
@ExtendWith(VertxExtension.class)
class TimeLimitsTest {

  private static final int DEADLINE_MILLIS = 1_000;
  /** What the answer may take beyond the deadline on a busy machine; far below the minutes a frozen server lasts. */
  private static final long SLACK_MILLIS = 2_000;

  @TempDir
  Path dir;

  @Test
  void aFrozenPostgresGetsRequestsA503FastWhileBookingsAreStillAccepted(Vertx vertx) throws Exception {
    Path pgData = dir.resolve("pg");
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(true)
        .setServerConfig("fsync", "off").start()) {
      String pgUrl = "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/aurora";
      try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE aurora");
      }
      String redisUrl = TestServices.get().newRedisDb();
      JsonObject config = TestApp.baseConfig(pgUrl, redisUrl).put("requestTimeoutMillis", DEADLINE_MILLIS);
      try (TestApp app = TestApp.start(vertx, config, pgUrl, redisUrl)) {
        long eventId = app.createEvent(10);
        List<TestUser> users = app.users(2);
        String view = "/api/events/" + eventId + "/view";
        assertEquals(200, app.get(view, null).statusCode());
        assertEquals("completed", app.awaitJob(app.bookJob(users.get(0).token(), eventId)).getString("status"));

        long postmaster = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim());
        List<ProcessHandle> frozen = signal("STOP", postmaster);
        String job;
        try {
          List<Future<HttpResponse<Buffer>>> views = new ArrayList<>();
          long start = System.nanoTime();
          for (int i = 0; i < 12; i++) {
            views.add(app.http.get(view).send());
          }
          await(Future.join(new ArrayList<>(views)));
          long millis = (System.nanoTime() - start) / 1_000_000;
          for (Future<HttpResponse<Buffer>> answered : views) {
            assertError(answered.result(), 503, "SERVICE_UNAVAILABLE");
            assertEquals("1", answered.result().getHeader("Retry-After"));
          }
          assertTrue(millis < DEADLINE_MILLIS + SLACK_MILLIS, "answered after " + millis + " ms");
          // Accepting a booking never waits on PostgreSQL: the job waits in Redis for the server to wake.
          HttpResponse<Buffer> booked = app.book(users.get(1).token(), eventId);
          assertEquals(202, booked.statusCode(), booked.bodyAsString());
          job = booked.bodyAsJsonObject().getString("jobId");
        } finally {
          signal("CONT", frozen);
        }
        assertEquals("completed", app.awaitJob(job).getString("status"));
        TestApp.awaitCondition("views to work again", Duration.ofSeconds(20), () -> app.get(view, null).statusCode() == 200);
        assertEquals(2, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
      }
    }
  }

  @Test
  void aFrozenRedisGetsBookingsA503Fast(Vertx vertx) throws Exception {
    int port = TestServices.freePort();
    Process redis = new ProcessBuilder(ExecutableProvider.newJarResourceProvider().get().getAbsolutePath(),
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    try {
      String redisUrl = "redis://127.0.0.1:" + port + "/0";
      TestApp.awaitCondition("the test's Redis", Duration.ofSeconds(20), () -> {
        try (Socket probe = new Socket("127.0.0.1", port)) {
          return true;
        } catch (IOException e) {
          return false;
        }
      });
      String pgUrl = TestServices.get().newDatabase();
      JsonObject config = TestApp.baseConfig(pgUrl, redisUrl).put("requestTimeoutMillis", DEADLINE_MILLIS);
      try (TestApp app = TestApp.start(vertx, config, pgUrl, redisUrl)) {
        long eventId = app.createEvent(10);
        TestUser user = app.user();
        List<ProcessHandle> frozen = signal("STOP", redis.pid());
        try {
          long start = System.nanoTime();
          HttpResponse<Buffer> refused = app.book(user.token(), eventId);
          long millis = (System.nanoTime() - start) / 1_000_000;
          assertError(refused, 503, "SERVICE_UNAVAILABLE");
          assertEquals("1", refused.getHeader("Retry-After"));
          assertTrue(millis < DEADLINE_MILLIS + SLACK_MILLIS, "answered after " + millis + " ms");
        } finally {
          signal("CONT", frozen);
        }
        TestApp.awaitCondition("bookings to be accepted again", Duration.ofSeconds(30),
            () -> app.book(app.user().token(), eventId).statusCode() == 202);
      }
    } finally {
      redis.destroyForcibly().waitFor();
    }
  }

  @Test
  void aClientSendingItsBodyByteByByteIsAnswered408AndCutOff(Vertx vertx) throws Exception {
    try (TestApp app = TestApp.start(vertx, Map.of("httpBodyTimeoutMillis", DEADLINE_MILLIS))) {
      String body = new JsonObject().put("name", "Slow").put("email", "slow@example.com").put("password", "a slow password")
          .encode();
      try (Socket socket = new Socket("127.0.0.1", app.config.httpPort())) {
        socket.setSoTimeout(15_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        AtomicBoolean cutOff = new AtomicBoolean();
        Thread trickle = new Thread(() -> {
          try {
            for (byte b : body.getBytes(StandardCharsets.US_ASCII)) {
              out.write(b);
              out.flush();
              Thread.sleep(DEADLINE_MILLIS / 5); // the client's pace, well inside any idle timeout
            }
          } catch (IOException e) {
            cutOff.set(true);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        trickle.start();
        String response = readUntilClosed(socket.getInputStream());
        assertTrue(response.startsWith("HTTP/1.1 408"), response);
        assertTrue(response.contains("\"error\":\"REQUEST_TIMEOUT\""), response);
        trickle.interrupt();
        trickle.join();
      }
      assertEquals(0, app.queryLong("SELECT count(*) FROM users WHERE email = 'slow@example.com'"), "the request never ran");
    }
  }

  /** Everything the server sends until it closes the connection (a reset after the answer counts as closed). */
  private static String readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        received.write(buffer, 0, n);
      }
    } catch (SocketException reset) {
      assertTrue(received.size() > 0, "reset before any answer: " + reset);
    }
    return received.toString(StandardCharsets.UTF_8);
  }

  /** kill -SIG on {@code pid} and every process it started; returns them all. */
  private static List<ProcessHandle> signal(String signal, long pid) {
    ProcessHandle root = ProcessHandle.of(pid).orElseThrow();
    List<ProcessHandle> all = new ArrayList<>(Stream.concat(Stream.of(root), root.descendants()).toList());
    signal(signal, all);
    return all;
  }

  private static void signal(String signal, List<ProcessHandle> processes) {
    for (ProcessHandle process : processes) {
      try {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
