package io.aurora.booking.bench;

import io.aurora.booking.BookingApp;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.live.QueueHeads;
import io.aurora.booking.queue.Sharding;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Capacity of the live status streams: opens N streams (Server-Sent Events, one HTTP/1.1 connection each, each
 * with its owner's token) of N jobs waiting in one shard's line, and measures what moving the line costs: per
 * round the server's worker takes a block of {@code --step} jobs ahead of them, and the bench times from the
 * node's ticker starting the tick that saw it (in-process only) and from the first stream's new position to the
 * last one's. Then the streamed jobs are decided, and it times until every stream has its outcome and has ended.
 * Prints one JSON object.
 *
 * <pre>
 *   java -cp target/aurora-booking.jar io.aurora.booking.bench.StreamBench --streams 5000
 *   ... --url http://127.0.0.1:8080 --admin-email ... --admin-password ...
 *       against a running server (see --url for the settings it needs)
 *   ... --help   every option with its default
 * </pre>
 *
 * In-process (the default) the server and the clients share the JVM, so each stream costs two file descriptors
 * in it; against a running server each process holds one per stream.
 */
@Command(name = "StreamBench", sortOptions = false, mixinStandardHelpOptions = true, version = "Aurora Booking StreamBench",
    description = "Opens N live status streams and measures how many are held and what a position round and the "
        + "outcomes cost; prints one JSON line.",
    footer = "Exit status: 0 when every stream was held and got every round and its outcome, 1 when not, 2 for a usage error.")
public final class StreamBench implements Callable<Integer> {

  @Option(names = "--streams", paramLabel = "N", defaultValue = "20000",
      description = "Streams to open, one job (and one user) each (default: ${DEFAULT-VALUE}).")
  int streams;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "5",
      description = "Position rounds: each takes --step jobs ahead of the streamed ones (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--step", paramLabel = "S", defaultValue = "50",
      description = "Jobs ahead of the streamed ones decided per round, in one take: at most the server's batchSize "
          + "(default: ${DEFAULT-VALUE}).")
  int step;

  @Option(names = "--open-concurrency", paramLabel = "K", defaultValue = "64",
      description = "Streams being opened at once (default: ${DEFAULT-VALUE}).")
  int openConcurrency;

  @Option(names = "--url", paramLabel = "URL",
      description = "A running server (BOOKING_BENCH_MODE=true, BOOKING_SSE_MAX_STREAMS >= N, a per-address booking limit "
          + "above N: BOOKING_BOOKING_RATE_PER_IP, BOOKING_BOOKING_BURST_PER_IP) instead of an in-process one.")
  String url;

  @Option(names = "--shards", paramLabel = "N", defaultValue = "8",
      description = "Shards of the in-process server; with --url, the server's (default: ${DEFAULT-VALUE}).")
  int shards;

  @Mixin
  AdminLogin admin = new AdminLogin();

  @Spec
  CommandSpec spec;

  /** Tries of a booking or a stream answered 503 (or not at all) before it counts as refused. */
  private static final int RETRIES = 5;

  private Vertx vertx;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new StreamBench());
  }

  void validate() {
    for (int value : new int[] {streams, rounds, step, openConcurrency, shards}) {
      if (value < 1) {
        throw new ParameterException(spec.commandLine(), "--streams, --rounds, --step, --open-concurrency and --shards "
            + "must be 1 or more");
      }
    }
    if (url != null && !admin.given()) {
      throw new ParameterException(spec.commandLine(), "--url needs --admin-email and --admin-password");
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      JsonObject result = url != null ? run(url, admin.email, admin.password, null, "remote: " + url) : runInProcess();
      System.out.println(result.encode());
      return result.getBoolean("complete") ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private JsonObject runInProcess() throws Exception {
    Path dataDir = Files.createTempDirectory("aurora-stream-bench");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String password = "bench-admin-" + System.nanoTime();
    JsonObject config = new JsonObject().put("httpHost", "127.0.0.1").put("httpPort", port)
        .put("dataDir", dataDir.toString()).put("adminPassword", password).put("benchMode", true)
        .put("shards", shards).put("sseMaxStreams", Math.max(50_000, streams)).put("embeddedDurable", false)
        // Every simulated user books from this one address: the per-address limit would measure itself.
        .put("bookingRatePerIp", 60_000_000).put("bookingBurstPerIp", 10_000_000);
    Vertx server = Vertx.vertx();
    BookingApp app = new BookingApp();
    try {
      await(server.deployVerticle(app, new DeploymentOptions().setConfig(config)));
      return run("http://127.0.0.1:" + port, app.resolvedConfig().adminEmail(), password, server,
          "in-process, embedded PostgreSQL and Redis (not durable)");
    } finally {
      await(server.close());
    }
  }

  /** Tallies of what the streams received, written by the client's one event loop. */
  private static final class Tally {
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger positions = new AtomicInteger();
    final AtomicInteger outcomes = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final AtomicLong lastPositionNanos = new AtomicLong();
    final AtomicLong firstPositionNanos = new AtomicLong();
    final AtomicLong lastOutcomeNanos = new AtomicLong();
  }

  /**
   * The line, all on one shard: R blocks of --step filler jobs (one event each), then the N streamed jobs (one
   * event). Every event is paused on its own, so the server's worker takes nothing; a round resumes the next
   * filler event, whose block the worker takes in one take, and every stream's place drops by --step at the
   * next tick. Last, the streamed event is resumed and decided.
   */
  private JsonObject run(String url, String adminEmail, String adminPassword, Vertx serverVertx, String server) {
    URI uri = URI.create(url);
    WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()));
    List<Long> tickStarts = new java.util.concurrent.CopyOnWriteArrayList<>();
    if (serverVertx != null) {
      // In-process: when the node's ticker starts each tick (same JVM, same clock).
      serverVertx.eventBus().<QueueHeads>localConsumer(Addresses.STREAM_HEADS, msg -> tickStarts.add(msg.body().startedAtNanos()));
    }
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
        .setDefaultPort(uri.getPort()).setKeepAlive(true).setIdleTimeout(0),
        new PoolOptions().setHttp1MaxSize(streams + 16).setMaxWaitQueueSize(-1));
    HttpClient booking = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
        .setDefaultPort(uri.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
    try {
      String admin = await(http.post("/api/auth/login").sendJsonObject(new JsonObject()
          .put("email", adminEmail).put("password", adminPassword))).bodyAsJsonObject().getString("token");
      long streamed = createEvent(http, admin, Math.max(1, streams / 2));
      int shard = Sharding.shardOf(streamed, shards);
      List<Long> fillerEvents = new ArrayList<>();
      while (fillerEvents.size() < rounds) {
        long event = createEvent(http, admin, step);
        if (Sharding.shardOf(event, shards) == shard) {
          fillerEvents.add(event);
        }
      }
      for (long event : fillerEvents) {
        adminPost(http, admin, "/api/admin/queue/pause?eventId=" + event);
      }
      adminPost(http, admin, "/api/admin/queue/pause?eventId=" + streamed);
      List<JsonObject> users = new ArrayList<>();
      for (int made = 0; made < rounds * step + streams; made += 10_000) {
        JsonArray batch = await(http.post("/api/admin/bench/users").bearerTokenAuthentication(admin)
            .sendJsonObject(new JsonObject().put("count", Math.min(10_000, rounds * step + streams - made))))
            .bodyAsJsonObject().getJsonArray("users");
        batch.forEach(u -> users.add((JsonObject) u));
      }
      for (int round = 0; round < rounds; round++) {
        int first = round * step;
        String path = "/api/bookings/" + fillerEvents.get(round) + "/book";
        await(InFlight.run(vertx, 256, step, i -> book(booking, path, users.get(first + i).getString("token"), null, 0)));
      }
      String[] jobIds = new String[streams];
      String streamedPath = "/api/bookings/" + streamed + "/book";
      await(InFlight.run(vertx, 256, streams, i -> book(booking, streamedPath, users.get(rounds * step + i).getString("token"), jobIds, i)));

      Tally tally = new Tally();
      long openStart = System.nanoTime();
      await(InFlight.run(vertx, openConcurrency, streams, i -> jobIds[i] == null ? Future.succeededFuture()
          : openStream(client, "/api/bookings/status/" + jobIds[i] + "/stream",
              users.get(rounds * step + i).getString("token"), tally, 0)));
      double openSeconds = (System.nanoTime() - openStart) / 1e9;
      int held = tally.held.get();

      JsonArray roundResults = new JsonArray();
      long booked = java.util.Arrays.stream(jobIds).filter(id -> id != null).count();
      boolean complete = held == streams && tally.refused.get() == 0;
      for (int round = 0; round < rounds; round++) {
        int before = tally.positions.get();
        tally.firstPositionNanos.set(0);
        long resumedAt = System.nanoTime();
        adminPost(http, admin, "/api/admin/queue/resume?eventId=" + fillerEvents.get(round));
        boolean all = awaitCount(tally.positions, before + held, 60);
        complete &= all;
        long last = tally.lastPositionNanos.get();
        Long tickStart = tickStarts.stream().filter(t -> t >= resumedAt && t <= last).reduce((a, b) -> b).orElse(null);
        JsonObject r = new JsonObject().put("round", round + 1).put("positionEvents", tally.positions.get() - before)
            .put("firstToLastEventMillis", round((last - tally.firstPositionNanos.get()) / 1e6));
        if (tickStart != null) {
          r.put("tickStartToLastEventMillis", round((last - tickStart) / 1e6));
        }
        roundResults.add(r);
      }

      // The outcomes: the streamed event resumed, its jobs decided by the server's worker; every stream ends.
      long decideStart = System.nanoTime();
      adminPost(http, admin, "/api/admin/queue/resume?eventId=" + streamed);
      complete &= awaitCount(tally.ended, held, 600);
      double outcomeSeconds = (tally.lastOutcomeNanos.get() - decideStart) / 1e9;

      JsonObject settings = new JsonObject().put("streams", streams).put("rounds", rounds).put("step", step)
          .put("shards", shards).put("openConcurrency", openConcurrency).put("server", server)
          .put("client", "one Vert.x event loop, one HTTP/1.1 connection per stream, owner's bearer token");
      return new JsonObject().put("settings", settings).put("complete", complete)
          .put("booked", booked).put("held", held).put("refused", tally.refused.get()).put("openSeconds", round(openSeconds))
          .put("rounds", roundResults)
          .put("outcomes", new JsonObject().put("received", tally.outcomes.get()).put("ended", tally.ended.get())
              .put("secondsFromResumeToLastOutcome", round(outcomeSeconds)));
    } finally {
      client.close();
      booking.close();
      http.close();
    }
  }

  private static long createEvent(WebClient http, String admin, int capacity) {
    return await(http.post("/api/events/create").bearerTokenAuthentication(admin).sendJsonObject(new JsonObject()
        .put("name", "Stream bench " + System.nanoTime()).put("venue", "Bench arena")
        .put("startsAt", Instant.now().plusSeconds(86_400).toString()).put("capacity", capacity)))
        .bodyAsJsonObject().getLong("id");
  }

  private static void adminPost(WebClient http, String admin, String path) {
    int status = await(http.post(path).bearerTokenAuthentication(admin).send()).statusCode();
    if (status != 200) {
      throw new IllegalStateException(path + " answered " + status);
    }
  }

  /**
   * One booking request; its job id into {@code jobIds[i]} when given. A 503 (the box too busy to answer in
   * time) is sent again with the same Idempotency-Key, as a client does, a few times.
   */
  private Future<Void> book(HttpClient client, String path, String token, String[] jobIds, int i) {
    return book(client, path, token, jobIds, i, "stream-bench-" + i + "-" + path.hashCode(), 0);
  }

  private Future<Void> book(HttpClient client, String path, String token, String[] jobIds, int i, String key, int attempt) {
    return client.request(HttpMethod.POST, path)
        .compose(request -> request.putHeader("Authorization", "Bearer " + token).putHeader("Idempotency-Key", key).send())
        .compose(response -> response.body().map(body -> response.statusCode() < 300
            ? body.toJsonObject().getString("jobId") : null))
        .otherwise(failure -> null)
        .compose(jobId -> {
          if (jobId == null && attempt < RETRIES) {
            return later(200L << attempt).compose(v -> book(client, path, token, jobIds, i, key, attempt + 1));
          }
          if (jobIds != null) {
            jobIds[i] = jobId;
          }
          return Future.succeededFuture();
        });
  }

  private Future<Void> later(long millis) {
    io.vertx.core.Promise<Void> promise = io.vertx.core.Promise.promise();
    vertx.setTimer(millis, id -> promise.complete());
    return promise.future();
  }

  /**
   * Opens one stream (a 503 or a failed connection is tried again a few times, as an EventSource does) and
   * counts what it receives: a chunk with a position, an outcome, the end.
   */
  private Future<Void> openStream(HttpClient client, String path, String token, Tally tally, int attempt) {
    return client.request(HttpMethod.GET, path)
        .compose(request -> request.putHeader("Authorization", "Bearer " + token).send())
        .compose((HttpClientResponse response) -> {
          if (response.statusCode() != 200) {
            return response.body().transform(ignored -> attempt < RETRIES
                ? later(200L << attempt).compose(v -> openStream(client, path, token, tally, attempt + 1))
                : Future.failedFuture("status " + response.statusCode()));
          }
          tally.held.incrementAndGet();
          response.handler((Buffer chunk) -> {
            String text = chunk.toString();
            long now = System.nanoTime();
            if (text.contains("event: position")) {
              tally.firstPositionNanos.compareAndSet(0, now);
              tally.lastPositionNanos.set(now);
              tally.positions.incrementAndGet();
            }
            if (text.contains("event: completed") || text.contains("event: failed")) {
              tally.lastOutcomeNanos.set(now);
              tally.outcomes.incrementAndGet();
            }
          });
          response.endHandler(v -> tally.ended.incrementAndGet());
          return Future.<Void>succeededFuture();
        })
        .recover(failure -> {
          if (attempt < RETRIES && !(failure.getMessage() != null && failure.getMessage().startsWith("status "))) {
            return later(200L << attempt).compose(v -> openStream(client, path, token, tally, attempt + 1));
          }
          tally.refused.incrementAndGet();
          return Future.succeededFuture();
        });
  }

  /** Waits until {@code counter} reaches {@code target}; false after {@code seconds}. */
  private static boolean awaitCount(AtomicInteger counter, int target, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (counter.get() < target) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("Stream bench step failed: " + e.getMessage(), e);
    }
  }
}
