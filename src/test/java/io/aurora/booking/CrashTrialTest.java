package io.aurora.booking;

import io.aurora.booking.testing.JarProcess;
import io.aurora.booking.testing.JdkHttp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promise the product exists for, tried the way it broke: the fat jar as a process of its own on
 * embedded PostgreSQL and Redis; an event of capacity 100 paused while 400 bookings are accepted; resumed;
 * then the JVM and both servers are killed with {@code kill -9} at once, somewhere between 0.1 and 1 s
 * later, while a client keeps polling the jobs; then the service is started again on the same data. Every
 * time: every job the client saw {@code completed} has its CONFIRMED row (the same booking), every 202 is
 * decided, {@code booked} equals the rows, and no more confirmations were ever given than there are seats.
 * Half of the rounds decide one job per transaction (many commits in flight at the kill), half in batches.
 */
@Tag("crash")
class CrashTrialTest {

  private static final int CAPACITY = 100;
  private static final int REQUESTS = 400;
  private static final long[] KILL_AFTER_MILLIS = {100, 280, 460, 640, 820, 1_000};
  private static final String ADMIN_EMAIL = "admin@crash.local";
  private static final String ADMIN_PASSWORD = "crash-trial-admin-password";

  @TempDir
  Path work;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private int port;

  @Test
  void confirmedBookingsAndAcceptedJobsSurviveKillingEveryProcess() throws Exception {
    Path dataDir = work.resolve("data");
    port = TestServices.freePort();
    Path report = Path.of("target", "crash-trial.txt");
    Files.writeString(report, "round killAfterMs batchSize completedSeenBeforeKill decidedAfterRestart confirmed restartSeconds\n");
    JarProcess service = JarProcess.start(dataDir, port, env(batchSize(0)), work.resolve("service.log"));
    service.awaitReady(Duration.ofSeconds(120));
    for (int round = 0; round < KILL_AFTER_MILLIS.length; round++) {
      String admin = login();
      long eventId = createEvent(admin);
      post("/api/admin/queue/pause?eventId=" + eventId, admin, "");
      List<String> jobs = bookAll(admin, eventId);
      assertEquals(REQUESTS, jobs.size(), "every request accepted while paused");

      Map<String, Long> seenCompleted = new ConcurrentHashMap<>();
      AtomicBoolean polling = new AtomicBoolean(true);
      Thread poller = new Thread(() -> pollWhile(polling, admin, jobs, seenCompleted), "poller");
      poller.start();
      post("/api/admin/queue/resume?eventId=" + eventId, admin, "");
      long resumed = System.nanoTime();
      // The kill's moment is the experiment's variable, not a wait for a condition.
      Thread.sleep(Math.max(0, KILL_AFTER_MILLIS[round] - (System.nanoTime() - resumed) / 1_000_000));
      service.killAll();
      polling.set(false);
      poller.join();
      Map<String, Long> before = new HashMap<>(seenCompleted);

      // The restart serves the next round too, with that round's batch size.
      long restartAt = System.nanoTime();
      service = JarProcess.start(dataDir, port, env(batchSize(round + 1)), work.resolve("service.log"));
      service.awaitReady(Duration.ofSeconds(120));
      double restartSeconds = (System.nanoTime() - restartAt) / 1e9;
      String adminAgain = login();
      Map<String, JsonObject> outcomes = awaitAllDecided(adminAgain, jobs);

      long confirmed = verify(service, eventId, jobs, before, outcomes);
      Files.writeString(report, String.format("%d %d %d %d %d %d %.1f%n", round, KILL_AFTER_MILLIS[round], batchSize(round),
          before.size(), outcomes.size(), confirmed, restartSeconds), StandardOpenOption.APPEND);
    }
    service.stop();
  }

  /** One job per transaction in even rounds (many commits in flight at the kill), batches of 64 in odd ones. */
  private static int batchSize(int round) {
    return round % 2 == 0 ? 1 : 64;
  }

  private static Map<String, String> env(int batchSize) {
    return Map.of("BOOKING_ADMIN_EMAIL", ADMIN_EMAIL, "BOOKING_ADMIN_PASSWORD", ADMIN_PASSWORD,
        "BOOKING_BENCH_MODE", "true", "BOOKING_BCRYPT_COST", "4", "BOOKING_BATCH_SIZE", Integer.toString(batchSize));
  }

