package io.aurora.booking.queue;

import io.aurora.booking.infra.LuaScript;
import io.aurora.booking.limits.LimitKeys;
import io.aurora.booking.bookings.FailureReason;
import io.aurora.booking.bookings.JobOutcome;
import io.aurora.booking.bookings.JobQueue;
import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.bookings.ShardFencedException;
import io.aurora.booking.bookings.TakenBatch;
import io.aurora.booking.bookings.TakenJob;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static io.aurora.booking.queue.ShardKeys.answered;
import static io.aurora.booking.queue.ShardKeys.finished;
import static io.aurora.booking.queue.ShardKeys.internal;
import static io.aurora.booking.queue.ShardKeys.jobPrefix;
import static io.aurora.booking.queue.ShardKeys.owner;
import static io.aurora.booking.queue.ShardKeys.paused;
import static io.aurora.booking.queue.ShardKeys.pausedEvents;
import static io.aurora.booking.queue.ShardKeys.processing;
import static io.aurora.booking.queue.ShardKeys.seatEpochs;
import static io.aurora.booking.queue.ShardKeys.seq;
import static io.aurora.booking.queue.ShardKeys.soldOut;
import static io.aurora.booking.queue.ShardKeys.stats;
import static io.aurora.booking.queue.ShardKeys.taken;
import static io.aurora.booking.queue.ShardKeys.waiting;
import static io.aurora.booking.queue.ShardKeys.withdrawn;

/**
 * The operations of the queue in Redis ({@link ShardKeys}): a FIFO per shard, a processing set with leases,
 * job records, counters. Every operation is one atomic Lua script or one command (or one pipelined batch of
 * reads). The worker's side of it is {@link JobQueue}; who owns a shard is {@link OwnerRecords}.
 */
public final class ShardQueue implements JobQueue {

  private static final LuaScript ENQUEUE = LuaScript.load("enqueue");
  private static final LuaScript WITHDRAW = LuaScript.load("withdraw");
  private static final LuaScript CONFIRM = LuaScript.load("confirm");
  private static final LuaScript TAKE = LuaScript.load("take");
  private static final LuaScript ANSWERED = LuaScript.load("answered", "job_finish");
  private static final LuaScript ACK = LuaScript.load("ack", "job_finish");
  private static final LuaScript SOLD_OUT = LuaScript.load("sold_out");
  private static final LuaScript REAP = LuaScript.load("reap");
  private static final LuaScript STATUS = LuaScript.load("status");
  private static final LuaScript CLEAN = LuaScript.load("clean");
  private static final LuaScript DETAILS = LuaScript.load("details");
  private static final LuaScript HEAD = LuaScript.load("head");
  private static final LuaScript RETRY = LuaScript.load("retry");

  private static final Logger LOG = LoggerFactory.getLogger(ShardQueue.class);

  private final Redis redis;

  public ShardQueue(Redis redis) {
    this.redis = redis;
  }

  /**
   * The result of an enqueue: the job, its sequence number and the shard's taken sequence. Not
   * {@code created} for a repeated idempotency key (seq, taken 0) or when the user's job for the event is
   * still {@code live} (waiting or in process: its own seq; taken is then the shard's, so seq - taken is its place).
   */
  public record Enqueued(String jobId, boolean created, boolean live, long seq, long taken, boolean processing) {
  }

  /**
   * Accepts a booking request, unless the user's job for this event is still live (then that job comes
   * back). {@code liveHoldSeconds} bounds how long the live-job mark outlasts a job never decided.
   */
  public Future<Enqueued> enqueue(int shard, String jobId, long userId, long eventId, int seats,
                                  String idempotencyKey, int idempotencyTtlSeconds, int liveHoldSeconds) {
    return enqueue(redis::send, shard, jobId, userId, eventId, seats, idempotencyKey, idempotencyTtlSeconds,
        liveHoldSeconds, 0, false);
  }

