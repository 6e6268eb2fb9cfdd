package io.aurora.booking.bench;

import io.aurora.booking.BookingApp;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.Sharding;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The hot-event load test: one event of capacity C, U distinct users each sending one booking request,
 * at most K in flight over keep-alive connections; then it waits for every job to be decided and checks
 * PostgreSQL for oversell, duplicates and lost jobs. It prints one JSON object per run.
 *
 * <pre>
 *   java -cp target/aurora-booking.jar io.aurora.booking.bench.HotEventBench --capacity 500 --users 20000 --concurrency 256
 *   ... --batch-sizes 1,64          compare two settings in one run (prints the ratio)
 *   ... --variants "soldOutAnswersPerTake=0;soldOutAnswersPerTake=1000"   compare two server settings likewise
 *   ... --paused --enqueue redis    a crowd queued while the queue is paused, then resumed: times its answering
 *   ... --events 64                 the crowd spread over 64 events of C seats each (user i books event i mod 64)
 *   ... --redis-replica --variants "redisMinReplicas=0;redisMinReplicas=1"   what WAIT for a replica costs the door
 *   ... --url http://host:8080 --pg-url postgresql://... --admin-email ... --admin-password ...   against a running server
 *   ... --help                      every option with its default
 * </pre>
 *
 * Without {@code --url} it starts the server in this JVM on embedded PostgreSQL and Redis (a fresh data
 * directory per run), with {@code benchMode} on. A running server must have {@code benchMode} on for the
 * bench-only user factory.
 */
@Command(name = "HotEventBench", sortOptions = false, mixinStandardHelpOptions = true, version = "Aurora Booking HotEventBench",
    description = "Load test of one hot event (or N): U users book C seats (of each event), at most K requests in flight; "
        + "verifies the result in PostgreSQL and prints one JSON line per run.",
    footer = "Exit status: 0 when every run verifies, 1 when one does not, 2 for a usage error.")
public final class HotEventBench implements Callable<Integer> {

  @Option(names = "--capacity", paramLabel = "C", defaultValue = "500",
      description = "Seats of the event (default: ${DEFAULT-VALUE}).")
  int capacity;