  /** Every check of one round, on the restarted service's database. Returns the confirmed bookings. */
  private static long verify(JarProcess service, long eventId, List<String> jobs, Map<String, Long> completedBefore,
                             Map<String, JsonObject> outcomes) throws SQLException {
    try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + service.postgresPort() + "/postgres", "postgres", null)) {
      Map<String, Long> rows = new HashMap<>();
      try (PreparedStatement q = db.prepareStatement("SELECT job_id, id FROM bookings WHERE event_id = ? AND status = 'CONFIRMED'")) {
        q.setLong(1, eventId);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            rows.put(rs.getString(1), rs.getLong(2));
          }
        }
      }
      long booked;
      try (PreparedStatement q = db.prepareStatement("SELECT booked FROM events WHERE id = ?")) {
        q.setLong(1, eventId);
        try (ResultSet rs = q.executeQuery()) {
          rs.next();
          booked = rs.getLong(1);
        }
      }
      completedBefore.forEach((job, bookingId) -> assertEquals(bookingId, rows.get(job),
          "job " + job + " was reported completed before the kill: its booking must be there"));
      assertEquals(REQUESTS, outcomes.size(), "every 202 is decided");
      Set<String> everConfirmed = new HashSet<>(completedBefore.keySet());
      outcomes.forEach((job, outcome) -> {
        if ("completed".equals(outcome.getString("status"))) {
          everConfirmed.add(job);
          assertEquals(outcome.getJsonObject("result").getLong("bookingId"), rows.get(job), "completed " + job + " has its row");
        }
      });
      assertEquals(rows.size(), booked, "booked equals the rows");
      assertTrue(everConfirmed.size() <= CAPACITY, "confirmations ever given: " + everConfirmed.size());
      assertEquals(everConfirmed, rows.keySet(), "the confirmed jobs are exactly the rows");
      return rows.size();
    }
  }

  /**
   * Polls the jobs as a client following them would, the oldest still pending first (the queue is FIFO, so
   * those are the ones about to be decided), a window at a time, and records every completion it sees.
   */
  private void pollWhile(AtomicBoolean polling, String admin, List<String> jobs, Map<String, Long> completed) {
    while (polling.get()) {
      List<CompletableFuture<Void>> window = new ArrayList<>();
      for (String job : jobs) {
        if (window.size() == 32) {
          break;
        }
        if (!completed.containsKey(job)) {
          window.add(http.sendAsync(get("/api/bookings/status/" + job, admin), HttpResponse.BodyHandlers.ofString())
              .thenAccept(response -> {
                if (response.statusCode() == 200) {
                  JsonObject status = new JsonObject(response.body());
                  if ("completed".equals(status.getString("status"))) {
                    completed.put(job, status.getJsonObject("result").getLong("bookingId"));
                  }
                }
              })
              .exceptionally(e -> null));
        }
      }
      CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
    }
  }

  private Map<String, JsonObject> awaitAllDecided(String admin, List<String> jobs) throws Exception {
    Map<String, JsonObject> decided = new HashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (decided.size() < jobs.size() && System.nanoTime() < deadline) {
      for (String job : jobs) {
        if (!decided.containsKey(job)) {
          HttpResponse<String> response = http.send(get("/api/bookings/status/" + job, admin), HttpResponse.BodyHandlers.ofString());
          JsonObject status = new JsonObject(response.body());
          if ("completed".equals(status.getString("status")) || "failed".equals(status.getString("status"))) {
            decided.put(job, status);
          }
        }
      }
    }
    return decided;
  }

  /**
   * The crowd, all at once. A request answered 503 (a cold JVM past its answer deadline) or 429 is sent again
   * with the same Idempotency-Key, as a client does: the trial is about what survives the kill, and a retried
   * request can never make a second job.
   */
  private List<String> bookAll(String admin, long eventId) {
    JsonArray users = new JsonObject(post("/api/admin/bench/users", admin, new JsonObject().put("count", REQUESTS).encode()))
        .getJsonArray("users");
    Map<String, Long> positions = new HashMap<>();
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < users.size(); i++) {
      pending.add(i);
    }
    Map<Integer, Integer> refused = new java.util.TreeMap<>();
    for (int attempt = 0; attempt < 20 && !pending.isEmpty(); attempt++) {
      if (attempt > 0) {
        try {
          Thread.sleep(250L * attempt); // a client's backoff before it retries, not a wait for a condition
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      Map<Integer, CompletableFuture<HttpResponse<String>>> sent = new java.util.LinkedHashMap<>();
      for (int i : pending) {
        sent.put(i, http.sendAsync(HttpRequest.newBuilder(uri("/api/bookings/" + eventId + "/book"))
            .header("Authorization", "Bearer " + users.getJsonObject(i).getString("token"))
            .header("Idempotency-Key", "crash-trial-" + eventId + "-" + i)
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));
      }
      pending = new ArrayList<>();
      for (Map.Entry<Integer, CompletableFuture<HttpResponse<String>>> answer : sent.entrySet()) {
        HttpResponse<String> response = answer.getValue().join();
        if (response.statusCode() == 202 || response.statusCode() == 200) {
          JsonObject accepted = new JsonObject(response.body());
          positions.put(accepted.getString("jobId"), accepted.getLong("queuePosition"));
        } else {
          assertTrue(response.statusCode() == 503 || response.statusCode() == 429, response.statusCode() + " " + response.body());
          refused.merge(response.statusCode(), 1, Integer::sum);
          pending.add(answer.getKey());
        }
      }
    }
    if (!refused.isEmpty()) {
      System.out.println("CRASH TRIAL: answers retried with their Idempotency-Key: " + refused);
    }
    // In queue order: the order in which they will be decided.
    return positions.keySet().stream().sorted(java.util.Comparator.comparing(positions::get)).toList();
  }

  private String login() {
    return new JsonObject(post("/api/auth/login", null,
        new JsonObject().put("email", ADMIN_EMAIL).put("password", ADMIN_PASSWORD).encode())).getString("token");
  }

  private long createEvent(String admin) {
    return new JsonObject(post("/api/events/create", admin, new JsonObject().put("name", "Crash trial " + Instant.now())
        .put("venue", "Lab").put("startsAt", Instant.now().plus(Duration.ofDays(1)).toString()).put("capacity", CAPACITY)
        .encode())).getLong("id");
  }

  private String post(String path, String token, String body) {
    return JdkHttp.postOk(http, uri(path), token, body);
  }

  private HttpRequest get(String path, String token) {
    return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).GET().build();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
