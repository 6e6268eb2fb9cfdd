package io.aurora.booking.queue;

import io.aurora.booking.bookings.JobQueue;
import io.aurora.booking.bookings.TakenBatch;
import io.aurora.booking.bookings.TakenJob;
import io.aurora.booking.limits.LimitKeys;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sold-out fast path's scripts against real Redis, one step at a time: take.lua answers the jobs of an
 * event marked sold out, sold_out.lua refuses a mark once a seat may have come back (the race of a cancel
 * committing while a batch is in flight), and what the fast path leaves to PostgreSQL.
 * No worker runs ({@code localWorkers=false}): the test is the worker.
 */
@ExtendWith(VertxExtension.class)
class SoldOutFastPathScriptsTest {

  private static final long EVENT = 42;
  private static final long LEASE = 60_000;
  private static final int TTL = 600;
  private static final Instant LATER = Instant.now().plus(Duration.ofDays(30));

  @Test
  void aMarkWrittenAfterASeatCameBackIsRefusedAndTheNextJobGoesToPostgres(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      int shard = Sharding.shardOf(EVENT, app.config.shards());
      List<String> jobs = enqueue(queue, shard, 4);

      // The worker takes the first job; its transaction will leave no seat.
      TakenBatch first = await(queue.take(shard, 1, LEASE, JobQueue.UNFENCED, 100));
      assertEquals(List.of(jobs.get(0)), first.jobs().stream().map(TakenJob::jobId).toList());
      assertEquals(0, first.jobs().get(0).seatEpoch());
      // A cancellation commits after that transaction, before the worker writes its mark.
      await(queue.seatsMayHaveReturned(shard, EVENT));
      assertFalse(await(queue.markSoldOut(shard, EVENT, 0, LATER)), "a mark under the old epoch would hide the freed seat");

      // So the next job is taken to be decided in PostgreSQL, under the new epoch.
      TakenBatch second = await(queue.take(shard, 1, LEASE, JobQueue.UNFENCED, 100));
      assertEquals(List.of(jobs.get(1)), second.jobs().stream().map(TakenJob::jobId).toList());
      assertEquals(List.of(), second.answeredSoldOut());
      assertEquals(1, second.jobs().get(0).seatEpoch());

      // Its transaction sells out again: marked, and the rest are answered in the take, in order.
      assertTrue(await(queue.markSoldOut(shard, EVENT, 1, LATER)));
      TakenBatch third = await(queue.take(shard, 1, LEASE, JobQueue.UNFENCED, 100));
      assertEquals(List.of(), third.jobs());
      assertEquals(jobs.subList(2, 4), third.answeredSoldOut().stream().map(TakenBatch.AnsweredSoldOut::jobId).toList());

      // Answered at once, records written later: the status reads the answer either way, the same.
      Map<String, String> finishedAt = new java.util.HashMap<>();
      for (String answered : jobs.subList(2, 4)) {
        assertEquals("queued", hget(app, shard, answered, "status"), "the take did not write the record");
        ShardQueue.JobRecord record = await(queue.status(answered));
        assertEquals("failed", record.fields().getString("status"));
        assertEquals("SOLD_OUT", record.fields().getString("error"));
        assertTrue(record.fields().containsKey("finishedAt"));
        assertEquals("1", record.fields().getString("attempts"), "delivered and decided once");
        finishedAt.put(answered, record.fields().getString("finishedAt"));
      }
      ShardStats stats = await(queue.shardStats(shard));
      assertEquals(0, stats.waiting());
      assertEquals(2, stats.processing(), "the two jobs taken for PostgreSQL are still in hand");
      assertEquals(2, stats.failed(), "answered jobs count as failed, as the worker's SOLD_OUT does");
      assertEquals(2, stats.soldOutFast());
      assertEquals(2, stats.outcomes().getLong("SOLD_OUT"), "counted under their reason, for the console");

      assertEquals(1, await(queue.writeAnsweredRecords(shard, 1, TTL)), "a chunk at a time");
      assertEquals(1, await(queue.writeAnsweredRecords(shard, 10, TTL)));
      assertEquals(0, await(queue.writeAnsweredRecords(shard, 10, TTL)), "each record written once");
      for (String answered : jobs.subList(2, 4)) {
        assertEquals("failed", hget(app, shard, answered, "status"));
        assertEquals("SOLD_OUT", hget(app, shard, answered, "error"));
        assertEquals(finishedAt.get(answered), hget(app, shard, answered, "finishedAt"), "answered when the take answered");
        ShardQueue.JobRecord record = await(queue.status(answered));
        assertEquals("failed", record.fields().getString("status"));
        assertEquals(finishedAt.get(answered), record.fields().getString("finishedAt"));
        long ttl = await(app.redis.send(Request.cmd(Command.TTL).arg(ShardKeys.jobPrefix(shard) + answered))).toLong();
        assertTrue(ttl > 0 && ttl <= TTL, "kept for the retention time: " + ttl);
        assertTrue(await(app.redis.send(Request.cmd(Command.ZSCORE).arg(ShardKeys.finished(shard)).arg(answered))) != null,
            "in the finished index, for clean");
      }
      assertEquals(2, await(queue.shardStats(shard)).failed(), "writing the records counts nothing twice");
      assertEquals(2, await(queue.shardStats(shard)).outcomes().getLong("SOLD_OUT"), "nor under the reason");
    }
  }

  @Test
  void aTakeAnswersAtMostItsLimitAndKeepsTheRestInOrder(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      int shard = Sharding.shardOf(EVENT, app.config.shards());
      List<String> jobs = enqueue(queue, shard, 5);
      // Each user holds a place in the open-job quota for the event, as an admitted booking does.
      for (int i = 0; i < 5; i++) {
        await(app.redis.send(Request.cmd(Command.ZADD).arg(LimitKeys.openJobs(100 + i)).arg(Long.MAX_VALUE).arg(EVENT)));
      }
      assertTrue(await(queue.markSoldOut(shard, EVENT, 0, LATER)));

      TakenBatch first = await(queue.take(shard, 4, LEASE, JobQueue.UNFENCED, 3));
      assertEquals(jobs.subList(0, 3), first.answeredSoldOut().stream().map(TakenBatch.AnsweredSoldOut::jobId).toList());
      assertEquals(List.of(), first.jobs(), "a job beyond the answer limit is not taken past: it stays first in line");
      TakenBatch off = await(queue.take(shard, 1, LEASE, JobQueue.UNFENCED, 0));
      assertEquals(List.of(jobs.get(3)), off.jobs().stream().map(TakenJob::jobId).toList(), "limit 0: the fast path is off");
      assertEquals(1, await(queue.shardStats(shard)).waiting(), "the last job waits for the next take");

      // An answered job is no longer the user's live job, even before its record is written: the user's
      // next request for the event makes a new job (one live job per user and event, not one per answer).
      ShardQueue.Enqueued again = await(queue.enqueue(shard, Sharding.newJobId(shard), 100, EVENT, 1, null, 0, 3600));
      assertTrue(again.created(), "the answered job does not hold the user's place");
      ShardQueue.Enqueued stillLive = await(queue.enqueue(shard, Sharding.newJobId(shard), 103, EVENT, 1, null, 0, 3600));
      assertEquals(jobs.get(3), stillLive.jobId(), "a job taken for PostgreSQL is still live");

      // Writing the records lets go of the users' open-job places and live marks, as a job the worker
      // decides does; a newer job's live mark and open-job place are not the answered job's to drop.
      assertEquals(3, await(queue.writeAnsweredRecords(shard, 10, TTL)));
      for (int i = 0; i < 5; i++) {
        long expected = i == 1 || i == 2 ? 0 : 1;
        assertEquals(expected, await(app.redis.send(Request.cmd(Command.ZCARD).arg(LimitKeys.openJobs(100 + i)))).toLong());
        assertEquals(i == 0 ? again.jobId() : i < 3 ? null : jobs.get(i), getString(app, ShardKeys.liveJob(shard, 100 + i, EVENT)),
            "live mark of user " + (100 + i));
      }
    }
  }

  @Test
  void redeliveredJobsAndStartedEventsAreLeftToPostgres(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      int shard = Sharding.shardOf(EVENT, app.config.shards());
      List<String> jobs = enqueue(queue, shard, 2);

      // The first job is taken and its worker dies: the lease runs out and the job is back in front.
      await(queue.take(shard, 1, LEASE, JobQueue.UNFENCED, 100));
      await(queue.releaseLeases(shard, List.of(jobs.get(0))));
      assertEquals(1, await(queue.reap(shard, 10)));
      assertTrue(await(queue.markSoldOut(shard, EVENT, 0, LATER)));
      TakenBatch batch = await(queue.take(shard, 10, LEASE, JobQueue.UNFENCED, 100));
      assertEquals(List.of(jobs.get(0)), batch.jobs().stream().map(TakenJob::jobId).toList(),
          "a redelivered job may have booked already: PostgreSQL finds its booking");
      assertEquals(List.of(jobs.get(1)), batch.answeredSoldOut().stream().map(TakenBatch.AnsweredSoldOut::jobId).toList());

      // A mark ends with the event's start: PostgreSQL answers EVENT_STARTED then, not SOLD_OUT.
      long other = EVENT + app.config.shards() * 1000L;
      int otherShard = Sharding.shardOf(other, app.config.shards());
      String late = await(queue.enqueue(otherShard, Sharding.newJobId(otherShard), 1, other, 1, null, 0, 3600)).jobId();
      assertTrue(await(queue.markSoldOut(otherShard, other, 0, Instant.now().minusSeconds(1))));
      TakenBatch started = await(queue.take(otherShard, 10, LEASE, JobQueue.UNFENCED, 100));
      assertEquals(List.of(late), started.jobs().stream().map(TakenJob::jobId).toList());
      assertEquals(List.of(), started.answeredSoldOut());
    }
  }

  private static String hget(TestApp app, int shard, String jobId, String field) {
    return getString(app.redis.send(Request.cmd(Command.HGET).arg(ShardKeys.jobPrefix(shard) + jobId).arg(field)));
  }

  private static String getString(TestApp app, String key) {
    return getString(app.redis.send(Request.cmd(Command.GET).arg(key)));
  }

  private static String getString(io.vertx.core.Future<io.vertx.redis.client.Response> reply) {
    io.vertx.redis.client.Response value = await(reply);
    return value == null ? null : value.toString();
  }

  @Test
  void aJobThatAskedForTheWaitlistIsLeftToPostgresAndTheJobsAroundItAreAnswered(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      int shard = Sharding.shardOf(EVENT, app.config.shards());
      String before = enqueue(queue, shard, 1).get(0);
      String flagged = await(queue.enqueue(app.redis::send, shard, Sharding.newJobId(shard), 200, EVENT, 1, null, 0,
          3600, 0, true)).jobId();
      String after = await(queue.enqueue(shard, Sharding.newJobId(shard), 300, EVENT, 1, null, 0, 3600)).jobId();
      assertTrue(await(queue.markSoldOut(shard, EVENT, 0, LATER)));

      TakenBatch batch = await(queue.take(shard, 10, LEASE, JobQueue.UNFENCED, 100));
      assertEquals(List.of(flagged), batch.jobs().stream().map(TakenJob::jobId).toList(),
          "the waitlist place is written by the worker in PostgreSQL, never answered in Redis");
      assertTrue(batch.jobs().get(0).waitlist(), "the flag travels in the job");
      assertEquals(List.of(before, after), batch.answeredSoldOut().stream().map(TakenBatch.AnsweredSoldOut::jobId).toList());
    }
  }

  private static List<String> enqueue(ShardQueue queue, int shard, int count) {
    return java.util.stream.IntStream.range(0, count)
        .mapToObj(i -> await(queue.enqueue(shard, Sharding.newJobId(shard), 100 + i, EVENT, 1, null, 0, 3600)).jobId())
        .toList();
  }
}
