package io.aurora.booking.infra;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code /health} and {@code /ready} report beyond reachability, shared by the verticles of one
 * application: an embedded server that could not be brought back (the process is then no longer healthy,
 * so an orchestrator restarts it), and the durability of the servers as read at start.
 */
public final class ServiceHealth {

  private final Map<String, String> failed = new ConcurrentHashMap<>();
  private volatile JsonObject durability = new JsonObject();

  /** {@code component} is down for good: {@code /health} fails from now on. */
  public void failed(String component, String reason) {
    failed.put(component, reason);
  }

  /** {@code component} came back after all. */
  public void recovered(String component) {
    failed.remove(component);
  }

  /** Alive unless a component of the process is down for good. */
  public boolean alive() {
    return failed.isEmpty();
  }

  /** The body of {@code /health}. */
  public JsonObject liveness() {
    JsonObject body = new JsonObject().put("status", alive() ? "UP" : "DOWN");
    if (!alive()) {
      body.put("failed", new JsonObject(Map.copyOf(failed)));
    }
    return body;
  }

  public void durability(JsonObject report) {
    durability = report.copy();
  }

  /** The servers' durability settings as read at start ({@link DurabilityCheck}). */
  public JsonObject durability() {
    return durability.copy();
  }
}
