package io.aurora.booking.notifications;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.aurora.booking.testing.TestApp.await;

/**
 * A real webhook receiver for the tests: a Vert.x HTTP server on a free loopback port that records every call,
 * refuses (500) the first {@code failuresPerMessage} attempts of each {@code webhook-id}, and deduplicates the
 * accepted ones by {@code webhook-id}, as a receiver following Standard Webhooks does.
 */
public final class WebhookReceiver implements AutoCloseable {

  /** One call as received: its headers of interest, raw body, and the answer it got. */
  public record Call(String path, String id, String timestamp, String signature, String body, int answered) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  public final List<Call> calls = new CopyOnWriteArrayList<>();
  /** The accepted messages after deduplication by webhook-id: id to body. */
  public final Map<String, String> accepted = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  /** Paths whose calls are refused, whatever the attempt, while they are in here. */
  public final Set<String> refusing = ConcurrentHashMap.newKeySet();
  private final HttpServer server;
  private final int failuresPerMessage;

  public WebhookReceiver(Vertx vertx, int failuresPerMessage) {
    this.failuresPerMessage = failuresPerMessage;
    this.server = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      String id = request.getHeader("webhook-id");
      int attempt = attempts.computeIfAbsent(id == null ? "" : id, k -> new AtomicInteger()).incrementAndGet();
      boolean refuse = attempt <= failuresPerMessage || refusing.contains(request.path());
      int status = refuse ? 500 : 204;
      calls.add(new Call(request.path(), id, request.getHeader("webhook-timestamp"), request.getHeader("webhook-signature"),
          body.toString(StandardCharsets.UTF_8), status));
      if (!refuse) {
        accepted.putIfAbsent(id, body.toString(StandardCharsets.UTF_8));
      }
      request.response().setStatusCode(status).end();
    })).listen(0, "127.0.0.1"));
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** The calls whose body is about job {@code jobId}. */
  public List<Call> callsOfJob(String jobId) {
    return calls.stream().filter(c -> jobId.equals(c.json().getJsonObject("data").getString("jobId"))).toList();
  }

  /** Checks a call's signature as a receiver does: HMAC-SHA256 over "id.timestamp.body" with the secret's key. */
  public static boolean signatureValid(Call call, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
      byte[] expected = mac.doFinal((call.id() + "." + call.timestamp() + "." + call.body()).getBytes(StandardCharsets.UTF_8));
      for (String candidate : call.signature().split(" ")) {
        if (candidate.startsWith("v1,") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(candidate.substring(3)))) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    await(server.close());
  }
}
