package io.aurora.booking.queue;

import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.JobQueue;
import io.aurora.booking.bookings.ShardFencedException;
import io.aurora.booking.bookings.TakenJob;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * The Redis side of the queue: a FIFO per shard, a processing set with leases, job records, counters.
 * Every operation is one atomic Lua script or one command, and every key of a shard carries the
 * shard's hash tag {@code {sN}}, so the queue runs unchanged on Redis Cluster.
 *
 * <pre>
 *   {sN}:waiting      LIST  job ids, head first
 *   {sN}:processing   ZSET  job id -> lease deadline (ms)
 *   {sN}:job:ID       HASH  user, event, seats, status, seq, enqueuedAt, attempts, startedAt, result, error, finishedAt
 *   {sN}:seq          next enqueue sequence; {sN}:taken highest sequence taken (position = seq - taken)
 *   {sN}:stats        HASH  enqueued, completed, failed, retried, recovered
 *   {sN}:finished     ZSET  job id -> finish time, for clean
 *   {sN}:paused       flag; {sN}:paused_events SET of paused event ids
 *   {sN}:idem:U:K     idempotency key of user U -> job id
 *   {sN}:owner        HASH  epoch (fencing token), node, name, since, seen: the node that owns the shard
 * </pre>
 */
public final class ShardQueue implements JobQueue {

  private static final LuaScript ENQUEUE = LuaScript.load("enqueue");
  private static final LuaScript TAKE = LuaScript.load("take");
  private static final LuaScript ACK = LuaScript.load("ack");
  private static final LuaScript REAP = LuaScript.load("reap");
  private static final LuaScript STATUS = LuaScript.load("status");
  private static final LuaScript CLEAN = LuaScript.load("clean");
  private static final LuaScript DETAILS = LuaScript.load("details");
  private static final LuaScript CLAIM = LuaScript.load("claim");
  private static final LuaScript RELEASE = LuaScript.load("release");
  private static final LuaScript TOUCH = LuaScript.load("touch");
  private final Redis redis;

  public ShardQueue(Redis redis) {
    this.redis = redis;
  }

  private static String tag(int shard) {
    return "{s" + shard + "}:";
  }

  static String waiting(int shard) { return tag(shard) + "waiting"; }
  static String processing(int shard) { return tag(shard) + "processing"; }
  static String jobPrefix(int shard) { return tag(shard) + "job:"; }
  static String seq(int shard) { return tag(shard) + "seq"; }
  static String taken(int shard) { return tag(shard) + "taken"; }
  static String stats(int shard) { return tag(shard) + "stats"; }
  static String finished(int shard) { return tag(shard) + "finished"; }
  static String paused(int shard) { return tag(shard) + "paused"; }
  static String pausedEvents(int shard) { return tag(shard) + "paused_events"; }
  static String owner(int shard) { return tag(shard) + "owner"; }

  /** The result of an enqueue: the job, its sequence number and the shard's taken sequence. */
  public record Enqueued(String jobId, boolean created, long seq, long taken) {
  }

  public Future<Enqueued> enqueue(int shard, String jobId, long userId, long eventId, int seats,
                                  String idempotencyKey, int idempotencyTtlSeconds) {
    boolean idem = idempotencyKey != null;
    String idemKey = tag(shard) + "idem:" + userId + ":" + (idem ? idempotencyKey : "");
    return ENQUEUE.call(redis,
        List.of(waiting(shard), seq(shard), taken(shard), stats(shard), jobPrefix(shard) + jobId, idemKey),
        List.of(jobId, Long.toString(userId), Long.toString(eventId), Integer.toString(seats),
            Long.toString(System.currentTimeMillis()), idem ? Integer.toString(idempotencyTtlSeconds) : "0"))
        .map(r -> r.get(0).toInteger() == 1
            ? new Enqueued(r.get(1).toString(), true, r.get(2).toLong(), r.get(3).toLong())
            : new Enqueued(r.get(1).toString(), false, 0, 0));
  }

  public Future<List<TakenJob>> take(int shard, int max, long leaseMillis) {
    return take(shard, max, leaseMillis, UNFENCED);
  }

  @Override
  public Future<List<TakenJob>> take(int shard, int max, long leaseMillis, long fence) {
    long now = System.currentTimeMillis();
    return TAKE.call(redis,
        List.of(waiting(shard), processing(shard), taken(shard), paused(shard), pausedEvents(shard), owner(shard)),
        List.of(jobPrefix(shard), Integer.toString(max), Long.toString(now + leaseMillis), Long.toString(now),
            Long.toString(fence)))
        .recover(failure -> Future.failedFuture(String.valueOf(failure.getMessage()).startsWith("FENCED")
            ? new ShardFencedException(shard, fence) : failure))
        .map(r -> {
          List<TakenJob> jobs = new ArrayList<>(r.size());
          for (Response job : r) {
            jobs.add(new TakenJob(job.get(0).toString(), job.get(1).toLong(), job.get(2).toLong(),
                job.get(3).toInteger(), job.get(4).toInteger(), job.get(5).toLong()));
          }
          return jobs;
        });
  }

