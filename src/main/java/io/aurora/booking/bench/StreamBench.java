package io.aurora.booking.bench;

import io.aurora.booking.BookingApp;
import io.aurora.booking.bookings.BookingWorker;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.live.QueueHeads;
import io.aurora.booking.queue.ShardQueue;
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
import io.vertx.redis.client.Redis;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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
 * with its owner's token) of N jobs waiting in one shard's line, and measures what moving the line costs:
 * per round, the bench takes {@code --step} jobs from the head of the line (as a worker would; the server runs no
 * workers), and times from the node's ticker starting its tick to the last stream receiving its new position.
 * Then a real worker decides every job, and it times until every stream has its outcome and has ended.
 * Prints one JSON object.
 *
 * <pre>
 *   java -cp target/aurora-booking.jar io.aurora.booking.bench.StreamBench --streams 5000
 *   ... --url http://127.0.0.1:8080 --pg-url ... --redis-url ... --admin-email ... --admin-password ...
 *       against a running server started with BOOKING_LOCAL_WORKERS=false BOOKING_BENCH_MODE=true
 *   ... --help   every option with its default
 * </pre>
 *
 * In-process (the default) the server and the clients share the JVM, so each stream costs two file descriptors
 * in it; against a running server each process holds one per stream.
 */
@Command(name = "StreamBench", sortOptions = false,
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

  @Option(names = "--step", paramLabel = "S", defaultValue = "100",
      description = "Jobs taken from the head of the line per round (default: ${DEFAULT-VALUE}).")
  int step;

  @Option(names = "--open-concurrency", paramLabel = "K", defaultValue = "256",
      description = "Streams being opened at once (default: ${DEFAULT-VALUE}).")
  int openConcurrency;

  @Option(names = "--url", paramLabel = "URL",
      description = "A running server (BOOKING_LOCAL_WORKERS=false, BOOKING_BENCH_MODE=true, BOOKING_SSE_MAX_STREAMS >= N) "
          + "instead of an in-process one.")
  String url;

  @Option(names = "--pg-url", paramLabel = "URL", description = "With --url: its PostgreSQL (for the deciding worker).")
  String pgUrl;

  @Option(names = "--redis-url", paramLabel = "URL", description = "With --url: its Redis (to queue and move the line).")
  String redisUrl;

  @Option(names = "--shards", paramLabel = "N", defaultValue = "8",
      description = "Shards of the in-process server; with --url, the server's (default: ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--admin-email", paramLabel = "EMAIL", description = "With --url: an admin's email.")
  String adminEmail;

  @Option(names = "--admin-password", paramLabel = "PASSWORD", description = "With --url: that admin's password.")
  String adminPassword;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

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
    if (url != null && (pgUrl == null || redisUrl == null || adminEmail == null || adminPassword == null)) {
      throw new ParameterException(spec.commandLine(), "--url needs --pg-url, --redis-url, --admin-email and --admin-password");
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      JsonObject result = url != null ? run(url, pgUrl, redisUrl, adminEmail, adminPassword, null, "remote: " + url)
          : runInProcess();
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
        .put("shards", shards).put("localWorkers", false).put("sseMaxStreams", Math.max(50_000, streams))
        .put("embeddedDurable", false);
    Vertx server = Vertx.vertx();
    BookingApp app = new BookingApp();
    try {
      await(server.deployVerticle(app, new DeploymentOptions().setConfig(config)));
      AppConfig resolved = app.resolvedConfig();
      return run("http://127.0.0.1:" + port, resolved.pgUrl(), resolved.redisUrl(), resolved.adminEmail(), password,
          server, "in-process, embedded PostgreSQL and Redis (not durable), no workers");
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

  private JsonObject run(String url, String pgUrl, String redisUrl, String adminEmail, String adminPassword,
                         Vertx serverVertx, String server) {
    URI uri = URI.create(url);
    WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()));
    JsonObject workerConfig = new AppConfig(new JsonObject()).toJson().put("pgUrl", pgUrl).put("redisUrl", redisUrl)
        .put("shards", shards).put("batchSize", 1000).put("pgPoolSize", 4);
    Redis redis = Redis.createClient(vertx, redisUrl);
    ShardQueue queue = new ShardQueue(redis);
    List<Long> tickStarts = new java.util.concurrent.CopyOnWriteArrayList<>();
    if (serverVertx != null) {
      // In-process: when the node's ticker starts each tick (same JVM, same clock).
      serverVertx.eventBus().<QueueHeads>localConsumer(Addresses.STREAM_HEADS, msg -> tickStarts.add(msg.body().startedAtNanos()));
    }
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
        .setDefaultPort(uri.getPort()).setKeepAlive(true).setIdleTimeout(0),
        new PoolOptions().setHttp1MaxSize(streams + 16).setMaxWaitQueueSize(-1));
    try {
      String admin = await(http.post("/api/auth/login").sendJsonObject(new JsonObject()
          .put("email", adminEmail).put("password", adminPassword))).bodyAsJsonObject().getString("token");
      int fillers = rounds * step;
      long eventId = await(http.post("/api/events/create").bearerTokenAuthentication(admin).sendJsonObject(new JsonObject()
          .put("name", "Stream bench " + Instant.now()).put("venue", "Bench arena")
          .put("startsAt", Instant.now().plusSeconds(86_400).toString()).put("capacity", Math.max(1, (fillers + streams) / 2))))
          .bodyAsJsonObject().getLong("id");
      int shard = Sharding.shardOf(eventId, shards);
      List<JsonObject> users = new ArrayList<>();
      for (int made = 0; made < fillers + streams; made += 10_000) {
        JsonArray batch = await(http.post("/api/admin/bench/users").bearerTokenAuthentication(admin)
            .sendJsonObject(new JsonObject().put("count", Math.min(10_000, fillers + streams - made))))
            .bodyAsJsonObject().getJsonArray("users");
        batch.forEach(u -> users.add((JsonObject) u));
      }
      // The line: the fillers first (the rounds take them), then the streamed jobs; queued by the queue's own script.
      String[] jobIds = new String[fillers + streams];
      await(inFlight(256, jobIds.length, i -> queue.enqueue(shard, Sharding.newJobId(shard), users.get(i).getLong("id"),
          eventId, 1, null, 0, 86_400).map(enqueued -> {
            jobIds[i] = enqueued.jobId();
            return null;
          })));

      Tally tally = new Tally();
      long openStart = System.nanoTime();
      await(inFlight(openConcurrency, streams, i -> openStream(client, "/api/bookings/status/" + jobIds[fillers + i] + "/stream",
          users.get(fillers + i).getString("token"), tally)));
      double openSeconds = (System.nanoTime() - openStart) / 1e9;
      int held = tally.held.get();

      JsonArray roundResults = new JsonArray();
      boolean complete = held == streams && tally.refused.get() == 0;
      for (int round = 0; round < rounds; round++) {
        int expected = tally.positions.get() + held;
        tally.firstPositionNanos.set(0);
        int ticksBefore = tickStarts.size();
        long takenAt = System.nanoTime();
        int taken = await(queue.take(shard, step, TimeUnit.MINUTES.toMillis(30))).size();
        boolean all = awaitCount(tally.positions, expected, 60);
        complete &= all && taken == step;
        long last = tally.lastPositionNanos.get();
        Long tickStart = tickStarts.stream().skip(ticksBefore).filter(t -> t >= takenAt).findFirst().orElse(null);
        JsonObject r = new JsonObject().put("round", round + 1).put("jobsTaken", taken)
            .put("positionEvents", tally.positions.get() - (expected - held))
            .put("firstToLastEventMillis", round((last - tally.firstPositionNanos.get()) / 1e6));
        if (tickStart != null) {
          r.put("tickStartToLastEventMillis", round((last - tickStart) / 1e6));
        }
        roundResults.add(r);
      }

      // The outcomes: a real worker decides the line; every stream gets its final event and ends.
      long decideStart = System.nanoTime();
      String worker = await(vertx.deployVerticle(new BookingWorker(shard, ShardQueue::new),
          new DeploymentOptions().setConfig(workerConfig)));
      boolean allOutcomes = awaitCount(tally.ended, held, 600);
      complete &= allOutcomes;
      double outcomeSeconds = (tally.lastOutcomeNanos.get() - decideStart) / 1e9;
      await(vertx.undeploy(worker));

      JsonObject settings = new JsonObject().put("streams", streams).put("rounds", rounds).put("step", step)
          .put("shards", shards).put("openConcurrency", openConcurrency).put("server", server)
          .put("client", "one Vert.x event loop, one HTTP/1.1 connection per stream, owner's bearer token");
      return new JsonObject().put("settings", settings).put("complete", complete)
          .put("held", held).put("refused", tally.refused.get()).put("openSeconds", round(openSeconds))
          .put("rounds", roundResults)
          .put("outcomes", new JsonObject().put("received", tally.outcomes.get()).put("ended", tally.ended.get())
              .put("secondsFromWorkerStartToLastOutcome", round(outcomeSeconds)));
    } finally {
      client.close();
      http.close();
      redis.close();
    }
  }

  /** Opens one stream and counts what it receives: a chunk with a position, an outcome, the end. */
  private static Future<Void> openStream(HttpClient client, String path, String token, Tally tally) {
    return client.request(HttpMethod.GET, path)
        .compose(request -> request.putHeader("Authorization", "Bearer " + token).send())
        .map((HttpClientResponse response) -> {
          if (response.statusCode() != 200) {
            tally.refused.incrementAndGet();
            return null;
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
          return (Void) null;
        })
        .otherwise(failure -> {
          tally.refused.incrementAndGet();
          return null;
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

  /** Runs {@code total} tasks with at most {@code lanes} in flight, on the client's event loop. */
  private Future<Void> inFlight(int lanes, int total, java.util.function.IntFunction<Future<Void>> task) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger running = new AtomicInteger(Math.min(lanes, total));
    for (int lane = 0; lane < Math.min(lanes, total); lane++) {
      vertx.runOnContext(v -> lane(next, total, task, running, done));
    }
    return total == 0 ? Future.succeededFuture() : done.future();
  }

  private void lane(AtomicInteger next, int total, java.util.function.IntFunction<Future<Void>> task, AtomicInteger running,
                    io.vertx.core.Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= total) {
      if (running.decrementAndGet() == 0) {
        done.complete();
      }
      return;
    }
    task.apply(i).onComplete(ar -> lane(next, total, task, running, done));
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