  /**
   * {@link #enqueue} sent through {@code send}: {@code RedisConnection::send} to pipeline it on one connection
   * behind the request's limits (QueueVerticle). With an {@code admitByMillis} (0: none) a new job is not
   * handed to a worker until {@link #confirm}ed (its limits passed) or that time; {@link #withdraw} removes it
   * when a limit refused. A {@code waitlist} job takes a place on its event's waitlist when it finds the event
   * sold out; the flag is kept in the job's record, so take.lua hands it to the worker instead of answering it on
   * the sold-out fast path.
   */
  public Future<Enqueued> enqueue(Function<Request, Future<Response>> send, int shard, String jobId, long userId,
                                  long eventId, int seats, String idempotencyKey, int idempotencyTtlSeconds,
                                  int liveHoldSeconds, long admitByMillis, boolean waitlist) {
    return enqueue(send, shard, jobId, userId, eventId, seats, idempotencyKey, idempotencyTtlSeconds, liveHoldSeconds,
        admitByMillis, waitlist, null);
  }

  /**
   * {@link #enqueue} carrying the request's span as a W3C {@code traceparent} (null: not traced), kept in the job's
   * record: its worker links the batch that decides it to that span (tracing, {@code infra.Tracing}).
   */
  public Future<Enqueued> enqueue(Function<Request, Future<Response>> send, int shard, String jobId, long userId,
                                  long eventId, int seats, String idempotencyKey, int idempotencyTtlSeconds,
                                  int liveHoldSeconds, long admitByMillis, boolean waitlist, String traceparent) {
    boolean idem = idempotencyKey != null;
    return ENQUEUE.call(send,
        List.of(waiting(shard), seq(shard), taken(shard), stats(shard), jobPrefix(shard) + jobId,
            ShardKeys.idempotency(shard, userId, idempotencyKey), ShardKeys.liveJob(shard, userId, eventId),
            withdrawn(shard), answered(shard)),
        List.of(jobId, Long.toString(userId), Long.toString(eventId), Integer.toString(seats),
            Long.toString(System.currentTimeMillis()), idem ? Integer.toString(idempotencyTtlSeconds) : "0",
            jobPrefix(shard), Integer.toString(liveHoldSeconds), Long.toString(admitByMillis), waitlist ? "1" : "0",
            traceparent == null ? "" : traceparent))
        .map(r -> switch (r.get(0).toInteger()) {
          case 1 -> new Enqueued(r.get(1).toString(), true, false, r.get(2).toLong(), r.get(3).toLong(), false);
          case 2 -> new Enqueued(r.get(1).toString(), false, true, r.get(2).toLong(), r.get(3).toLong(),
              "processing".equals(r.get(4).toString()));
          default -> new Enqueued(r.get(1).toString(), false, false, 0, 0, false);
        });
  }

  /**
   * Withdraws a job just made by {@link #enqueue} whose request a limit refused: out of the waiting list, its
   * record, idempotency entry and live-job mark gone, not counted as enqueued, its place in line given back
   * (withdraw.lua). True when withdrawn; false when a worker had taken it already (it then stands).
   */
  public Future<Boolean> withdraw(int shard, String jobId, long userId, long eventId, String idempotencyKey) {
    return WITHDRAW.call(redis,
            List.of(waiting(shard), stats(shard), jobPrefix(shard) + jobId,
                ShardKeys.idempotency(shard, userId, idempotencyKey), ShardKeys.liveJob(shard, userId, eventId),
                withdrawn(shard)),
            List.of(jobId))
        .map(r -> r.toInteger() == 1);
  }

  /** Lets jobs whose requests passed their limits be taken (confirm.lua); all of one shard, in one call. */
  public Future<Void> confirm(int shard, List<String> jobIds) {
    List<String> args = new ArrayList<>(jobIds.size() + 1);
    args.add(jobPrefix(shard));
    args.addAll(jobIds);
    return CONFIRM.call(redis, List.of(waiting(shard)), args).mapEmpty();
  }

  /** Takes jobs with no owner epoch to guard the take (tests, tools). */
  public Future<List<TakenJob>> take(int shard, int max, long leaseMillis) {
    return take(shard, max, leaseMillis, UNFENCED);
  }

  /** Takes jobs only, answering none on the sold-out fast path (tests, tools). */
  public Future<List<TakenJob>> take(int shard, int max, long leaseMillis, long fence) {
    return take(shard, max, leaseMillis, fence, 0).map(TakenBatch::jobs);
  }

