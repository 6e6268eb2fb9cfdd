package io.aurora.booking.queue;

import io.aurora.booking.http.ApiException;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.testing.RedisMonitor;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code redisMinReplicas} on a real Redis without replicas: every confirmation fails as a 503 once the
 * {@code WAIT} times out, and requests asking together share {@code WAIT}s, one in flight at a time,
 * instead of queueing one full timeout each behind the others on the connection.
 */
@ExtendWith(VertxExtension.class)
class ReplicaConfirmationsTest {

  private static final int REQUESTS = 50;
  private static final int TIMEOUT_MILLIS = 200;

  @Test
  void withTooFewReplicasEveryRequestIsAnsweredUnavailableAfterSharedWaits(Vertx vertx) {
    String url = TestServices.get().newRedisDb();
    Redis redis = Redis.createClient(vertx, url);
    try (RedisMonitor monitor = RedisMonitor.start(url)) {
      RedisConnection connection = await(redis.connect());
      ReplicaConfirmations confirmations = new ReplicaConfirmations(connection, 1, TIMEOUT_MILLIS);
      List<Future<Void>> answers = new ArrayList<>();
      // As the queue verticle does: each request's write, then its confirmation, all on one connection.
      Future<Void> all = Future.future(done -> vertx.runOnContext(v -> {
        for (int i = 0; i < REQUESTS; i++) {
          answers.add(connection.send(Request.cmd(Command.SET).arg("k" + i).arg("v")).compose(ok -> confirmations.confirm()));
        }
        Future.join(answers).onComplete(ar -> done.complete());
      }));
      await(all);
      for (Future<Void> answer : answers) {
        assertTrue(answer.failed());
        ApiException error = assertInstanceOf(ApiException.class, answer.cause());
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, error.code(), "a 503 with Retry-After, never a 500");
      }
      long waits = monitor.commands().stream().filter(c -> c.words().startsWith("\"wait\"") || c.words().startsWith("\"WAIT\"")).count();
      assertTrue(waits >= 1 && waits <= 3, REQUESTS + " requests shared " + waits + " WAITs");
    } finally {
      redis.close();
    }
  }
}
