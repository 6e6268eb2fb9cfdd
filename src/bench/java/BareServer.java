import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * The comparison of the front-door benchmark: a bare Vert.x HTTP server that answers every request 202
 * with a booking-shaped body and does nothing else (no auth, no Redis, no event bus). One verticle per
 * core, like the service's HTTP verticles. Single-file launch, with the service jar for Vert.x:
 *
 *   java -cp target/aurora-booking.jar src/bench/java/BareServer.java 8090
 */
public class BareServer extends VerticleBase {

  private final int port;

  public BareServer(int port) {
    this.port = port;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer().requestHandler(request -> request.body().onComplete(body -> {
      // A new job id and a JSON encoding per request, as the service answers: the body is made, not cached.
      String jobId = "0-" + UUID.randomUUID();
      Buffer answer = new JsonObject()
          .put("message", "Booking request queued")
          .put("jobId", jobId)
          .put("queuePosition", 1)
          .put("estimatedWaitTime", 1)
          .put("queuePaused", false)
          .put("statusEndpoint", "/api/bookings/status/" + jobId)
          .toBuffer();
      request.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(answer);
    })).listen(port, "127.0.0.1");
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
    int instances = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new BareServer(port), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("Bare server on http://127.0.0.1:" + port + " (" + instances + " event loops)"))
        .onFailure(e -> {
          e.printStackTrace();
          vertx.close();
        });
  }
}
