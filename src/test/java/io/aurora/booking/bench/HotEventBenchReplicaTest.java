package io.aurora.booking.bench;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load test's {@code --redis-replica} at a tiny size: the in-process server on a Redis master with one
 * replica, {@code redisMinReplicas} 0 and 1 side by side in one command, as docs/performance.md runs it.
 */
class HotEventBenchReplicaTest {

  private static final int USERS = 60;

  @Test
  void redisMinReplicasOneAcceptsEachBookingOnlyOnceTheReplicaHoldsItAndIsComparedWithZero() {
    CliRun run = new CliRun();
    int exit = run.execute(HotEventBench.commandLine(), "--redis-replica", "--capacity", "40", "--users",
        Integer.toString(USERS), "--concurrency", "16", "--shards", "2", "--variants", "redisMinReplicas=0;redisMinReplicas=1");
    assertEquals(0, exit, run.err + "\n" + run.out);
    List<JsonObject> lines = run.out.toString().lines().map(JsonObject::new).toList();
    assertEquals(3, lines.size(), run.out.toString());
    for (int minReplicas = 0; minReplicas <= 1; minReplicas++) {
      JsonObject result = lines.get(minReplicas);
      JsonObject settings = result.getJsonObject("settings");
      assertEquals(minReplicas, settings.getInteger("redisMinReplicas"), result.encode());
      assertTrue(settings.getBoolean("redisReplica"), result.encode());
      JsonObject verification = result.getJsonObject("verification");
      assertTrue(verification.getBoolean("correct"), result.encode());
      assertEquals(USERS, verification.getInteger("accepted"), "every request answered 202: " + result.encode());
      assertEquals(40, verification.getInteger("confirmed"), result.encode());
      assertEquals(USERS, result.getJsonObject("redisReplica").getInteger("acceptedJobs"), result.encode());
    }
    JsonObject unconfirmed = lines.get(0).getJsonObject("redisReplica");
    JsonObject confirmed = lines.get(1).getJsonObject("redisReplica");
    assertEquals(0, unconfirmed.getLong("waitCalls"), "redisMinReplicas=0 never waits: " + unconfirmed.encode());
    assertTrue(confirmed.getLong("waitCalls") > 0, "redisMinReplicas=1 waits for the replica: " + confirmed.encode());
    // Each 202 came after the replica confirmed its job: all of them are there once the crowd is answered.
    assertEquals(USERS, confirmed.getInteger("acceptedJobsOnReplica"), confirmed.encode());
    assertTrue(confirmed.getLong("replicaOffset") > 0, confirmed.encode());
    JsonObject comparison = lines.get(2);
    assertEquals("[redisMinReplicas=1] vs [redisMinReplicas=0]", comparison.getString("comparison"));
    assertTrue(comparison.getDouble("enqueuePerSecondRatio") > 0, comparison.encode());
    assertTrue(comparison.getDouble("confirmedPerSecondRatio") > 0, comparison.encode());
  }
}
