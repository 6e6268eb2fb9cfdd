package io.aurora.booking.queue;

import io.aurora.booking.bookings.FailureReason;
import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.limits.LimitKeys;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One live job per (user, event): enqueue.lua keeps it, ack.lua's release_holds lets it go. Real Redis. */
@ExtendWith(VertxExtension.class)
class LiveJobScriptsTest {

  private static final int SHARD = 2;
  private static Redis redis;
  private static ShardQueue queue;

  @BeforeAll
  static void connect(Vertx vertx) {
    redis = Redis.createClient(vertx, TestServices.get().newRedisDb());
    await(redis.send(Request.cmd(Command.FLUSHDB)));
    queue = new ShardQueue(redis);
  }

  @AfterAll
  static void close() {
    redis.close();
  }

  @Test
  void aRepeatWhileTheJobIsLiveGetsItBackAndADecidedJobLetsGo() {
    long user = 7;
    long event = 42;
    ShardQueue.Enqueued first = enqueue(user, event, null);
    assertTrue(first.created());
    ShardQueue.Enqueued other = enqueue(user + 1, event, null);
    assertTrue(other.created(), "another user's job for the event is their own");

    ShardQueue.Enqueued repeat = enqueue(user, event, null);
    assertFalse(repeat.created());
    assertTrue(repeat.live());
    assertEquals(first.jobId(), repeat.jobId());
    assertEquals(first.seq(), repeat.seq(), "its own place in line");
    assertEquals(2L, await(redis.send(Request.cmd(Command.LLEN).arg(ShardKeys.waiting(SHARD)))).toLong(), "no job made");

    // In process: still live, and said so.
    await(queue.take(SHARD, 1, 30_000));
    assertTrue(enqueue(user, event, null).processing());

    // Decided: the hold goes, the open-job place of the user too, and a new request is a new job.
    await(redis.send(Request.cmd(Command.ZADD).arg(LimitKeys.openJobs(user)).arg(Long.MAX_VALUE).arg(event)));
    assertEquals(1, await(queue.ack(SHARD, List.of(JobOutcome.failed(first.jobId(), FailureReason.SOLD_OUT)), 60)));
    assertEquals(0, await(redis.send(Request.cmd(Command.EXISTS).arg(ShardKeys.liveJob(SHARD, user, event)))).toInteger());
    assertEquals(0L, await(redis.send(Request.cmd(Command.ZCARD).arg(LimitKeys.openJobs(user)))).toLong());
    ShardQueue.Enqueued again = enqueue(user, event, null);
    assertTrue(again.created());
    assertNotEquals(first.jobId(), again.jobId());
    // A redelivered outcome of the old job does not release the new job's hold.
    assertEquals(0, await(queue.ack(SHARD, List.of(JobOutcome.failed(first.jobId(), FailureReason.SOLD_OUT)), 60)));
    assertEquals(again.jobId(), await(redis.send(Request.cmd(Command.GET).arg(ShardKeys.liveJob(SHARD, user, event)))).toString());
  }

  @Test
  void aRepeatedIdempotencyKeyStillAnswersWithItsJob() {
    ShardQueue.Enqueued first = enqueue(9, 43, "order-1");
    ShardQueue.Enqueued repeat = enqueue(9, 43, "order-1");
    assertFalse(repeat.created());
    assertFalse(repeat.live());
    assertEquals(first.jobId(), repeat.jobId());
  }

  private static ShardQueue.Enqueued enqueue(long user, long event, String idempotencyKey) {
    return await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), user, event, 1, idempotencyKey, 3600, 3600));
  }
}
