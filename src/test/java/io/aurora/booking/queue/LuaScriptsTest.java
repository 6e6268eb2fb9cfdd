package io.aurora.booking.queue;

import io.aurora.booking.bookings.FailureReason;
import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.ShardFencedException;
import io.aurora.booking.bookings.TakenJob;
import io.aurora.booking.limits.LimitKeys;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each script of {@code lua/}, one by one, against a real Redis (the test server, a database of this class's
 * own, emptied before each test), through the Java call that runs it; every assertion reads Redis itself.
 */
class LuaScriptsTest {

  private static final int SHARD = 3;
  private static final long LEASE = 60_000;
  private static final long EVENT = 42;
  private static final long OTHER_EVENT = 43;

  private static Vertx vertx;
  private static String redisUrl;
  private static Redis redis;
  private static ShardQueue queue;
  private static OwnerRecords owners;

  @BeforeAll
  static void connect() {
    vertx = Vertx.vertx();
    redisUrl = TestServices.get().newRedisDb();
    redis = TestServices.get().redisClient(vertx, redisUrl);
    queue = new ShardQueue(redis);
    owners = new OwnerRecords(redis);
  }

  @AfterAll
  static void close() {
    redis.close();
    await(vertx.close());
  }

  @BeforeEach
  void emptyDatabase() {
    TestServices.get().flushRedis(vertx, redisUrl);
  }

  // ---- enqueue.lua ----

