package io.aurora.booking.metrics;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.PrometheusText.Sample;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application on a Vert.x built the way the main class builds it (metrics on), scraped over real
 * HTTP after real traffic: Vert.x's own meters and the domain meters in one Prometheus scrape, with
 * values that match what happened, and the dashboard and alert rules referring only to what it serves.
 */
class MetricsTest {

  private static final int CROWD = 200;
  private static final int SEATS = 50;

  private static Vertx vertx;
  private static TestApp app;

  @BeforeAll
  static void start() {
    vertx = Vertx.builder()
        .with(Metrics.vertxOptions(new AppConfig(new JsonObject())))
        .withMetrics(Metrics.factory())
        .build();
    app = TestApp.start(vertx, Map.of("metricsSampleMillis", 200));
  }

  @AfterAll
  static void stop() {
    try {
      if (app != null) {
        app.close();
      }
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aBurstOfBookingsShowsInTheCountersAndHistograms() throws IOException {
    PrometheusText before = scrape();
    long eventId = app.createEvent(SEATS);
    List<TestUser> users = app.users(CROWD);

    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (TestUser user : users) {
      // A 503 (a machine too busy to answer in time) is sent again with its Idempotency-Key, as clients do.
      sent.add(app.bookRetryingBusy(user.token(), eventId));
    }
    await(Future.all(sent));
    sent.forEach(response -> assertEquals(202, response.result().statusCode(), response.result().bodyAsString()));

    // The worker counts a job once its outcome is recorded in Redis, so wait on the meters themselves.
    PrometheusText[] last = new PrometheusText[1];
    awaitCondition("all outcomes counted", Duration.ofSeconds(60), () -> {
      last[0] = scrape();
      return delta(last[0], before, "booking_jobs_finished_total") >= CROWD;
    });
    PrometheusText after = last[0];
    Files.writeString(Path.of("target", "metrics-scrape-after-burst.txt"), scrapeText());

    assertEquals(SEATS, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
    assertEquals(CROWD, delta(after, before, "booking_jobs_enqueued_total"));
    assertEquals(SEATS, delta(after, before, "booking_jobs_finished_total", "outcome", "completed", "reason", "none"));
    assertEquals(CROWD - SEATS, delta(after, before, "booking_jobs_finished_total", "outcome", "failed", "reason", "SOLD_OUT"));
    assertEquals(CROWD, delta(after, before, "booking_jobs_finished_total"));
    assertEquals(0, delta(after, before, "booking_job_retries_total"));
    assertEquals(0, delta(after, before, "booking_jobs_recovered_total"));

    // Enqueue to outcome: one observation per job, each within the time the test took.
    assertEquals(CROWD, delta(after, before, "booking_job_latency_seconds_count"));
    assertEquals(SEATS, delta(after, before, "booking_job_latency_seconds_count", "outcome", "completed"));
    double latencySum = delta(after, before, "booking_job_latency_seconds_sum");
    assertTrue(latencySum > 0 && latencySum / CROWD < 30, "mean latency " + latencySum / CROWD + " s");
    assertHistogramConsistent(after, "booking_job_latency_seconds");
    assertEquals(CROWD, delta(after, before, "booking_job_processing_seconds_count"));
    assertHistogramConsistent(after, "booking_job_processing_seconds");

    // Transactions: every job was decided in exactly one committed transaction of its event, or, once the
    // event sold out, answered by the queue without one (the sold-out fast path).
    double transactions = delta(after, before, "booking_transaction_duration_seconds_count", "result", "committed");
    assertTrue(transactions >= 1 && transactions <= CROWD, "transactions: " + transactions);
    assertEquals(transactions, delta(after, before, "booking_transaction_jobs_count"));
    assertEquals(CROWD, delta(after, before, "booking_transaction_jobs_sum") + delta(after, before, "booking_jobs_sold_out_fast_total"),
        "jobs decided in committed transactions or answered sold out by the queue");
    assertTrue(after.sum("booking_transaction_jobs_max") <= app.config.maxBatchSize());
    assertHistogramConsistent(after, "booking_transaction_duration_seconds");
    assertHistogramConsistent(after, "booking_transaction_jobs");

    // Vert.x's own meters: the HTTP server counted the 202s on the booking route, the event bus the enqueues.
    assertEquals(CROWD, delta(after, before, "vertx_http_server_requests_total",
        "route", "/api/bookings/:eventId/book", "code", "202", "method", "POST"));
    assertTrue(delta(after, before, "vertx_eventbus_processed_total", "address", "booking.enqueue") >= CROWD);
    assertTrue(after.has("vertx_pool_queue_pending"), "pool meters");

    // Sampled gauges settle: the queue drains and the event is sold out.
    awaitCondition("queue gauges to drain and seats left to reach 0", Duration.ofSeconds(30), () -> {
      PrometheusText now = scrape();
      return now.sum("booking_queue_waiting") == 0 && now.sum("booking_queue_processing") == 0
          && now.has("booking_event_seats_left", "event", Long.toString(eventId))
          && now.sum("booking_event_seats_left", "event", Long.toString(eventId)) == 0;
    });
  }

  @Test
  void queueDepthSeatsLeftAndDependencyGaugesFollowRedisAndPostgres() {
    long eventId = app.createEvent(7);
    String event = Long.toString(eventId);
    awaitCondition("the new event's seats-left gauge", Duration.ofSeconds(30),
        () -> scrape().sum("booking_event_seats_left", "event", event) == 7);
    PrometheusText now = scrape();
    assertEquals(1, now.sum("booking_dependency_up", "dependency", "postgres"));
    assertEquals(1, now.sum("booking_dependency_up", "dependency", "redis"));
    assertEquals(app.config.shards(), now.samples("booking_queue_waiting").size(), "one waiting gauge per shard");

    // While the queue is paused, the booking waits in its shard and the gauge shows it.
    assertEquals(200, app.post("/api/admin/queue/pause", app.adminToken(), null).statusCode());
    try {
      app.bookJob(app.user().token(), eventId);
      awaitCondition("the waiting gauge to show the job", Duration.ofSeconds(30),
          () -> scrape().sum("booking_queue_waiting") == 1);
    } finally {
      assertEquals(200, app.post("/api/admin/queue/resume", app.adminToken(), null).statusCode());
    }
    awaitCondition("the booking to take a seat", Duration.ofSeconds(30),
        () -> scrape().sum("booking_event_seats_left", "event", event) == 6);

    // An event that has started is no longer on sale: its gauge goes, so the label set stays bounded.
    assertEquals(200, app.put("/api/events/" + eventId + "/update", app.adminToken(),
        new JsonObject().put("startsAt", Instant.now().plusSeconds(1).toString())).statusCode());
    awaitCondition("the started event's gauge to be removed", Duration.ofSeconds(30),
        () -> !scrape().has("booking_event_seats_left", "event", event));
  }

  @Test
  void theDashboardAndAlertRulesUseOnlyMetricsThatAreScraped() throws IOException {
    app.createEvent(3);
    awaitCondition("sampled gauges", Duration.ofSeconds(30),
        () -> scrape().has("booking_event_seats_left") && scrape().has("booking_dependency_up"));
    // GC pause meters appear only after a collection. Garbage makes one, as it does in a running server;
    // System.gc() is only a hint a JVM may ignore (-XX:+DisableExplicitGC) or run as a concurrent cycle.
    awaitCondition("a GC pause to be recorded", Duration.ofSeconds(30), () -> {
      makeGarbage();
      return scrape().has("jvm_gc_pause_seconds_count");
    });
    Set<String> scraped = scrape().names();

    List<String> expressions = new ArrayList<>();
    JsonObject dashboard = new JsonObject(Files.readString(Path.of("docker", "grafana-dashboard.json")));
    collectExpressions(dashboard, expressions);
    int panelExpressions = expressions.size();
    assertTrue(panelExpressions >= 10, "the dashboard has panels with queries: " + panelExpressions);
    Matcher rule = Pattern.compile("(?m)^\\s*expr:\\s*(.+)$").matcher(Files.readString(Path.of("docker", "alert-rules.yml")));
    while (rule.find()) {
      expressions.add(rule.group(1));
    }
    assertTrue(expressions.size() - panelExpressions >= 4, "alert rules with expressions");

    Set<String> missing = new LinkedHashSet<>();
    for (String expression : expressions) {
      Set<String> used = metricNames(expression);
      assertFalse(used.isEmpty(), "no metric found in: " + expression);
      for (String name : used) {
        if (!scraped.contains(name) && !PROMETHEUS_OWN.contains(name)) {
          missing.add(name + " (in: " + expression + ")");
        }
      }
    }
    assertTrue(missing.isEmpty(), "not in a real scrape: " + missing);
  }

  /** Where {@link #makeGarbage} leaves its last array, so the allocations cannot be optimised away. */
  private static volatile byte[] garbage;

  /** 32 MiB of short-lived arrays: enough young-generation allocation that a collection follows soon. */
  private static void makeGarbage() {
    for (int i = 0; i < 32; i++) {
      garbage = new byte[1 << 20];
    }
  }

  /** Series Prometheus makes itself for every target, not served by the application. */
  private static final Set<String> PROMETHEUS_OWN = Set.of("up");

  /** Metric names in a PromQL expression: identifiers with our prefixes, and Prometheus' own {@code up}. */
  private static Set<String> metricNames(String expression) {
    Set<String> names = new LinkedHashSet<>();
    String withoutStrings = expression.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"");
    Matcher m = Pattern.compile("\\b((?:booking|vertx|jvm|process|system)_[a-zA-Z0-9_]+|up)\\b(?!\\s*\\()")
        .matcher(withoutStrings);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static void collectExpressions(Object node, List<String> out) {
    if (node instanceof JsonObject json) {
      json.forEach(entry -> {
        if ("expr".equals(entry.getKey()) && entry.getValue() instanceof String expr) {
          out.add(expr);
        } else if ("query".equals(entry.getKey()) && entry.getValue() instanceof String query && query.contains("label_values(")) {
          out.add(query); // a template variable's values
        } else {
          collectExpressions(entry.getValue(), out);
        }
      });
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> collectExpressions(item, out));
    }
  }

  /** Buckets are cumulative, end in +Inf, and +Inf equals the count. */
  private static void assertHistogramConsistent(PrometheusText scrape, String name) {
    List<Sample> buckets = scrape.samples(name + "_bucket");
    assertFalse(buckets.isEmpty(), name + " has buckets");
    List<Sample> infinite = buckets.stream().filter(b -> "+Inf".equals(b.labels().get("le"))).toList();
    double infSum = infinite.stream().mapToDouble(Sample::value).sum();
    assertEquals(scrape.sum(name + "_count"), infSum, name + ": +Inf bucket equals the count");
  }

  private static double delta(PrometheusText after, PrometheusText before, String name, String... labels) {
    return after.sum(name, labels) - before.sum(name, labels);
  }

  private static String scrapeText() {
    HttpResponse<Buffer> response = app.get("/metrics", null);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertTrue(response.getHeader("Content-Type").startsWith("text/plain"), response.getHeader("Content-Type"));
    return response.bodyAsString();
  }

  @Test
  void theScrapeHoldsNoConnectionStringCredentialOrSecret() {
    // Some traffic first, so that every client's pool has its meters.
    long eventId = app.createEvent(1);
    assertEquals("completed", app.awaitJob(app.bookJob(app.user().token(), eventId)).getString("status"));
    String text = scrapeText();
    for (String leak : List.of("postgresql://", "postgres://", "redis://", "rediss://", "password", TestApp.SECRET,
        app.config.pgUrl(), app.config.redisUrl())) {
      if (!leak.isEmpty()) {
        assertFalse(text.contains(leak), "the scrape shows " + leak + ":\n" + text.lines()
            .filter(line -> line.contains(leak)).limit(5).toList());
      }
    }
  }

  private static PrometheusText scrape() {
    return PrometheusText.parse(scrapeText());
  }
}