  /**
   * The outcome of a claim: the epoch the new owner works under and how many jobs an earlier owner had in
   * hand and got back in line; or, when refused, the live owner that holds the shard ({@code epoch} 0).
   */
  public record Claim(long epoch, long handedBack, String heldBy) {
    public boolean granted() {
      return epoch > 0;
    }
  }

  /**
   * Makes {@code nodeId} the owner of the shard under a new fencing epoch: takes by earlier owners fail
   * from now on, and the jobs they still had in hand return to the front of the FIFO at once. Refused
   * while another owner has {@linkplain #touch shown it is alive} within {@code ownerSilenceMillis}.
   */
  public Future<Claim> claim(int shard, String nodeId, String nodeName, long ownerSilenceMillis) {
    return CLAIM.call(redis, List.of(owner(shard), processing(shard)),
            List.of(nodeId, nodeName, Long.toString(ownerSilenceMillis)))
        .compose(r -> {
          if (r.size() > 2 || r.get(1).toLong() == 0) {
            return Future.succeededFuture(new Claim(r.get(0).toLong(), 0, r.size() > 2 ? r.get(2).toString() : null));
          }
          // The claim ended the earlier owner's leases; the reaper's own script hands the jobs back now.
          long epoch = r.get(0).toLong();
          return reap(shard, Integer.MAX_VALUE).map(handedBack -> new Claim(epoch, handedBack, null));
        });
  }

  /** The owner of {@code epoch} is alive; false when the shard has been claimed since (fenced off). */
  public Future<Boolean> touch(int shard, long epoch) {
    return TOUCH.call(redis, List.of(owner(shard)), List.of(Long.toString(epoch))).map(r -> r.toInteger() == 1);
  }

  /** Forgets who owns the shard if it is still the owner of {@code epoch} (a graceful hand-over). */
  public Future<Boolean> releaseOwnership(int shard, long epoch) {
    return RELEASE.call(redis, List.of(owner(shard)), List.of(Long.toString(epoch))).map(r -> r.toInteger() == 1);
  }

  /** The shard's owner record ({@code epoch}, and {@code node}, {@code name}, {@code since} while owned) and its depth. */
  public Future<JsonObject> ownership(int shard) {
    return redis.batch(List.of(
            Request.cmd(Command.HMGET).arg(owner(shard)).arg("epoch").arg("node").arg("name").arg("since").arg("seen"),
            Request.cmd(Command.LLEN).arg(waiting(shard)),
            Request.cmd(Command.ZCARD).arg(processing(shard))))
        .map(r -> {
          Response owner = r.get(0);
          return new JsonObject()
              .put("shard", shard)
              .put("epoch", counter(owner, 0))
              .put("owner", text(owner, 1))
              .put("ownerName", text(owner, 2))
              .put("ownedSince", text(owner, 3) == null ? null : counter(owner, 3))
              .put("ownerSeen", text(owner, 4) == null ? null : counter(owner, 4))
              .put("waiting", r.get(1).toLong())
              .put("processing", r.get(2).toLong());
        });
  }

  private static String text(Response values, int index) {
    Response value = values.get(index);
    return value == null ? null : value.toString();
  }

  @Override
  public Future<Void> renew(int shard, List<String> jobIds, long leaseMillis) {
    if (jobIds.isEmpty()) {
      return Future.succeededFuture();
    }
    String deadline = Long.toString(System.currentTimeMillis() + leaseMillis);
    Request request = Request.cmd(Command.ZADD).arg(processing(shard)).arg("XX");
    jobIds.forEach(id -> request.arg(deadline).arg(id));
    return redis.send(request).mapEmpty();
  }