  @Test
  void enqueueAppendsTheJobWithItsRecordSequenceAndCounter() {
    String first = enqueue(7, EVENT);
    ShardQueue.Enqueued second = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 8, EVENT, 2, null, 0, 3600));
    assertTrue(second.created());
    assertEquals(2, second.seq());
    assertEquals(List.of(first, second.jobId()), waiting());
    Map<String, String> record = hash(ShardKeys.jobPrefix(SHARD) + second.jobId());
    assertEquals(Map.of("user", "8", "event", "42", "seats", "2", "status", "queued", "seq", "2",
        "enqueuedAt", record.get("enqueuedAt"), "attempts", "0"), record);
    assertEquals("2", get(ShardKeys.seq(SHARD)));
    assertEquals("2", hash(ShardKeys.stats(SHARD)).get("enqueued"));
    assertEquals(0, TestServices.get().onEveryServer(vertx, redisUrl, Request.cmd(Command.KEYS).arg("*idem*")).stream()
        .mapToInt(Response::size).sum(), "no idempotency key is kept for a request without one");
  }

  @Test
  void enqueueWithARepeatedIdempotencyKeyReturnsTheFirstJobAndAddsNothing() {
    ShardQueue.Enqueued first = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, "k1", 600, 3600));
    ShardQueue.Enqueued again = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, "k1", 600, 3600));
    assertFalse(again.created());
    assertEquals(first.jobId(), again.jobId());
    assertEquals(List.of(first.jobId()), waiting());
    assertEquals("1", hash(ShardKeys.stats(SHARD)).get("enqueued"));
    String idem = ShardKeys.idempotency(SHARD, 7, "k1");
    assertEquals(first.jobId(), get(idem));
    long ttl = send(Command.TTL, idem).toLong();
    assertTrue(ttl > 0 && ttl <= 600, "ttl " + ttl);
  }

  // ---- withdraw.lua ----

  @Test
  void aWithdrawnJobLeavesNothingBehindAndGivesItsPlaceInLineBack() {
    String a = enqueue(1, EVENT);
    ShardQueue.Enqueued refused = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, "k7", 600, 3600));
    String c = enqueue(3, EVENT);
    assertTrue(await(queue.withdraw(SHARD, refused.jobId(), 7, EVENT, "k7")));
    assertEquals(List.of(a, c), waiting());
    assertEquals(Map.of(), hash(ShardKeys.jobPrefix(SHARD) + refused.jobId()), "no job record");
    assertNull(get(ShardKeys.idempotency(SHARD, 7, "k7")), "no idempotency entry");
    assertNull(get(ShardKeys.liveJob(SHARD, 7, EVENT)), "no live-job mark");
    assertEquals("2", hash(ShardKeys.stats(SHARD)).get("enqueued"), "not counted as enqueued");
    // The job behind counts only the one really ahead of it, in its status and in a new request's answer.
    assertEquals(2, await(queue.status(c)).position(), "c: seq 3, one withdrawn ahead");
    ShardQueue.Enqueued d = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 4, EVENT, 1, null, 0, 3600));
    assertEquals(3, d.seq() - d.taken(), "d: seq 4, one withdrawn ahead");
    // The same user may ask again at once: nothing of the withdrawn request holds them back.
    assertTrue(await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, "k7", 600, 3600)).created());
    // Take passes the withdrawn place: it is forgotten, and positions are seq - taken again.
    assertEquals(List.of(a, c), await(queue.take(SHARD, 2, LEASE)).stream().map(TakenJob::jobId).toList());
    assertEquals(0, send(Command.ZCARD, ShardKeys.withdrawn(SHARD)).toLong());
    assertEquals(1, await(queue.status(d.jobId())).position());
  }

  @Test
  void aJobAwaitingItsLimitsIsNotTakenAndHoldsBackTheJobsBehindItUntilConfirmed() {
    String a = enqueue(1, EVENT);
    ShardQueue.Enqueued pending = await(queue.enqueue(redis::send, SHARD, Sharding.newJobId(SHARD), 2, EVENT, 1, null, 0,
        3600, System.currentTimeMillis() + 60_000, false));
    String c = enqueue(3, EVENT);
    assertEquals(List.of(a), await(queue.take(SHARD, 10, LEASE)).stream().map(TakenJob::jobId).toList(),
        "take stops at the job whose request's limits are not known yet (FIFO: c waits behind it)");
    assertEquals(List.of(pending.jobId(), c), waiting());
    await(queue.confirm(SHARD, List.of(pending.jobId())));
    assertEquals(List.of(pending.jobId(), c), await(queue.take(SHARD, 10, LEASE)).stream().map(TakenJob::jobId).toList());
  }

  @Test
  void aJobWhoseAdmissionDeadlinePassedIsTakenLikeAnyOther() {
    ShardQueue.Enqueued stale = await(queue.enqueue(redis::send, SHARD, Sharding.newJobId(SHARD), 2, EVENT, 1, null, 0,
        3600, System.currentTimeMillis() - 1, false));
    assertEquals(List.of(stale.jobId()), await(queue.take(SHARD, 10, LEASE)).stream().map(TakenJob::jobId).toList());
  }

  @Test
  void aJobAWorkerHasTakenIsNotWithdrawnAndStands() {
    ShardQueue.Enqueued job = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, null, 0, 3600));
    await(queue.take(SHARD, 1, LEASE));
    assertFalse(await(queue.withdraw(SHARD, job.jobId(), 7, EVENT, null)));
    assertEquals("processing", hash(ShardKeys.jobPrefix(SHARD) + job.jobId()).get("status"));
    assertEquals(job.jobId(), get(ShardKeys.liveJob(SHARD, 7, EVENT)));
    assertEquals(1, processing().size());
    assertEquals("1", hash(ShardKeys.stats(SHARD)).get("enqueued"));
  }

  // ---- take.lua ----

  @Test
  void takeMovesTheHeadOfTheQueueToProcessingWithALease() {
    String a = enqueue(1, EVENT);
    String b = enqueue(2, EVENT);
    String c = enqueue(3, EVENT);
    long before = System.currentTimeMillis();
    List<TakenJob> taken = await(queue.take(SHARD, 2, LEASE));
    assertEquals(List.of(a, b), taken.stream().map(TakenJob::jobId).toList());
    assertEquals(1, taken.get(0).userId());
    assertEquals(1, taken.get(0).attempts());
    assertEquals(List.of(c), waiting());
    Map<String, Double> leases = processing();
    assertEquals(2, leases.size());
    assertTrue(leases.get(a) >= before + LEASE, "lease deadline " + leases.get(a));
    assertEquals("processing", hash(ShardKeys.jobPrefix(SHARD) + a).get("status"));
    assertEquals("1", hash(ShardKeys.jobPrefix(SHARD) + a).get("attempts"));
    assertEquals("2", get(ShardKeys.taken(SHARD)), "taken is the highest sequence handed out");
  }

  @Test
  void takeOfAPausedShardTakesNothing() {
    String a = enqueue(1, EVENT);
    await(queue.setPaused(SHARD + 1, true));
    assertEquals(List.of(), await(queue.take(SHARD, 10, LEASE)));
    assertEquals(List.of(a), waiting());
    assertTrue(processing().isEmpty());
  }

  @Test
  void takeLeavesAPausedEventsJobsInPlaceAndTakesTheOthers() {
    String paused = enqueue(1, EVENT);
    String other = enqueue(2, OTHER_EVENT);
    await(queue.setEventPaused(SHARD, EVENT, true));
    assertEquals(List.of(other), await(queue.take(SHARD, 10, LEASE)).stream().map(TakenJob::jobId).toList());
    assertEquals(List.of(paused), waiting());
    assertEquals(List.of(other), new ArrayList<>(processing().keySet()));
  }

  @Test
  void takeSkipsAJobWhoseRecordIsGoneOrAlreadyFinished() {
    String gone = enqueue(1, EVENT);
    String done = enqueue(2, EVENT);
    String live = enqueue(3, EVENT);
    send(Command.DEL, ShardKeys.jobPrefix(SHARD) + gone);
    send(Command.HSET, ShardKeys.jobPrefix(SHARD) + done, "status", "completed");
    assertEquals(List.of(live), await(queue.take(SHARD, 10, LEASE)).stream().map(TakenJob::jobId).toList());
    assertEquals(List.of(live), new ArrayList<>(processing().keySet()));
    assertEquals(List.of(), waiting());
  }

  @Test
  void takeUnderAnOutdatedEpochIsFencedAndMovesNothing() {
    String a = enqueue(1, EVENT);
    long first = await(owners.claim(SHARD, "member-a", "a", 0)).epoch();
    long second = await(owners.claim(SHARD, "member-b", "b", 0)).epoch();
    assertEquals(first + 1, second);
    assertInstanceOf(ShardFencedException.class, assertThrows(RuntimeException.class,
        () -> await(queue.take(SHARD, 10, LEASE, first))));
    assertEquals(List.of(a), waiting());
    assertEquals(List.of(a), await(queue.take(SHARD, 10, LEASE, second)).stream().map(TakenJob::jobId).toList());
  }

  @Test
  void aRepeatWhileTheUsersJobForTheEventIsLiveGetsThatJobBackAndAddsNothing() {
    ShardQueue.Enqueued first = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, null, 0, 3600));
    String other = enqueue(8, EVENT);
    ShardQueue.Enqueued repeat = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, null, 0, 3600));
    assertFalse(repeat.created());
    assertTrue(repeat.live());
    assertEquals(first.jobId(), repeat.jobId());
    assertEquals(first.seq(), repeat.seq(), "its own place in line");
    assertEquals(List.of(first.jobId(), other), waiting(), "no job made");
    assertEquals(first.jobId(), send(Command.GET, ShardKeys.liveJob(SHARD, 7, EVENT)).toString());
    long ttl = send(Command.TTL, ShardKeys.liveJob(SHARD, 7, EVENT)).toLong();
    assertTrue(ttl > 0 && ttl <= 3600, "the mark expires at the latest with the given hold: " + ttl);
    // Another event of the same user is a job of its own.
    assertTrue(await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, OTHER_EVENT, 1, null, 0, 3600)).created());
    // In process: still live, and said so.
    await(queue.take(SHARD, 1, LEASE));
    ShardQueue.Enqueued inProcess = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, null, 0, 3600));
    assertTrue(inProcess.live() && inProcess.processing());
  }

  @Test
  void aLiveMarkWhoseJobRecordIsGoneHoldsNothing() {
    String gone = enqueue(7, EVENT);
    send(Command.DEL, ShardKeys.jobPrefix(SHARD) + gone);
    assertTrue(await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, null, 0, 3600)).created());
  }

  // ---- ack.lua ----

  @Test
  void ackRecordsEachOutcomeOnceAndKeepsTheFirst() {
    String a = enqueue(1, EVENT);
    String b = enqueue(2, EVENT);
    await(queue.take(SHARD, 10, LEASE));
    int recorded = await(queue.ack(SHARD, List.of(JobOutcome.completed(a, 100, EVENT, 1),
        JobOutcome.failed(b, FailureReason.SOLD_OUT).withRetries(2)), 3600));
    assertEquals(2, recorded);
    assertTrue(processing().isEmpty());
    Map<String, String> completed = hash(ShardKeys.jobPrefix(SHARD) + a);
    assertEquals("completed", completed.get("status"));
    assertTrue(completed.get("result").contains("\"bookingId\":100"), completed.get("result"));
    assertEquals("SOLD_OUT", hash(ShardKeys.jobPrefix(SHARD) + b).get("error"));
    long ttl = send(Command.TTL, ShardKeys.jobPrefix(SHARD) + a).toLong();
    assertTrue(ttl > 0 && ttl <= 3600, "ttl " + ttl);
    assertEquals(2, send(Command.ZCARD, ShardKeys.finished(SHARD)).toLong());
    Map<String, String> stats = hash(ShardKeys.stats(SHARD));
    assertEquals("1", stats.get("completed"));
    assertEquals("1", stats.get("failed"));
    assertEquals("2", stats.get("retried"));

    // A redelivered job decided again keeps its first result and counts nothing.
    assertEquals(0, await(queue.ack(SHARD, List.of(JobOutcome.failed(a, FailureReason.INTERNAL)), 3600)));
    assertEquals("completed", hash(ShardKeys.jobPrefix(SHARD) + a).get("status"));
    assertEquals("1", hash(ShardKeys.stats(SHARD)).get("completed"));
    assertNull(hash(ShardKeys.stats(SHARD)).get("INTERNAL"));
  }

  @Test
  void ackReleasesTheDecidedJobsHoldsAndOnlyTheirs() {
    String a = enqueue(7, EVENT);
    send(Command.ZADD, LimitKeys.openJobs(7), Long.toString(Long.MAX_VALUE), Long.toString(EVENT));
    await(queue.take(SHARD, 10, LEASE));
    assertEquals(1, await(queue.ack(SHARD, List.of(JobOutcome.failed(a, FailureReason.SOLD_OUT)), 3600)));
    assertEquals(0, send(Command.EXISTS, ShardKeys.liveJob(SHARD, 7, EVENT)).toInteger(), "the live mark is gone");
    assertEquals(0, send(Command.ZCARD, LimitKeys.openJobs(7)).toLong(), "the open-job place is given back");
    // A new request is a new job; a late redelivery of the old job's outcome does not free the new one.
    ShardQueue.Enqueued again = await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, null, 0, 3600));
    assertTrue(again.created());
    assertEquals(0, await(queue.ack(SHARD, List.of(JobOutcome.failed(a, FailureReason.SOLD_OUT)), 3600)));
    assertEquals(again.jobId(), send(Command.GET, ShardKeys.liveJob(SHARD, 7, EVENT)).toString());
  }

  // ---- reap.lua ----

  @Test
  void reapHandsExpiredLeasesBackToTheFrontInArrivalOrderAndLeavesLiveOnes() {
    String a = enqueue(1, EVENT);
    String b = enqueue(2, EVENT);
    String c = enqueue(3, EVENT);
    String d = enqueue(4, EVENT);
    await(queue.take(SHARD, 3, LEASE));
    await(queue.releaseLeases(SHARD, List.of(b, a)));
    assertEquals(2, await(queue.reap(SHARD, 100)));
    assertEquals(List.of(a, b, d), waiting());
    assertEquals(List.of(c), new ArrayList<>(processing().keySet()));
    assertEquals("queued", hash(ShardKeys.jobPrefix(SHARD) + a).get("status"));
    assertEquals("2", hash(ShardKeys.stats(SHARD)).get("recovered"));
    assertEquals(0, await(queue.reap(SHARD, 100)), "a live lease is not reaped");
  }

  /**
   * Jobs handed back in two rounds (two batches whose leases ran out one after the other, or more than one
   * round's limit) join those handed back before in arrival order, not in front of them: the later batch,
   * returned last, must not overtake the earlier one (first come, first served across a take-over).
   */
  @Test
  void reapKeepsArrivalOrderWhenEarlierJobsHandedBackAreStillWaiting() {
    List<String> jobs = new ArrayList<>();
    for (int user = 1; user <= 7; user++) {
      jobs.add(enqueue(user, EVENT));
    }
    await(queue.take(SHARD, 3, LEASE));
    await(queue.take(SHARD, 3, LEASE));
    await(queue.releaseLeases(SHARD, jobs.subList(0, 3)));
    assertEquals(3, await(queue.reap(SHARD, 100)));
    await(queue.releaseLeases(SHARD, jobs.subList(3, 6)));
    // A limit below what expired: this round returns a part, the next one the rest.
    assertEquals(2, await(queue.reap(SHARD, 2)));
    assertEquals(1, await(queue.reap(SHARD, 2)));
    assertEquals(jobs, waiting());
  }

  // ---- status.lua ----

  @Test
  void statusReadsTheRecordAndThePlaceInLine() {
    enqueue(1, EVENT);
    String b = enqueue(2, EVENT);
    String c = enqueue(3, EVENT);
    await(queue.take(SHARD, 1, LEASE));
    ShardQueue.JobRecord record = await(queue.status(c));
    assertEquals(1, record.taken());
    assertEquals("3", record.fields().getString("user"));
    assertEquals(2, record.position());
    assertEquals(1, await(queue.status(b)).position());
    assertTrue(await(queue.status(Sharding.newJobId(SHARD))).fields().isEmpty());
  }

  // ---- clean.lua ----

  @Test
  void cleanDropsOldFinishedRecordsOnlyAndEmptiesTheirIndex() {
    String done = enqueue(1, EVENT);
    String waitingJob = enqueue(2, EVENT);
    await(queue.take(SHARD, 1, LEASE));
    await(queue.ack(SHARD, List.of(JobOutcome.completed(done, 1, EVENT, 1)), 3600));
    // A queued job that somehow sits in the finished index must survive a clean.
    send(Command.ZADD, ShardKeys.finished(SHARD), "1", waitingJob);
    ShardQueue.CleanRound round = await(queue.clean(SHARD, System.currentTimeMillis() + 1, 100));
    assertEquals(new ShardQueue.CleanRound(1, 2), round, "one dropped of two looked at");
    assertEquals(0, send(Command.EXISTS, ShardKeys.jobPrefix(SHARD) + done).toInteger());
    assertEquals("queued", hash(ShardKeys.jobPrefix(SHARD) + waitingJob).get("status"));
    assertEquals(0, send(Command.ZCARD, ShardKeys.finished(SHARD)).toLong());
    assertEquals(List.of(waitingJob), waiting());
  }

  @Test
  void cleanKeepsRecordsNewerThanTheCutOff() {
    String done = enqueue(1, EVENT);
    await(queue.take(SHARD, 1, LEASE));
    await(queue.ack(SHARD, List.of(JobOutcome.completed(done, 1, EVENT, 1)), 3600));
    assertEquals(new ShardQueue.CleanRound(0, 0), await(queue.clean(SHARD, 1, 100)));
    assertEquals(1, send(Command.EXISTS, ShardKeys.jobPrefix(SHARD) + done).toInteger());
  }

  // ---- details.lua ----

  @Test
  void detailsPagesWaitingAndProcessingJobsWithTheirLeases() {
    String a = enqueue(1, EVENT);
    String b = enqueue(2, EVENT);
    String c = enqueue(3, OTHER_EVENT);
    await(queue.take(SHARD, 1, LEASE));
    ShardDetails page = await(queue.details(SHARD, 0, 1));
    assertEquals(List.of(b), page.waiting().stream().map(ShardDetails.QueuedJob::jobId).toList());
    assertEquals(List.of(a), page.processing().stream().map(ShardDetails.QueuedJob::jobId).toList());
    assertEquals(processing().get(a).longValue(), page.processing().get(0).leaseDeadline());
    assertNull(page.waiting().get(0).leaseDeadline());
    assertEquals(List.of(c), await(queue.details(SHARD, 1, 10)).waiting().stream()
        .map(ShardDetails.QueuedJob::jobId).toList());
  }

  // ---- claim.lua, touch.lua, release.lua ----

  @Test
  void claimRaisesTheEpochAndHandsTheEarlierOwnersJobsBackToTheFront() {
    String a = enqueue(1, EVENT);
    String b = enqueue(2, EVENT);
    OwnerRecords.Claim first = await(owners.claim(SHARD, "member-a", "node-a", 0));
    assertEquals(1, first.epoch());
    await(queue.take(SHARD, 1, LEASE, first.epoch()));
    OwnerRecords.Claim second = await(owners.claim(SHARD, "member-b", "node-b", 0));
    assertEquals(2, second.epoch());
    assertEquals(1, second.handedBack());
    assertEquals(List.of(a, b), waiting());
    assertTrue(processing().isEmpty());
    Map<String, String> owner = hash(ShardKeys.owner(SHARD));
    assertEquals("2", owner.get("epoch"));
    assertEquals("member-b", owner.get("node"));
    assertEquals("node-b", owner.get("name"));
  }

  @Test
  void claimIsRefusedWhileTheOwnerIsAlive() {
    long epoch = await(owners.claim(SHARD, "member-a", "node-a", 60_000)).epoch();
    assertTrue(await(owners.touch(SHARD, epoch, "member-a", "node-a")));
    OwnerRecords.Claim refused = await(owners.claim(SHARD, "member-b", "node-b", 60_000));
    assertFalse(refused.granted());
    assertEquals("member-a", refused.heldBy());
    assertEquals("member-a", hash(ShardKeys.owner(SHARD)).get("node"));
    assertEquals(Long.toString(epoch), hash(ShardKeys.owner(SHARD)).get("epoch"));
  }

  @Test
  void touchMarksTheOwnerSeenAndFailsForAnOutdatedEpoch() {
    long first = await(owners.claim(SHARD, "member-a", "node-a", 0)).epoch();
    send(Command.HSET, ShardKeys.owner(SHARD), "seen", "1");
    assertTrue(await(owners.touch(SHARD, first, "member-a", "node-a")));
    assertTrue(Long.parseLong(hash(ShardKeys.owner(SHARD)).get("seen")) > 1);
    long second = await(owners.claim(SHARD, "member-b", "node-b", 0)).epoch();
    send(Command.HSET, ShardKeys.owner(SHARD), "seen", "1");
    assertFalse(await(owners.touch(SHARD, first, "member-a", "node-a")));
    assertEquals("1", hash(ShardKeys.owner(SHARD)).get("seen"), "a fenced owner leaves the record alone");
    assertTrue(await(owners.touch(SHARD, second, "member-b", "node-b")));
  }

  /**
   * A Redis failover can promote a replica that missed the latest claim, or bring the master back empty: the
   * record then stands behind the owner's epoch. Only a newer epoch fences; the owner restores its record
   * and keeps taking, instead of standing down for good (a lone node would never claim its shards again).
   */
  @Test
  void anOwnerRecordLostInAFailoverIsRestoredByItsOwnerNotTakenForANewerClaim() {
    long epoch = await(owners.claim(SHARD, "member-a", "node-a", 0)).epoch();
    send(Command.DEL, ShardKeys.owner(SHARD));
    assertTrue(await(owners.touch(SHARD, epoch, "member-a", "node-a")), "a missing record does not fence its owner");
    Map<String, String> restored = hash(ShardKeys.owner(SHARD));
    assertEquals(Long.toString(epoch), restored.get("epoch"));
    assertEquals("member-a", restored.get("node"));
    assertEquals("node-a", restored.get("name"));

    send(Command.HSET, ShardKeys.owner(SHARD), "epoch", Long.toString(epoch - 1));
    await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), 7, EVENT, 1, null, 0, 3600));
    assertEquals(1, await(queue.take(SHARD, 1, LEASE, epoch)).size(), "a record behind the taker's epoch does not fence it");
    assertTrue(await(owners.touch(SHARD, epoch, "member-a", "node-a")));
    assertEquals(Long.toString(epoch), hash(ShardKeys.owner(SHARD)).get("epoch"));
  }

  @Test
  void releaseForgetsTheOwnerButKeepsTheEpochAndOnlyForTheCurrentOwner() {
    long first = await(owners.claim(SHARD, "member-a", "node-a", 0)).epoch();
    long second = await(owners.claim(SHARD, "member-b", "node-b", 0)).epoch();
    assertFalse(await(owners.releaseOwnership(SHARD, first)));
    assertEquals("member-b", hash(ShardKeys.owner(SHARD)).get("node"));
    assertTrue(await(owners.releaseOwnership(SHARD, second)));
    assertEquals(Map.of("epoch", Long.toString(second)), hash(ShardKeys.owner(SHARD)));
    assertTrue(await(owners.claim(SHARD, "member-c", "node-c", 60_000)).granted(), "a released shard is free at once");
  }

  // ---- helpers: plain Redis reads ----

  private static String enqueue(long user, long event) {
    return await(queue.enqueue(SHARD, Sharding.newJobId(SHARD), user, event, 1, null, 0, 3600)).jobId();
  }

  private static Response send(Command command, String... args) {
    Request request = Request.cmd(command);
    for (String arg : args) {
      request.arg(arg);
    }
    return await(redis.send(request));
  }

  private static String get(String key) {
    Response value = send(Command.GET, key);
    return value == null ? null : value.toString();
  }

  private static List<String> waiting() {
    List<String> ids = new ArrayList<>();
    send(Command.LRANGE, ShardKeys.waiting(SHARD), "0", "-1").forEach(r -> ids.add(r.toString()));
    return ids;
  }

  /** The processing set, job id to lease deadline, in deadline order. */
  private static Map<String, Double> processing() {
    Response raw = send(Command.ZRANGE, ShardKeys.processing(SHARD), "0", "-1", "WITHSCORES");
    Map<String, Double> leases = new java.util.LinkedHashMap<>();
    for (Response entry : raw) {
      // RESP3 answers pairs; RESP2 a flat list.
      if (entry.size() == 2) {
        leases.put(entry.get(0).toString(), entry.get(1).toDouble());
      }
    }
    if (leases.isEmpty() && raw.size() > 0 && raw.get(0).size() != 2) {
      for (int i = 0; i + 1 < raw.size(); i += 2) {
        leases.put(raw.get(i).toString(), raw.get(i + 1).toDouble());
      }
    }
    return leases;
  }

  private static Map<String, String> hash(String key) {
    Response raw = send(Command.HGETALL, key);
    Map<String, String> fields = new HashMap<>();
    for (String field : raw.getKeys()) {
      fields.put(field, raw.get(field).toString());
    }
    return fields;
  }
}
