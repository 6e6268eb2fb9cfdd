package io.aurora.booking.bench;

import io.aurora.booking.BookingApp;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.metrics.Metrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The training run of the AppCDS archive (issue 12, goal 4): starts the service in this JVM the way its main
 * class does (the same Vert.x builder, metrics on, embedded PostgreSQL and Redis in a temporary directory, bench
 * mode), walks the paths a booking rush takes over HTTP (login, event creation and view, bench users, bookings,
 * job status, the metrics scrape, health and readiness), stops the service gracefully, removes its data and exits
 * 0. Run with {@code -XX:ArchiveClassesAtExit=...}, the JVM then writes every class it loaded into a dynamic
 * archive that later starts share instead of loading and verifying those classes again.
 *
 * <pre>
 *   java -XX:ArchiveClassesAtExit=target/aurora-booking.jsa -cp target/aurora-booking.jar \
 *       io.aurora.booking.bench.ColdStartTraining
 *   (what ./mvnw -Pappcds package runs; the Docker image runs it in its runtime stage)
 * </pre>
 *
 * The archive only helps a JVM started with the same JDK and the same jar path as the training run; it trains
 * class loading, not the JIT (the compiled code is not archived by Java 17).
 */
@Command(name = "ColdStartTraining", sortOptions = false, mixinStandardHelpOptions = true,
    version = "Aurora Booking ColdStartTraining",
    description = "Boots the service on embedded servers in a temporary directory, books over HTTP, stops it; "
        + "for -XX:ArchiveClassesAtExit.",
    footer = "Exit status: 0 when every step answered as expected, 1 when not, 2 for a usage error.")
public final class ColdStartTraining implements Callable<Integer> {

  @Option(names = "--users", paramLabel = "N", defaultValue = "1000",
      description = "Bench users, each booking once (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--concurrency", paramLabel = "K", defaultValue = "64",
      description = "Booking requests in flight at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new ColdStartTraining());
  }

  @Override
  public Integer call() throws Exception {
    if (users < 1 || concurrency < 1) {
      throw new ParameterException(spec.commandLine(), "--users and --concurrency must be at least 1");
    }
    Path dataDir = Files.createTempDirectory("aurora-cds-training");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String password = "training-" + System.nanoTime();
    // The environment is not read: the training always runs alone on its own embedded servers.
    AppConfig config = new AppConfig(new JsonObject().put("httpHost", "127.0.0.1").put("httpPort", port)
        .put("dataDir", dataDir.toString()).put("adminPassword", password).put("benchMode", true)
        .put("embeddedDurable", false)
        .put("bookingRatePerIp", 60_000_000).put("bookingBurstPerIp", 10_000_000));
    Vertx server = Vertx.builder().with(Metrics.vertxOptions(config)).withMetrics(Metrics.factory()).build();
    Vertx client = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      BookingApp app = new BookingApp();
      await(server.deployVerticle(app, new DeploymentOptions().setConfig(config.toJson())));
      WebClient http = WebClient.create(client, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
          new PoolOptions().setHttp1MaxSize(concurrency));
      int booked = train(http, app.resolvedConfig().adminEmail(), password, config.metricsPath());
      spec.commandLine().getOut().println(new JsonObject().put("users", users).put("accepted", booked).encode());
      spec.commandLine().getOut().flush();
      return booked == users ? 0 : 1;
    } finally {
      await(client.close());
      // A graceful stop, as on SIGTERM: workers finish their batches, the embedded servers stop.
      await(server.close());
      deleteTree(dataDir);
    }
  }

  private int train(WebClient http, String adminEmail, String password, String metricsPath) {
    expect(await(http.get("/ready").send()), 200);
    String admin = expect(await(http.post("/api/auth/login")
        .sendJsonObject(new JsonObject().put("email", adminEmail).put("password", password))), 200)
        .bodyAsJsonObject().getString("token");
    JsonObject event = expect(await(http.post("/api/events/create").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("name", "Training").put("venue", "Build")
            .put("startsAt", Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString())
            .put("capacity", Math.max(1, users / 2)))), 201).bodyAsJsonObject();
    long eventId = event.getLong("id");
    JsonArray made = expect(await(http.post("/api/admin/bench/users").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("count", users))), 201).bodyAsJsonObject().getJsonArray("users");
    int accepted = 0;
    List<String> jobs = new ArrayList<>();
    for (int from = 0; from < made.size(); from += concurrency) {
      List<Future<HttpResponse<Buffer>>> wave = new ArrayList<>();
      for (int i = from; i < Math.min(made.size(), from + concurrency); i++) {
        wave.add(http.post("/api/bookings/" + eventId + "/book")
            .bearerTokenAuthentication(made.getJsonObject(i).getString("token"))
            .sendJsonObject(new JsonObject().put("seats", 1)));
      }
      await(Future.join(wave));
      for (Future<HttpResponse<Buffer>> answer : wave) {
        if (answer.succeeded() && answer.result().statusCode() == 202) {
          accepted++;
          jobs.add(answer.result().bodyAsJsonObject().getString("jobId"));
        }
      }
      // The polling that follows a booking, and the pages a waiting user reads.
      String someone = made.getJsonObject(from).getString("token");
      if (!jobs.isEmpty()) {
        await(http.get("/api/bookings/status/" + jobs.get(jobs.size() - 1)).bearerTokenAuthentication(someone).send());
      }
      await(http.get("/api/events/" + eventId + "/view").send());
      await(http.get("/api/bookings/history").bearerTokenAuthentication(someone).send());
    }
    await(http.get("/api/events/view").send());
    await(http.get(metricsPath).send());
    await(http.get("/health").send());
    return accepted;
  }

  private static <T extends HttpResponse<?>> T expect(T response, int status) {
    if (response.statusCode() != status) {
      throw new IllegalStateException("Training step answered " + response.statusCode() + ": " + response.bodyAsString());
    }
    return response;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("Training step failed: " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path root) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