  @Option(names = "--events", paramLabel = "N", defaultValue = "1",
      description = "Events the crowd books, each of capacity C; user i books event i mod N, so the events' jobs "
          + "spread over the shards (default: ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--users", paramLabel = "U", defaultValue = "20000",
      description = "Distinct users, one booking request each (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--concurrency", paramLabel = "K", defaultValue = "256",
      description = "Requests in flight at most (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--batch-sizes", paramLabel = "B", split = ",", defaultValue = "64",
      description = "Server batch sizes to compare, comma-separated, e.g. 1,64; in-process only "
          + "(default: ${DEFAULT-VALUE}).")
  List<Integer> batchSizes;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "1",
      description = "Measured runs per batch size; with more than one, their median is printed (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup-users", paramLabel = "N", defaultValue = "0",
      description = "Users of one untimed run first, so the measured runs see compiled code; 0 for none "
          + "(default: ${DEFAULT-VALUE}).")
  int warmupUsers;

  @Option(names = "--shards", paramLabel = "N", defaultValue = "8",
      description = "Shards of the in-process server (default: ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--set", paramLabel = "KEY=VALUE", split = ",",
      description = "Any other setting of the in-process server, e.g. redisPoolSize=64,embeddedDurable=false.")
  Map<String, String> serverSettings = new LinkedHashMap<>();

  @Option(names = "--variants", paramLabel = "SETTINGS", split = ";",
      description = "Server settings to compare, each like --set (KEY=VALUE,...), separated by ';'; in-process only.")
  List<String> variants = new ArrayList<>(List.of(""));

  @Option(names = "--paused",
      description = "Queue the crowd while the queue is paused, then resume it and time until every job is answered "
          + "(answeredSecondsAfterResume); the outcomes are then read from the queue's totals, not job by job. With "
          + "--enqueue redis, also Redis's used memory before, queued, answered and after a clean (redisUsedMemoryBytes).")
  boolean paused;

  @Option(names = "--enqueue", paramLabel = "HOW", defaultValue = "http",
      description = "http: every user's request over HTTP; redis: in-process only, the crowd is queued by the queue's "
          + "own enqueue script, for a crowd larger than this box can send in good time (default: ${DEFAULT-VALUE}).")
  Enqueue enqueue;

  /** How the crowd's jobs are queued. */
  enum Enqueue { http, redis }

  @Option(names = "--redis-replica",
      description = "In-process only: the server's Redis is a master with one replica, two redis-server processes "
          + "like the embedded one (the embedded library's binary, AOF with appendfsync always unless "
          + "embeddedDurable=false) on free loopback ports, started by the bench for each run; so that "
          + "redisMinReplicas=1 (a 202 only once the replica has the job) compares with 0, e.g. --variants "
          + "'redisMinReplicas=0;redisMinReplicas=1'. Each run reports how many of its accepted jobs the replica "
          + "held once every job was decided, the replication offsets and the WAITs the master answered (redisReplica).")
  boolean redisReplica;

  @Option(names = "--url", paramLabel = "URL",
      description = "A running server (started with BOOKING_BENCH_MODE=true) instead of an in-process one.")
  String url;

  @Option(names = "--pg-url", paramLabel = "URL", description = "With --url: its PostgreSQL, for the verification.")
  String pgUrl;

  @Mixin
  AdminLogin admin = new AdminLogin();

  @Spec
  CommandSpec spec;

  private Vertx vertx;
  /** The in-process server's Redis master and replica during a run with --redis-replica; null otherwise. */
  private ReplicatedRedis replica;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, parsed but not run: {@code execute} runs it. */
  static CommandLine commandLine() {
    return new CommandLine(new HotEventBench());
  }

  /** Figures summarised over repeated runs (their median). */
  private static final List<String> FIGURES = List.of("enqueuePerSecond", "enqueueLatencyMillis.p50",
      "enqueueLatencyMillis.p95", "enqueueLatencyMillis.p99", "enqueueLatencyMillis.max",
      "drainSecondsAfterLastRequest", "decidedPerSecond", "confirmedPerSecond", "answeredSecondsAfterResume",
      "answeredPerSecondAfterResume", "recordedSecondsAfterResume");

  /** The checks picocli cannot express as types: positive sizes, and a complete remote target. */
  void validate() {
    positive("--capacity", capacity);
    positive("--users", users);
    positive("--events", events);
    positive("--concurrency", concurrency);
    positive("--runs", runs);
    positive("--shards", shards);
    if (warmupUsers < 0) {
      throw new ParameterException(spec.commandLine(), "--warmup-users must be 0 or more, got " + warmupUsers);
    }
    batchSizes.forEach(size -> positive("--batch-sizes", size));
    if (url != null) {
      if (pgUrl == null || !admin.given()) {
        throw new ParameterException(spec.commandLine(), "--url needs --pg-url, --admin-email and --admin-password");
      }
      if (batchSizes.size() > 1 || !serverSettings.isEmpty() || variants.size() > 1 || enqueue == Enqueue.redis || redisReplica) {
        throw new ParameterException(spec.commandLine(), "--batch-sizes with several sizes, --set, --variants, "
            + "--enqueue redis and --redis-replica need the in-process server");
      }
    }
    Set<String> known = new AppConfig(new JsonObject()).toJson().fieldNames();
    for (String key : serverSettings.keySet()) {
      if (!known.contains(key)) {
        throw new ParameterException(spec.commandLine(), "--set: unknown server setting " + key);
      }
    }
    for (String variant : variants) {
      for (String key : settings(variant).keySet()) {
        if (!known.contains(key)) {
          throw new ParameterException(spec.commandLine(), "--variants: unknown server setting " + key);
        }
      }
      Map<String, String> runSettings = new LinkedHashMap<>(serverSettings);
      runSettings.putAll(settings(variant));
      if (url == null && !redisReplica && !"0".equals(runSettings.getOrDefault("redisMinReplicas", "0"))) {
        throw new ParameterException(spec.commandLine(), "redisMinReplicas above 0 needs --redis-replica: the embedded Redis has no replica");
      }
    }
  }

  private void positive(String option, int value) {
    if (value < 1) {
      throw new ParameterException(spec.commandLine(), option + " must be 1 or more, got " + value);
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      return run();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** The size of one run: C seats, U users, K in flight. */
  record Load(int capacity, int users, int concurrency) {
  }

  private int run() throws Exception {
    if (warmupUsers > 0) {
      // An untimed run first, so the measured ones see compiled code, as a long-running server would.
      Load warmupLoad = new Load(Math.min(warmupUsers, capacity), warmupUsers, concurrency);
      JsonObject warmup = runOnce(warmupLoad, batchSizes.get(batchSizes.size() - 1), variants.get(variants.size() - 1));
      print(new JsonObject().put("warmup", warmupUsers + " users, not counted")
          .put("enqueuePerSecond", warmup.getDouble("enqueuePerSecond")).encode());
    }
    Load load = new Load(capacity, users, concurrency);
    // Batch sizes or --variants are compared (one of the two is a list of one); runs of one setting in a row.
    List<JsonObject> medians = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    boolean correct = true;
    for (int batchSize : batchSizes) {
      for (String variant : variants) {
        List<JsonObject> results = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
          JsonObject result = runOnce(load, batchSize, variant);
          print(result.encode());
          results.add(result);
          correct &= result.getJsonObject("verification").getBoolean("correct");
        }
        JsonObject median = new JsonObject().put("median", runs + " runs").put("batchSize", batchSize)
            .put("variant", variant)
            .put("allCorrect", results.stream().allMatch(r -> r.getJsonObject("verification").getBoolean("correct")));
        for (String figure : FIGURES) {
          if (results.stream().allMatch(r -> figure(r, figure) != null)) {
            median.put(figure, round(median(results.stream().mapToDouble(r -> figure(r, figure)).toArray())));
          }
        }
        if (runs > 1) {
          print(median.encode());
        }
        medians.add(median);
        labels.add(variants.size() > 1 ? "[" + variant + "]" : "batch " + batchSize);
      }
    }
    if (medians.size() == 2) {
      JsonObject comparison = new JsonObject().put("comparison", labels.get(1) + " vs " + labels.get(0))
          .put("enqueuePerSecondRatio", ratio(medians, "enqueuePerSecond"))
          .put("confirmedPerSecondRatio", ratio(medians, "confirmedPerSecond"))
          .put("decidedPerSecondRatio", ratio(medians, "decidedPerSecond"));
      if (medians.get(0).containsKey("answeredSecondsAfterResume")) {
        // How many times faster the second setting answered the resumed crowd than the first.
        comparison.put("answeredAfterResumeSpeedup", round(medians.get(0).getDouble("answeredSecondsAfterResume")
            / Math.max(0.001, medians.get(1).getDouble("answeredSecondsAfterResume"))));
      }
      print(comparison.encode());
    }
    return correct ? 0 : 1;
  }

  private JsonObject runOnce(Load load, int batchSize, String variant) throws Exception {
    return url != null ? runAgainst(load, url, pgUrl, admin.email, admin.password, null)
        : runInProcess(load, batchSize, variant);
  }

  /** One line of the bench's output, on the command line's standard output (a test's writer in tests). */
  private void print(String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }

  /** KEY=VALUE,... as a map (a --variants entry). */
  private static Map<String, String> settings(String variant) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : variant.split(",")) {
      if (!pair.isBlank()) {
        String[] kv = pair.split("=", 2);
        out.put(kv[0].trim(), kv.length > 1 ? kv[1].trim() : "");
      }
    }
    return out;
  }

  /** A figure of one run's result (a dotted path for a nested one); null when the run has none. */
  private static Double figure(JsonObject result, String path) {
    String[] parts = path.split("\\.");
    return parts.length == 1 ? result.getDouble(parts[0]) : result.getJsonObject(parts[0]).getDouble(parts[1]);
  }

  private static double median(double[] values) {
    Arrays.sort(values);
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  private static double ratio(List<JsonObject> medians, String figure) {
    return Math.round(medians.get(1).getDouble(figure) / Math.max(0.001, medians.get(0).getDouble(figure)) * 100) / 100.0;
  }

  /** Starts the whole service in this JVM on fresh embedded servers, measures, and stops it. */
  private JsonObject runInProcess(Load load, int batchSize, String variant) throws Exception {
    Path dataDir = Files.createTempDirectory("aurora-bench");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String adminPassword = "bench-admin-" + System.nanoTime();
    JsonObject config = new JsonObject()
        .put("httpHost", "127.0.0.1").put("httpPort", port).put("dataDir", dataDir.toString())
        .put("adminPassword", adminPassword).put("benchMode", true).put("batchSize", batchSize)
        .put("shards", shards)
        // Every simulated user sends from this one address: the per-address limit would measure itself.
        // The per-user limits stay on (each user sends one request); --set or --variants may change both.
        .put("bookingRatePerIp", 60_000_000).put("bookingBurstPerIp", 10_000_000);
    JsonObject defaults = new AppConfig(new JsonObject()).toJson();
    Map<String, String> settings = new LinkedHashMap<>(serverSettings);
    settings.putAll(settings(variant));
    settings.forEach((key, value) -> {
      Object def = defaults.getValue(key);
      config.put(key, def instanceof Integer ? Integer.parseInt(value) : def instanceof Boolean ? Boolean.parseBoolean(value) : value);
    });
    ReplicatedRedis pair = redisReplica ? ReplicatedRedis.start(vertx, dataDir, config.getBoolean("embeddedDurable",
        defaults.getBoolean("embeddedDurable"))) : null;
    Vertx server = Vertx.vertx();
    BookingApp app = new BookingApp();
    try {
      if (pair != null) {
        config.put("redisUrl", pair.masterUrl());
      }
      replica = pair;
      await(server.deployVerticle(app, new DeploymentOptions().setConfig(config)));
      AppConfig resolved = app.resolvedConfig();
      return runAgainst(load, "http://127.0.0.1:" + port, resolved.pgUrl(), resolved.adminEmail(), adminPassword, resolved);
    } finally {
      replica = null;
      try {
        await(server.close());
      } finally {
        if (pair != null) {
          pair.close();
        }
      }
    }
  }

  private JsonObject runAgainst(Load load, String url, String pgUrl, String adminEmail, String adminPassword,
                                AppConfig serverConfig) {
    int capacity = load.capacity();
    int users = load.users();
    int concurrency = load.concurrency();
    URI uri = URI.create(url);
    WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost(uri.getHost())
        .setDefaultPort(uri.getPort()).setKeepAlive(true).setTcpNoDelay(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));
    Pool db = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(2))
        .connectingTo(PgConnectOptions.fromUri(pgUrl)).using(vertx).build();
    try {
      String admin = await(http.post("/api/auth/login").sendJsonObject(new JsonObject()
          .put("email", adminEmail).put("password", adminPassword))).bodyAsJsonObject().getString("token");
      long[] eventIds = new long[events];
      for (int e = 0; e < events; e++) {
        eventIds[e] = await(http.post("/api/events/create").bearerTokenAuthentication(admin).sendJsonObject(new JsonObject()
            .put("name", "Bench drop " + (e + 1) + " " + Instant.now()).put("venue", "Bench arena")
            .put("startsAt", Instant.now().plusSeconds(86_400).toString()).put("capacity", capacity)))
            .bodyAsJsonObject().getLong("id");
      }
      List<String> tokens = new ArrayList<>(users);
      List<Long> userIds = new ArrayList<>(users);
      for (int made = 0; made < users; made += 10_000) {
        JsonArray batch = await(http.post("/api/admin/bench/users").bearerTokenAuthentication(admin)
            .sendJsonObject(new JsonObject().put("count", Math.min(10_000, users - made)))).bodyAsJsonObject().getJsonArray("users");
        batch.forEach(u -> tokens.add(((JsonObject) u).getString("token")));
        batch.forEach(u -> userIds.add(((JsonObject) u).getLong("id")));
      }
      if (paused) {
        await(http.post("/api/admin/queue/pause").bearerTokenAuthentication(admin).send());
      }

      // Timed phase: every user books once, at most `concurrency` requests in flight.
      long[] latencies = new long[users];
      String[] jobIds = new String[users];
      // Requests whose answer leaves it open whether their job was queued: a 503 (the request's deadline passed,
      // the enqueue may still have happened) or no answer at all. A client would send them again with an
      // Idempotency-Key; the bench does not, so the verification allows each to have booked, or not.
      boolean[] unsure = new boolean[users];
      Map<Integer, Integer> non2xx = new TreeMap<>();
      long start = System.nanoTime();
      // The timed requests go through the bare HTTP client: the load generator shares the machine with
      // the server, so every microsecond it spends is one the server does not get.
      HttpClient raw = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
          .setDefaultPort(uri.getPort()).setKeepAlive(true).setTcpNoDelay(true),
          new io.vertx.core.http.PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));
      String[] paths = Arrays.stream(eventIds).mapToObj(id -> "/api/bookings/" + id + "/book").toArray(String[]::new);
      boolean direct = enqueue == Enqueue.redis;
      Redis redis = direct ? Clients.redis(vertx, serverConfig, "bench") : null;
      ShardQueue queue = direct ? new ShardQueue(redis) : null;
      int[] eventShards = direct ? Arrays.stream(eventIds).mapToInt(id -> Sharding.shardOf(id, serverConfig.shards())).toArray() : null;
      // Redis's memory at each stage of a queued crowd's life (--paused --enqueue redis): what a backlog costs.
      JsonObject memory = direct && paused ? new JsonObject().put("before", usedMemory(redis)) : null;
      await(InFlight.run(vertx, concurrency, users, i -> direct
          ? queue.enqueue(eventShards[i % events], Sharding.newJobId(eventShards[i % events]), userIds.get(i), eventIds[i % events], 1,
              null, 0, serverConfig.resultTtlSeconds())
              .map(enqueued -> {
                jobIds[i] = enqueued.jobId();
                return (Void) null;
              })
          : bookOverHttp(raw, paths[i % events], tokens.get(i), i, latencies, jobIds, unsure, non2xx)));
      if (memory != null) {
        memory.put("queued", usedMemory(redis));
      }
      raw.close();
      long enqueueEnd = System.nanoTime();
      JsonObject afterResume = paused ? answerAfterResume(http, admin) : null;
      if (memory != null) {
        memory.put("answered", usedMemory(redis));
        // The fast path's answers get their records written while the shard is idle: wait for all of them.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (awaitingRecords(queue, serverConfig.shards()) > 0 && System.nanoTime() < deadline) {
          await(Future.future(p -> vertx.setTimer(100, t -> p.complete())));
        }
        memory.put("recorded", usedMemory(redis));
      }

      // A resumed crowd is known answered from the queue's totals (a fresh server per run): no need to poll each job.
      DrainResult drain = afterResume != null ? fromTotals(afterResume.getJsonObject("totals"), jobIds) : drain(http, admin, jobIds);
      long decidedEnd = System.nanoTime();
      // After the timed phases: whether the replica holds each job the door accepted, and how many WAITs it took.
      JsonObject onReplica = replica != null ? replica.holding(jobIds) : null;

      JsonObject verification = verify(db, eventIds, capacity, jobIds, unsure, drain);
      // Only the in-process server's settings are known: against --url, wait for the outbox alone (a remote
      // server with the audit log off would never write the rows waited for).
      boolean audited = serverConfig != null && serverConfig.auditEnabled();
      if (afterResume != null) {
        afterResume.put("recordedSeconds", recordedAfterResume(db, eventIds, verification.getLong("accepted"), audited,
            afterResume.getLong("resumedNanos")));
      }
      if (audited) {
        // Exactly one decision row per accepted job (fewer: the records were not all written within the wait).
        long rows = decisionAuditRows(db, eventIds);
        verification.put("decisionAuditRows", rows)
            .put("correct", verification.getBoolean("correct") && (afterResume == null || rows == verification.getLong("accepted")));
      }
      if (memory != null) {
        // A clean removes a bounded number of records per shard and call: called until it removes none (an
        // answer other than 200, a 503 when a large clean outlasts the request's deadline, is asked again).
        JsonObject cleaned;
        int calls = 0;
        do {
          HttpResponse<Buffer> answer = await(http.post("/api/admin/queue/clean").addQueryParam("olderThan", "0")
              .bearerTokenAuthentication(admin).send());
          cleaned = answer.statusCode() == 200 ? answer.bodyAsJsonObject() : null;
          memory.put("cleanCalls", ++calls);
        } while ((cleaned == null || cleaned.getLong("removed") > 0) && calls < 1_000);
        memory.put("cleaned", usedMemory(redis))
            .put("bytesPerWaitingJob", (memory.getLong("queued") - memory.getLong("before")) / users)
            .put("bytesPerFinishedJob", (memory.getLong("recorded") - memory.getLong("before")) / users)
            .put("bytesLeftPerJobAfterClean", (memory.getLong("cleaned") - memory.getLong("before")) / users);
      }
      if (redis != null) {
        redis.close();
      }
      Arrays.sort(latencies);
      double enqueueSeconds = (enqueueEnd - start) / 1e9;
      double totalSeconds = (decidedEnd - start) / 1e9;
      JsonObject settings = new JsonObject().put("events", events).put("capacity", capacity).put("users", users)
          .put("concurrency", concurrency);
      if (serverConfig != null) {
        settings.put("shards", serverConfig.shards()).put("batchSize", serverConfig.batchSize())
            .put("httpInstances", serverConfig.httpInstances()).put("pgPoolSize", serverConfig.pgPoolSize())
            .put("redisPoolSize", serverConfig.redisPoolSize()).put("server", replica != null
                ? "in-process, embedded PostgreSQL, Redis master and replica started by the bench" : "in-process, embedded PostgreSQL and Redis");
      } else {
        settings.put("server", url);
      }
      settings.put("paused", paused).put("enqueue", enqueue.name());
      if (serverConfig != null) {
        settings.put("soldOutAnswersPerTake", serverConfig.soldOutAnswersPerTake())
            .put("embeddedDurable", serverConfig.embeddedDurable())
            .put("redisReplica", replica != null).put("redisMinReplicas", serverConfig.redisMinReplicas());
      }
      JsonObject result = new JsonObject()
          .put("settings", settings)
          .put("enqueuePerSecond", round(users / enqueueSeconds))
          .put("enqueueLatencyMillis", new JsonObject()
              .put("p50", millis(latencies, 0.50)).put("p95", millis(latencies, 0.95))
              .put("p99", millis(latencies, 0.99)).put("max", round(latencies[users - 1] / 1e6)))
          .put("non2xx", non2xxJson(non2xx))
          .put("enqueueSeconds", round(enqueueSeconds))
          .put("drainSecondsAfterLastRequest", round((decidedEnd - enqueueEnd) / 1e9))
          .put("totalSeconds", round(totalSeconds))
          .put("decidedPerSecond", round(drain.decided / totalSeconds))
          .put("confirmedPerSecond", round(drain.completed / totalSeconds))
          .put("outcomes", new JsonObject().put("completed", drain.completed).put("failed", drain.failed)
              .put("reasons", new JsonObject(new HashMap<>(drain.reasons))))
          .put("verification", verification);
      if (memory != null) {
        result.put("redisUsedMemoryBytes", memory);
      }
      if (onReplica != null) {
        result.put("redisReplica", onReplica);
      }
      if (afterResume != null) {
        result.put("answeredSecondsAfterResume", afterResume.getDouble("seconds"))
            .put("recordedSecondsAfterResume", afterResume.getDouble("recordedSeconds"))
            .put("answeredPerSecondAfterResume", round(verification.getLong("accepted")
                / Math.max(0.001, afterResume.getDouble("seconds"))))
            .put("queueTotals", afterResume.getJsonObject("totals"));
      }
      return result;
    } finally {
      http.close();
      db.close();
    }
  }

  /** One user's booking request over HTTP: its latency, and its job id or its status. */
  private static Future<Void> bookOverHttp(HttpClient raw, String path, String token, int i, long[] latencies,
                                           String[] jobIds, boolean[] unsure, Map<Integer, Integer> non2xx) {
    long sent = System.nanoTime();
    return raw.request(HttpMethod.POST, path)
        .compose(request -> request.putHeader("Authorization", "Bearer " + token).send())
        .compose(response -> response.body().map(body -> {
          latencies[i] = System.nanoTime() - sent;
          if (response.statusCode() == 202) {
            jobIds[i] = jobIdOf(body.toString());
          } else {
            non2xx.merge(response.statusCode(), 1, Integer::sum);
            unsure[i] = response.statusCode() == 503;
          }
          return (Void) null;
        }))
        .otherwise(failure -> {
          latencies[i] = System.nanoTime() - sent;
          non2xx.merge(0, 1, Integer::sum);
          unsure[i] = true;
          return null;
        });
  }

  /**
   * Resumes the paused queue and waits, polling the admin stats every 10 ms, until nothing waits or is in
   * process: the seconds that took, and the queue's totals then.
   */
  private JsonObject answerAfterResume(WebClient http, String admin) {
    long resumed = System.nanoTime();
    await(http.post("/api/admin/queue/resume").bearerTokenAuthentication(admin).send());
    long deadline = resumed + TimeUnit.MINUTES.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject total = await(http.get("/api/admin/queue/stats").bearerTokenAuthentication(admin).send())
          .bodyAsJsonObject().getJsonObject("total");
      if (total.getLong("waiting") == 0 && total.getLong("processing") == 0) {
        return new JsonObject().put("seconds", Math.round((System.nanoTime() - resumed) / 1e6) / 1000.0).put("totals", total)
            .put("resumedNanos", resumed);
      }
      sleep(10);
    }
    throw new IllegalStateException("The resumed queue was not answered within 10 minutes");
  }

  /**
   * Waits, polling PostgreSQL every 20 ms, until every decision's records are written: its outbox row fanned
   * out and (with the audit log on) its audit row appended, which the notification dispatcher does a little
   * after the decision's commit. The seconds since the resume (a fresh server per run: every outbox row is
   * this run's).
   */
  private static double recordedAfterResume(Pool db, long[] eventIds, long accepted, boolean audited, long resumed) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (System.nanoTime() < deadline) {
      boolean fannedOut = await(db.query("SELECT count(*) FROM outbox WHERE fanned_out_at IS NULL").execute())
          .iterator().next().getLong(0) == 0;
      if (fannedOut && (!audited || decisionAuditRows(db, eventIds) >= accepted)) {
        return Math.round((System.nanoTime() - resumed) / 1e6) / 1000.0;
      }
      sleep(20);
    }
    throw new IllegalStateException("The decisions' records were not written within 10 minutes");
  }

  private static long decisionAuditRows(Pool db, long[] eventIds) {
    return await(db.preparedQuery("SELECT count(*) FROM audit_log WHERE action = 'booking.decided' AND event_id = ANY($1)")
        .execute(Tuple.of(Arrays.stream(eventIds).boxed().toArray(Long[]::new)))).iterator().next().getLong(0);
  }

  /** The outcomes as the queue counted them; the failure reasons are not read one by one. */
  private static DrainResult fromTotals(JsonObject totals, String[] jobIds) {
    int completed = totals.getInteger("completed");
    int failed = totals.getInteger("failed");
    long accepted = Arrays.stream(jobIds).filter(id -> id != null).count();
    return new DrainResult(completed + failed, completed, failed, Map.of("answeredByTheSoldOutFastPath",
        totals.getLong("soldOutFast", 0L)), (int) Math.max(0, accepted - completed - failed));
  }

  private record DrainResult(int decided, int completed, int failed, Map<String, Object> reasons, int lost) {
  }

  /**
   * Polls job statuses, oldest pending first, a window at a time. The queue is FIFO, so while the oldest
   * pending job is still waiting there is no point asking about younger ones: back off instead of
   * stealing the server's CPU.
   */
  private DrainResult drain(WebClient http, String admin, String[] jobIds) {
    Deque<String> pending = new ArrayDeque<>();
    for (String id : jobIds) {
      if (id != null) {
        pending.add(id);
      }
    }
    int completed = 0;
    int failed = 0;
    Map<String, Object> reasons = new HashMap<>();
    long backoff = 5;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      List<String> window = new ArrayList<>();
      for (String id : pending) {
        window.add(id);
        if (window.size() == 64) {
          break;
        }
      }
      List<Future<HttpResponse<Buffer>>> polls = window.stream()
          .map(id -> http.get("/api/bookings/status/" + id).bearerTokenAuthentication(admin).send()).toList();
      await(Future.join(new ArrayList<>(polls)));
      int finished = 0;
      for (int i = 0; i < window.size(); i++) {
        Future<HttpResponse<Buffer>> poll = polls.get(i);
        if (poll.failed() || poll.result().statusCode() != 200) {
          continue;
        }
        JsonObject status = poll.result().bodyAsJsonObject();
        if ("completed".equals(status.getString("status"))) {
          completed++;
        } else if ("failed".equals(status.getString("status"))) {
          failed++;
          reasons.merge(status.getString("error"), 1, (a, b) -> (Integer) a + (Integer) b);
        } else {
          continue;
        }
        pending.remove(window.get(i));
        finished++;
      }
      if (finished == 0) {
        sleep(backoff);
        backoff = Math.min(200, backoff * 2);
      } else {
        backoff = 5;
      }
    }
    return new DrainResult(completed + failed, completed, failed, reasons, pending.size());
  }

  /** Checks every event on its own (user i booked event i mod N), and sums the figures over the events. */
  private JsonObject verify(Pool db, long[] eventIds, int capacity, String[] jobIds, boolean[] unsure, DrainResult drain) {
    long accepted = 0;
    long unsureTotal = 0;
    long expectedAtMost = 0;
    long confirmed = 0;
    long expected = 0;
    long oversold = 0;
    long duplicates = 0;
    boolean bookedMatchesRows = true;
    for (int e = 0; e < eventIds.length; e++) {
      long eventId = eventIds[e];
      Row event = await(db.preparedQuery("SELECT capacity, booked FROM events WHERE id = $1").execute(Tuple.of(eventId))).iterator().next();
      Row bookings = await(db.preparedQuery("""
          SELECT count(*) AS confirmed, count(DISTINCT user_id) AS users, coalesce(sum(seats), 0) AS seats
          FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'""").execute(Tuple.of(eventId))).iterator().next();
      long eventAccepted = 0;
      long eventUnsure = 0;
      for (int i = e; i < jobIds.length; i += eventIds.length) {
        eventAccepted += jobIds[i] != null ? 1 : 0;
        eventUnsure += unsure[i] ? 1 : 0;
      }
      accepted += eventAccepted;
      unsureTotal += eventUnsure;
      confirmed += bookings.getLong("confirmed");
      expected += Math.min(capacity, eventAccepted);
      expectedAtMost += Math.min(capacity, eventAccepted + eventUnsure);
      oversold += Math.max(0, event.getInteger("booked") - event.getInteger("capacity"));
      duplicates += bookings.getLong("confirmed") - bookings.getLong("users");
      bookedMatchesRows &= event.getInteger("booked").longValue() == bookings.getLong("seats");
    }
    // Every accepted job was decided, seats went to the first in line up to capacity, and a booking beyond what
    // the 202s account for came from a request answered 503 (or not at all), never from nowhere.
    boolean correct = confirmed >= expected && confirmed <= expectedAtMost && oversold == 0 && duplicates == 0
        && bookedMatchesRows && drain.lost == 0 && drain.completed <= confirmed && confirmed - drain.completed <= unsureTotal;
    return new JsonObject().put("correct", correct).put("accepted", accepted).put("confirmed", confirmed)
        .put("expectedConfirmed", expected).put("unsureAnswers", unsureTotal).put("oversold", oversold).put("duplicates", duplicates)
        .put("bookedMatchesRows", bookedMatchesRows).put("lost", drain.lost);
  }

  /** The job id of a 202 body, without building a JSON tree for it. */
  static String jobIdOf(String body) {
    int key = body.indexOf("\"jobId\":\"");
    int start = key + 9;
    return key < 0 ? null : body.substring(start, body.indexOf('"', start));
  }

  private static JsonObject non2xxJson(Map<Integer, Integer> counts) {
    JsonObject json = new JsonObject();
    counts.forEach((status, count) -> json.put(status == 0 ? "connectionError" : Integer.toString(status), count));
    return json;
  }

  private static double millis(long[] sorted, double quantile) {
    int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return round(sorted[Math.max(0, index)] / 1e6);
  }

  private static long awaitingRecords(ShardQueue queue, int shards) {
    long awaiting = 0;
    for (int shard = 0; shard < shards; shard++) {
      awaiting += await(queue.answersAwaitingRecords(shard));
    }
    return awaiting;
  }

  /** Redis's {@code used_memory} (INFO memory), in bytes. */
  private static long usedMemory(Redis redis) {
    String info = await(redis.send(Request.cmd(io.vertx.redis.client.Command.INFO).arg("memory"))).toString();
    return info.lines().filter(line -> line.startsWith("used_memory:")).mapToLong(line -> Long.parseLong(line.substring(12).strip()))
        .findFirst().orElseThrow(() -> new IllegalStateException("INFO memory has no used_memory"));
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("Load test step failed: " + e.getMessage(), e);
    }
  }
}
