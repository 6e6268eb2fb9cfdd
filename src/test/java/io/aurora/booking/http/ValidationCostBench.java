package io.aurora.booking.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A loop micro-benchmark (not a test): what checking one booking request costs, by hand as
 * {@code BookingRoutes.bookSeats} does with {@link Input}, and by vertx-openapi's {@link RequestValidator}
 * against the OpenAPI document's {@code bookSeats} operation. Both start from the same raw parts (path
 * parameter text, body bytes, header text) and end with a checked seat count. The validator is given the
 * parts directly, so the cost of extracting them from a live request ({@code RequestUtils.extract}) is left
 * out, in its favour. The hand check runs on the calling thread; the validator on an event loop, where it
 * completes its futures. Run as docs/performance.md says.
 */
public final class ValidationCostBench {

  private static final Pattern ID = Pattern.compile("^[1-9][0-9]{0,17}$");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("^[\\x21-\\x7E]{1,128}$");
  private static final Buffer BODY = Buffer.buffer("{\"seats\":2}");
  private static final String EVENT_ID = "123456";
  private static final String KEY = "retry-7f3c2a9e";

  private ValidationCostBench() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIContract contract = ApiContract.load(vertx).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
          .contract();
      RequestValidator validator = RequestValidator.create(vertx, contract);
      long sink = 0;
      for (int warm = 0; warm < 3; warm++) {
        sink += handCheck(perRound) + validated(vertx, validator, perRound / 4);
      }
      double[] hand = new double[rounds];
      double[] openapi = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        sink += handCheck(perRound);
        long t1 = System.nanoTime();
        sink += validated(vertx, validator, perRound);
        long t2 = System.nanoTime();
        hand[r] = (t1 - t0) / (double) perRound;
        openapi[r] = (t2 - t1) / (double) perRound;
      }
      System.out.printf("hand check (Input):         median %.0f ns/request, rounds %s%n", median(hand), Arrays.toString(round(hand)));
      System.out.printf("vertx-openapi validator:    median %.0f ns/request, rounds %s%n", median(openapi), Arrays.toString(round(openapi)));
      System.out.println("(checksum " + sink + ")");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static long handCheck(int n) {
    long sum = 0;
    for (int i = 0; i < n; i++) {
      if (!ID.matcher(EVENT_ID).matches()) {
        throw new IllegalStateException();
      }
      long eventId = Long.parseLong(EVENT_ID);
      JsonObject body = (JsonObject) Json.decodeValue(BODY);
      Integer seats = Input.integer(body, "seats", 1, 10, false);
      if (!IDEMPOTENCY_KEY.matcher(KEY).matches()) {
        throw new IllegalStateException();
      }
      sum += eventId + seats;
    }
    return sum;
  }

  /**
   * {@code n} validations one after the other on an event loop, as the route would run them; the
   * validator answers through a future that may complete later on the context, so each waits for the last.
   */
  private static long validated(Vertx vertx, RequestValidator validator, int n) throws Exception {
    CompletableFuture<Long> done = new CompletableFuture<>();
    vertx.runOnContext(v -> new Object() {
      long sum;
      int i;

      void next() {
        while (i < n) {
          i++;
          Future<ValidatedRequest> checked = validator.validate(new Raw(), "bookSeats");
          if (!checked.isComplete()) {
            checked.onComplete(ar -> {
              take(ar.result(), ar.cause());
              next();
            });
            return;
          }
          take(checked.result(), checked.cause());
        }
        done.complete(sum);
      }

      void take(ValidatedRequest request, Throwable failure) {
        if (failure != null) {
          done.completeExceptionally(failure);
          i = n;
          return;
        }
        sum += Long.parseLong(request.getPathParameters().get("eventId").getString())
            + request.getBody().getJsonObject().getInteger("seats");
      }
    }.next());
    return done.get(5, TimeUnit.MINUTES);
  }

  /** The raw parts of one booking request, as a live request would yield them. */
  private static final class Raw implements ValidatableRequest {
    @Override public Map<String, RequestParameter> getCookies() { return Map.of(); }
    @Override public Map<String, RequestParameter> getPathParameters() { return Map.of("eventId", param(EVENT_ID)); }
    @Override public Map<String, RequestParameter> getQuery() { return Map.of(); }
    @Override public Map<String, RequestParameter> getHeaders() { return Map.of("Idempotency-Key", param(KEY)); }
    @Override public RequestParameter getBody() { return param(BODY); }
    @Override public String getContentType() { return "application/json"; }
  }

  private static RequestParameter param(Object value) {
    return () -> value;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static long[] round(double[] values) {
    return Arrays.stream(values).mapToLong(Math::round).toArray();
  }
}
