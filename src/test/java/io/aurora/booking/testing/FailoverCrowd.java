package io.aurora.booking.testing;

import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A crowd booking one event while Redis fails over: the users, {@code inFlight} at a time, each sending its
 * request with an Idempotency-Key until it is answered other than 503 (a lost connection counts as a 503),
 * for up to about ten minutes. What it records is what the failover trials assert on: the 202s' job ids,
 * the 503s, and any other answer (a 500 would be a failover mapped wrongly).
 */
public final class FailoverCrowd {

  /** The statuses of a decided job. */
  public static final Set<String> FINAL = Set.of("completed", "failed", "waitlisted");

  private final TestApp app;
  private final List<TestUser> users;
  private final long eventId;
  private final int inFlight;
  private final AtomicInteger next = new AtomicInteger();
  /** User index to the job id of its 202. */
  public final Map<Integer, String> accepted = new ConcurrentHashMap<>();
  public final AtomicInteger unavailable = new AtomicInteger();
  /** 503s that did not say when to come back ({@code Retry-After}). */
  public final AtomicInteger unavailableWithoutRetryAfter = new AtomicInteger();
  /** Answers of every kind, retried ones included. */
  public final AtomicInteger answers = new AtomicInteger();
  /** Answers other than 202 and 503, by status. */
  public final Map<Integer, Integer> unexpected = new TreeMap<>();

  public FailoverCrowd(TestApp app, List<TestUser> users, long eventId, int inFlight) {
    this.app = app;
    this.users = users;
    this.eventId = eventId;
    this.inFlight = inFlight;
  }

  /** Sends every user's request; completes when each has its answer other than 503. */
  public Future<Void> start() {
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < inFlight; lane++) {
      lanes.add(nextUser());
    }
    return Future.all(lanes).mapEmpty();
  }

  private Future<Void> nextUser() {
    int user = next.getAndIncrement();
    if (user >= users.size()) {
      return Future.succeededFuture();
    }
    return book(user, 0).compose(v -> nextUser());
  }

  /** One user's request, sent again with its key after a 503 or a lost connection. */
  private Future<Void> book(int user, int attempt) {
    return app.http.post("/api/bookings/" + eventId + "/book").bearerTokenAuthentication(users.get(user).token())
        .putHeader("Idempotency-Key", "failover-" + eventId + "-" + user).send()
        .transform(answer -> {
          answers.incrementAndGet();
          if (answer.succeeded() && answer.result().statusCode() == 202) {
            String job = answer.result().bodyAsJsonObject().getString("jobId");
            assertNotNull(job);
            accepted.put(user, job);
            return Future.succeededFuture();
          }
          if (answer.succeeded() && answer.result().statusCode() != 503) {
            synchronized (unexpected) {
              unexpected.merge(answer.result().statusCode(), 1, Integer::sum);
            }
            return Future.succeededFuture();
          }
          unavailable.incrementAndGet();
          if (answer.succeeded() && answer.result().getHeader("Retry-After") == null) {
            unavailableWithoutRetryAfter.incrementAndGet();
          }
          assertFalse(attempt > 600, "user " + user + " still refused after " + attempt + " attempts");
          Promise<Void> later = Promise.promise();
          app.vertx.setTimer(Math.min(1_000, 50L << Math.min(attempt, 5)), t -> later.complete());
          return later.future().compose(v -> book(user, attempt + 1));
        });
  }

  /** What became of the accepted jobs: lost (404), completed, and the seats PostgreSQL shows booked. */
  public record Settled(long lost, long completed, long booked) {
  }

  /**
   * Waits until every accepted job is decided ({@link #awaitOutcomes}) and checks PostgreSQL: no oversell of
   * the event's {@code seats}, {@code booked} equal to the confirmed rows, and every job a client saw completed
   * with its booking row.
   */
  public Settled settle(boolean everyJobKept, int seats) {
    Map<String, JsonObject> outcomes = awaitOutcomes(app, everyJobKept, Set.copyOf(accepted.values()));
    long lost = outcomes.values().stream().filter(o -> o.getInteger("httpStatus") == 404).count();
    long completed = outcomes.values().stream().filter(o -> "completed".equals(o.getString("status"))).count();
    long booked = app.queryLong("SELECT booked FROM events WHERE id = $1", eventId);
    List<Row> rows = app.queryRows("SELECT id, job_id FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId);
    Map<String, Long> bookingOfJob = new HashMap<>();
    rows.forEach(row -> bookingOfJob.put(row.getString("job_id"), row.getLong("id")));
    assertTrue(booked <= seats, "no oversell: " + booked);
    assertEquals(rows.size(), booked, "booked equals the confirmed rows");
    outcomes.forEach((job, outcome) -> {
      if ("completed".equals(outcome.getString("status"))) {
        assertEquals(outcome.getJsonObject("result").getLong("bookingId"), bookingOfJob.get(job), "completed " + job + " has its row");
      }
    });
    return new Settled(lost, completed, booked);
  }

  /**
   * Every accepted job's status (with its {@code httpStatus}), once none is left to decide: when each is
   * final if {@code everyJobKept}; otherwise when the queue is empty and each job is final or unknown (404:
   * lost with the master that had it).
   */
  public static Map<String, JsonObject> awaitOutcomes(TestApp app, boolean everyJobKept, Set<String> jobs) {
    Map<String, JsonObject> outcomes = new ConcurrentHashMap<>();
    awaitCondition("every accepted job to be decided", Duration.ofSeconds(180), () -> {
      List<Future<HttpResponse<Buffer>>> reads = new ArrayList<>();
      for (String job : jobs) {
        JsonObject known = outcomes.get(job);
        if (known == null || !FINAL.contains(known.getString("status", ""))) {
          reads.add(app.http.get("/api/bookings/status/" + job).bearerTokenAuthentication(app.adminToken()).send()
              .onSuccess(r -> outcomes.put(job, (r.statusCode() == 200 ? r.bodyAsJsonObject() : new JsonObject())
                  .put("httpStatus", r.statusCode()))));
        }
      }
      await(Future.join(reads).otherwiseEmpty());
      long pending = outcomes.values().stream()
          .filter(o -> !FINAL.contains(o.getString("status", "")) && (everyJobKept || o.getInteger("httpStatus") != 404)).count();
      if (pending > 0 || outcomes.size() < jobs.size()) {
        return false;
      }
      JsonObject total = app.queueStats().getJsonObject("total");
      return total.getLong("waiting") == 0 && total.getLong("processing") == 0;
    });
    return outcomes;
  }
}