  @Override
  public Future<Void> releaseLeases(int shard, List<String> jobIds) {
    if (jobIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Request request = Request.cmd(Command.ZADD).arg(processing(shard)).arg("XX");
    jobIds.forEach(id -> request.arg("0").arg(id));
    return redis.send(request).mapEmpty();
  }

  /** Writes all outcomes of a batch in one script call. */
  @Override
  public Future<Integer> ack(int shard, List<JobOutcome> outcomes, int resultTtlSeconds) {
    if (outcomes.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<String> args = new ArrayList<>(3 + outcomes.size() * 5);
    args.add(jobPrefix(shard));
    args.add(Long.toString(System.currentTimeMillis()));
    args.add(Integer.toString(resultTtlSeconds));
    for (JobOutcome o : outcomes) {
      args.add(o.jobId());
      args.add(o.status());
      args.add(o.completed() ? o.result().encode() : "");
      args.add(o.completed() ? "" : o.reason().name());
      args.add(Integer.toString(o.retries()));
    }
    return ACK.call(redis, List.of(processing(shard), stats(shard), finished(shard)), args).map(Response::toInteger);
  }

  public Future<Integer> reap(int shard, int limit) {
    return REAP.call(redis, List.of(processing(shard), waiting(shard), stats(shard)),
        List.of(jobPrefix(shard), Long.toString(System.currentTimeMillis()), Integer.toString(limit)))
        .map(Response::toInteger);
  }

  /** The job's record (empty when unknown or expired) and the shard's taken sequence. */
  public record JobRecord(JsonObject fields, long taken) {
  }

  public Future<JobRecord> status(String jobId) {
    int shard = Sharding.shardOfJob(jobId);
    return STATUS.call(redis, List.of(jobPrefix(shard) + jobId, taken(shard)), List.of())
        .map(r -> {
          JsonObject fields = new JsonObject();
          Response hash = r.get(0);
          // Lua hands HGETALL back as a flat field, value, field, value... array.
          for (int i = 0; i + 1 < hash.size(); i += 2) {
            fields.put(hash.get(i).toString(), hash.get(i + 1).toString());
          }
          return new JobRecord(fields, Long.parseLong(r.get(1).toString()));
        });
  }

  /** Waiting, processing, paused flags and counters of one shard. */
  public Future<JsonObject> shardStats(int shard) {
    return redis.batch(List.of(
            Request.cmd(Command.LLEN).arg(waiting(shard)),
            Request.cmd(Command.ZCARD).arg(processing(shard)),
            Request.cmd(Command.HMGET).arg(stats(shard)).arg("enqueued").arg("completed").arg("failed")
                .arg("retried").arg("recovered"),
            Request.cmd(Command.EXISTS).arg(paused(shard)),
            Request.cmd(Command.SMEMBERS).arg(pausedEvents(shard))))
        .map(r -> {
          Response counters = r.get(2);
          JsonArray pausedEvents = new JsonArray();
          r.get(4).forEach(e -> pausedEvents.add(Long.parseLong(e.toString())));
          return new JsonObject()
              .put("shard", shard)
              .put("waiting", r.get(0).toLong())
              .put("processing", r.get(1).toLong())
              .put("enqueued", counter(counters, 0))
              .put("completed", counter(counters, 1))
              .put("failed", counter(counters, 2))
              .put("retried", counter(counters, 3))
              .put("stalledRecovered", counter(counters, 4))
              .put("paused", r.get(3).toInteger() == 1)
              .put("pausedEvents", pausedEvents);
        });
  }

  private static long counter(Response values, int index) {
    Response value = values.get(index);
    return value == null ? 0 : value.toLong();
  }

  public Future<JsonObject> details(int shard, int offset, int limit) {
    return DETAILS.call(redis, List.of(waiting(shard), processing(shard)),
            List.of(jobPrefix(shard), Integer.toString(offset), Integer.toString(limit)))
        .map(r -> new JsonObject()
            .put("shard", shard)
            .put("waiting", describe(r.get(0)))
            .put("processing", describe(r.get(1))));
  }

  private static JsonArray describe(Response jobs) {
    long now = System.currentTimeMillis();
    JsonArray out = new JsonArray();
    for (Response job : jobs) {
      long enqueuedAt = parseLong(job.get(4).toString());
      JsonObject entry = new JsonObject()
          .put("jobId", job.get(0).toString())
          .put("eventId", parseLong(job.get(1).toString()))
          .put("userId", parseLong(job.get(2).toString()))
          .put("seats", parseLong(job.get(3).toString()))
          .put("ageMillis", enqueuedAt > 0 ? now - enqueuedAt : null)
          .put("attempts", parseLong(job.get(5).toString()))
          .put("status", job.get(6).toString());
      String deadline = job.get(8).toString();
      if (!deadline.isEmpty()) {
        entry.put("leaseExpiresInMillis", (long) Double.parseDouble(deadline) - now);
      }
      out.add(entry);
    }
    return out;
  }

  private static long parseLong(String s) {
    return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
  }

  public Future<Void> setPaused(int shards, boolean paused) {
    List<Request> requests = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      requests.add(paused ? Request.cmd(Command.SET).arg(paused(s)).arg("1") : Request.cmd(Command.DEL).arg(paused(s)));
    }
    return redis.batch(requests).mapEmpty();
  }

  public Future<Void> setEventPaused(int shard, long eventId, boolean paused) {
    return redis.send(Request.cmd(paused ? Command.SADD : Command.SREM).arg(pausedEvents(shard)).arg(eventId)).mapEmpty();
  }

  /** Returns {dropped, examined}. */
  public Future<long[]> clean(int shard, long cutoffMillis, int limit) {
    return CLEAN.call(redis, List.of(finished(shard)),
            List.of(jobPrefix(shard), Long.toString(cutoffMillis), Integer.toString(limit)))
        .map(r -> new long[] {r.get(0).toLong(), r.get(1).toLong()});
  }

  /** Total decided (completed + failed) of a shard: the basis of the measured processing rate. */
  public Future<Long> decided(int shard) {
    return redis.send(Request.cmd(Command.HMGET).arg(stats(shard)).arg("completed").arg("failed"))
        .map(r -> counter(r, 0) + counter(r, 1));
  }
}