  @Override
  public Future<TakenBatch> take(int shard, int max, long leaseMillis, long fence, int soldOutAnswers) {
    long now = System.currentTimeMillis();
    return TAKE.call(redis,
        List.of(waiting(shard), processing(shard), taken(shard), paused(shard), pausedEvents(shard), owner(shard),
            answered(shard), stats(shard), soldOut(shard), seatEpochs(shard), withdrawn(shard)),
        List.of(jobPrefix(shard), Integer.toString(max), Long.toString(now + leaseMillis), Long.toString(now),
            Long.toString(fence), Integer.toString(soldOutAnswers)))
        .recover(failure -> Future.failedFuture(String.valueOf(failure.getMessage()).startsWith("FENCED")
            ? new ShardFencedException(shard, fence) : failure))
        .map(r -> {
          Response taken = r.get(0);
          Response answered = r.get(1);
          if (taken.size() == 0 && answered.size() == 0) {
            return TakenBatch.EMPTY;
          }
          List<TakenJob> jobs = new ArrayList<>(taken.size());
          for (Response job : taken) {
            jobs.add(new TakenJob(job.get(0).toString(), job.get(1).toLong(), job.get(2).toLong(),
                job.get(3).toInteger(), job.get(4).toInteger(), job.get(5).toLong(), job.get(6).toLong(),
                "1".equals(job.get(7).toString()), job.size() > 8 && job.get(8) != null && !job.get(8).toString().isEmpty()
                    ? job.get(8).toString() : null));
          }
          // Flat: id, event, enqueuedAt, user of each answered job.
          List<TakenBatch.AnsweredSoldOut> soldOut = new ArrayList<>(answered.size() / 4);
          for (int i = 0; i + 3 < answered.size(); i += 4) {
            soldOut.add(new TakenBatch.AnsweredSoldOut(answered.get(i).toString(), answered.get(i + 1).toLong(),
                answered.get(i + 2).toLong(), answered.get(i + 3).toLong()));
          }
          return new TakenBatch(jobs, soldOut);
        });
  }

  /**
   * Writes the records of up to {@code max} jobs the sold-out fast path answered (oldest answers first), with
   * their retention counted from the answer, and gives their places in the users' open-job quota back.
   * Returns how many answers it handled: 0 once none is left.
   */
  @Override
  public Future<Integer> writeAnsweredRecords(int shard, int max, int resultTtlSeconds) {
    return ANSWERED.call(redis, List.of(answered(shard), finished(shard)),
            List.of(jobPrefix(shard), Long.toString(System.currentTimeMillis()), Integer.toString(resultTtlSeconds),
                Integer.toString(max)))
        .compose(r -> {
          Response released = r.get(1);
          List<String[]> pairs = new ArrayList<>(released.size() / 2);
          for (int i = 0; i + 1 < released.size(); i += 2) {
            pairs.add(new String[] {released.get(i).toString(), released.get(i + 1).toString()});
          }
          return releaseOpenJobs(pairs).map(r.get(0).toInteger());
        });
  }

  @Override
  public Future<Boolean> markSoldOut(int shard, long eventId, long seatEpoch, Instant startsAt) {
    return SOLD_OUT.call(redis, List.of(soldOut(shard), seatEpochs(shard)),
            List.of(Long.toString(eventId), Long.toString(seatEpoch), Long.toString(startsAt.toEpochMilli())))
        .map(r -> r.toInteger() == 1);
  }

  /**
   * Voids the event's sold-out mark: its seat epoch moves on, so a mark written under an older one no longer
   * counts (take.lua), and neither does one a worker is about to write (sold_out.lua). One command, atomic.
   */
  public Future<Void> seatsMayHaveReturned(int shard, long eventId) {
    return redis.send(Request.cmd(Command.HINCRBY).arg(seatEpochs(shard)).arg(eventId).arg(1)).mapEmpty();
  }

  @Override
  public Future<Void> renew(int shard, List<String> jobIds, long leaseMillis) {
    return setLeaseDeadlines(shard, jobIds, Long.toString(System.currentTimeMillis() + leaseMillis));
  }

  @Override
  public Future<Void> releaseLeases(int shard, List<String> jobIds) {
    return setLeaseDeadlines(shard, jobIds, "0");
  }

  /** Moves the lease deadlines of jobs still in process (XX: never of jobs the reaper has already handed back). */
  private Future<Void> setLeaseDeadlines(int shard, List<String> jobIds, String deadline) {
    if (jobIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Request request = Request.cmd(Command.ZADD).arg(processing(shard)).arg("XX");
    jobIds.forEach(id -> request.arg(deadline).arg(id));
    return redis.send(request).mapEmpty();
  }

  /** Writes all outcomes of a batch in one script call. */
  @Override
  public Future<Integer> ack(int shard, List<JobOutcome> outcomes, int resultTtlSeconds) {
    if (outcomes.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<String> args = new ArrayList<>(4 + outcomes.size() * 5);
    args.add(jobPrefix(shard));
    args.add(Long.toString(System.currentTimeMillis()));
    args.add(Integer.toString(resultTtlSeconds));
    for (JobOutcome o : outcomes) {
      args.add(o.jobId());
      args.add(o.status());
      args.add(o.result() != null ? o.result().encode() : "");
      args.add(o.completed() ? "" : o.reason().name());
      args.add(Integer.toString(o.retries()));
    }
    return ACK.call(redis, List.of(processing(shard), stats(shard), finished(shard)), args)
        .compose(released -> {
          List<String[]> pairs = new ArrayList<>(released.size() / 2);
          for (int i = 0; i + 1 < released.size(); i += 2) {
            pairs.add(new String[] {released.get(i).toString(), released.get(i + 1).toString()});
          }
          return releaseOpenJobs(pairs).map(pairs.size());
        });
  }

  /**
   * Gives finished jobs' places in their users' open-job quota back ({user, event} pairs, as job_finish.lua
   * collects them for ack.lua and the sold-out fast path of take.lua). The quota lives in each user's slot,
   * so this is a second call after the script; a release lost in between costs the user that place until it
   * expires (see {@code RateLimiter}), never a job.
   */
  private Future<Void> releaseOpenJobs(List<String[]> released) {
    if (released.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Request> releases = new ArrayList<>(released.size());
    for (String[] pair : released) {
      releases.add(Request.cmd(Command.ZREM).arg(LimitKeys.openJobs(Long.parseLong(pair[0]))).arg(pair[1]));
    }
    return redis.batch(releases).<Void>mapEmpty().recover(e -> {
      LOG.warn("Could not release open-job places of {} decided jobs: {}", releases.size(), e.toString());
      return Future.succeededFuture();
    });
  }

  /** Hands up to {@code limit} jobs whose lease ran out back to the front of the shard's FIFO; returns how many. */
  public Future<Integer> reap(int shard, int limit) {
    return REAP.call(redis, List.of(processing(shard), waiting(shard), stats(shard)),
        List.of(jobPrefix(shard), Long.toString(System.currentTimeMillis()), Integer.toString(limit)))
        .map(Response::toInteger);
  }

  /** The job's record (empty when unknown or expired) and the shard's taken sequence. */
  public record JobRecord(JsonObject fields, long taken) {

    /** The job's place in line (seq - taken, at least 1) while queued; 0 once taken. */
    long position() {
      if (!"queued".equals(fields.getString("status"))) {
        return 0;
      }
      return QueueHead.place(Long.parseLong(fields.getString("seq", "0")), taken);
    }

    /** The job as its status is shown; null when there is no record. */
    JobStatus toStatus(String jobId) {
      if (fields.isEmpty()) {
        return null;
      }
      String status = fields.getString("status");
      String result = fields.getString("result");
      String error = fields.getString("error");
      String finishedAt = fields.getString("finishedAt");
      return new JobStatus(jobId, status,
          Long.parseLong(fields.getString("user")),
          Long.parseLong(fields.getString("event")),
          Integer.parseInt(fields.getString("seats")),
          Integer.parseInt(fields.getString("attempts", "0")),
          Long.parseLong(fields.getString("enqueuedAt", "0")),
          "queued".equals(status) ? position() : null,
          !"failed".equals(status) && result != null && !result.isEmpty() ? new JsonObject(result) : null,
          !"completed".equals(status) && error != null && !error.isEmpty() ? FailureReason.valueOf(error) : null,
          finishedAt == null ? null : Long.parseLong(finishedAt),
          Long.parseLong(fields.getString("seq", "0")));
    }
  }

  /**
   * The head of the shard's line in one call (head.lua): its taken sequence and up to {@code maxWithdrawn}
   * withdrawn jobs still ahead. Past that many, places further back read a little high until the take passes them.
   */
  public Future<QueueHead> head(int shard, int maxWithdrawn) {
    return HEAD.call(redis, List.of(taken(shard), withdrawn(shard)), List.of(Integer.toString(maxWithdrawn)))
        .map(r -> {
          Response seqs = r.get(1);
          long[] withdrawnAhead = new long[seqs.size()];
          for (int i = 0; i < withdrawnAhead.length; i++) {
            withdrawnAhead[i] = (long) Double.parseDouble(seqs.get(i).toString());
          }
          return new QueueHead(Long.parseLong(r.get(0).toString()), withdrawnAhead);
        });
  }

  /**
   * The job's record as it is final: a job the sold-out fast path answered whose record is not written yet
   * (take.lua, answered.lua) reads as the record answered.lua will write.
   */
  public Future<JobRecord> status(String jobId) {
    int shard = Sharding.shardOfJob(jobId);
    return STATUS.call(redis, List.of(jobPrefix(shard) + jobId, taken(shard), withdrawn(shard), answered(shard)),
        List.of(jobId))
        .map(r -> {
          JsonObject fields = new JsonObject();
          Response hash = r.get(0);
          // Lua hands HGETALL back as a flat field, value, field, value... array.
          for (int i = 0; i + 1 < hash.size(); i += 2) {
            fields.put(hash.get(i).toString(), hash.get(i + 1).toString());
          }
          String answeredAt = r.get(2).toString();
          if (!answeredAt.isEmpty() && "queued".equals(fields.getString("status"))) {
            fields.put("status", "failed").put("result", "").put("error", FailureReason.SOLD_OUT.name())
                .put("attempts", "1").put("finishedAt", Long.toString((long) Double.parseDouble(answeredAt)));
          }
          return new JobRecord(fields, Long.parseLong(r.get(1).toString()));
        });
  }

  /** Waiting, processing, paused flags and counters of one shard. */
  Future<ShardStats> shardStats(int shard) {
    return redis.batch(List.of(
            Request.cmd(Command.LLEN).arg(waiting(shard)),
            Request.cmd(Command.ZCARD).arg(processing(shard)),
            Request.cmd(Command.HMGET).arg(stats(shard)).arg("enqueued").arg("completed").arg("failed")
                .arg("retried").arg("recovered").arg("soldOutFast"),
            Request.cmd(Command.EXISTS).arg(paused(shard)),
            Request.cmd(Command.SMEMBERS).arg(pausedEvents(shard)),
            reasonCounters(shard)))
        .map(r -> {
          Response counters = r.get(2);
          List<Long> pausedEvents = new ArrayList<>();
          r.get(4).forEach(e -> pausedEvents.add(Long.parseLong(e.toString())));
          List<Long> byReason = new ArrayList<>(ShardStats.REASONS.size());
          for (int i = 0; i < ShardStats.REASONS.size(); i++) {
            byReason.add(counter(r.get(5), i));
          }
          return new ShardStats(shard, r.get(0).toLong(), r.get(1).toLong(), counter(counters, 0),
              counter(counters, 1), counter(counters, 2), counter(counters, 3), counter(counters, 4),
              counter(counters, 5), r.get(3).toInteger() == 1, pausedEvents, byReason);
        });
  }

  private static Request reasonCounters(int shard) {
    Request read = Request.cmd(Command.HMGET).arg(stats(shard));
    ShardStats.REASONS.forEach(reason -> read.arg(ShardStats.reasonField(reason)));
    return read;
  }

  /** The number at {@code index} of an HMGET answer; 0 for a field not set yet. */
  static long counter(Response values, int index) {
    Response value = values.get(index);
    return value == null ? 0 : value.toLong();
  }

  Future<ShardDetails> details(int shard, int offset, int limit) {
    return DETAILS.call(redis, List.of(waiting(shard), processing(shard)),
            List.of(jobPrefix(shard), Integer.toString(offset), Integer.toString(limit)))
        .map(r -> new ShardDetails(shard, queuedJobs(r.get(0)), queuedJobs(r.get(1))));
  }

  /** Parses details.lua's entries: id, event, user, seats, enqueuedAt, attempts, status, startedAt, deadline. */
  private static List<ShardDetails.QueuedJob> queuedJobs(Response jobs) {
    List<ShardDetails.QueuedJob> out = new ArrayList<>(jobs.size());
    for (Response job : jobs) {
      String deadline = job.get(8).toString();
      out.add(new ShardDetails.QueuedJob(job.get(0).toString(), parseLong(job.get(1).toString()),
          parseLong(job.get(2).toString()), parseLong(job.get(3).toString()), parseLong(job.get(4).toString()),
          parseLong(job.get(5).toString()), job.get(6).toString(),
          deadline.isEmpty() ? null : (long) Double.parseDouble(deadline)));
    }
    return out;
  }

  private static long parseLong(String s) {
    return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
  }

  Future<Void> setPaused(int shards, boolean paused) {
    List<Request> requests = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      requests.add(paused ? Request.cmd(Command.SET).arg(paused(s)).arg("1") : Request.cmd(Command.DEL).arg(paused(s)));
    }
    return redis.batch(requests).mapEmpty();
  }

  Future<Void> setEventPaused(int shard, long eventId, boolean paused) {
    return redis.send(Request.cmd(paused ? Command.SADD : Command.SREM).arg(pausedEvents(shard)).arg(eventId)).mapEmpty();
  }

  /** One call of clean.lua: records dropped, and index entries looked at (the limit when more may be left). */
  record CleanRound(long dropped, long scanned) {
  }

  /** Drops up to {@code limit} finished job records older than {@code cutoffMillis}. */
  Future<CleanRound> clean(int shard, long cutoffMillis, int limit) {
    return CLEAN.call(redis, List.of(finished(shard)),
            List.of(jobPrefix(shard), Long.toString(cutoffMillis), Integer.toString(limit)))
        .map(r -> new CleanRound(r.get(0).toLong(), r.get(1).toLong()));
  }

  /**
   * The ids of a user's live jobs (waiting or in process), found without an index of their own: the events the
   * user holds an open-job place in (the booking limits' quota set, in the user's slot), then the live-job mark
   * of each (in the event's shard). Empty when the booking limits are off (there is no quota set then).
   */
  Future<List<String>> liveJobs(long userId, int shards) {
    return redis.send(Request.cmd(Command.ZRANGE).arg(LimitKeys.openJobs(userId)).arg(0).arg(-1))
        .compose(events -> {
          List<Future<Response>> marks = new ArrayList<>();
          for (Response event : events) {
            long eventId = Long.parseLong(event.toString());
            marks.add(redis.send(Request.cmd(Command.GET).arg(ShardKeys.liveJob(Sharding.shardOf(eventId, shards), userId, eventId))));
          }
          return Future.all(marks).map(all -> marks.stream().map(Future::result).filter(r -> r != null)
              .map(Response::toString).toList());
        });
  }

  /** The ids of the shard's jobs that failed INTERNAL, newest first, at most {@code limit}. */
  Future<List<String>> internalJobs(int shard, int limit) {
    return redis.send(Request.cmd(Command.ZREVRANGE).arg(internal(shard)).arg(0).arg(limit - 1)).map(ShardQueue::ids);
  }

  private static List<String> ids(Response list) {
    List<String> ids = new ArrayList<>(list.size());
    list.forEach(id -> ids.add(id.toString()));
    return ids;
  }

  /** How an operator's retry went (retry.lua). */
  enum Retry { RETRIED, NO_SUCH_JOB, NOT_INTERNAL }

  /** Puts a job that failed INTERNAL back at the front of its shard's line (retry.lua). */
  Future<Retry> retry(String jobId) {
    int shard = Sharding.shardOfJob(jobId);
    return RETRY.call(redis, List.of(jobPrefix(shard) + jobId, waiting(shard), finished(shard), internal(shard), stats(shard)),
            List.of(jobId))
        .map(r -> switch (r.get(0).toInteger()) {
          case 1 -> Retry.RETRIED;
          case 0 -> Retry.NO_SUCH_JOB;
          default -> Retry.NOT_INTERNAL;
        });
  }

  /** Jobs the sold-out fast path answered whose records answered.lua has not written yet. */
  public Future<Long> answersAwaitingRecords(int shard) {
    return redis.send(Request.cmd(Command.ZCARD).arg(answered(shard))).map(Response::toLong);
  }

  /** Total decided (completed + failed + waitlisted) of a shard: the basis of the measured processing rate. */
  Future<Long> decided(int shard) {
    return redis.send(Request.cmd(Command.HMGET).arg(stats(shard)).arg("completed").arg("failed").arg("waitlisted"))
        .map(r -> counter(r, 0) + counter(r, 1) + counter(r, 2));
  }
}
