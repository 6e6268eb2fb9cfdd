package io.aurora.booking.queue;

/**
 * The queue's key layout in Redis. Every key of a shard carries the shard's hash tag {@code {sN}}, so every
 * script touches one slot and the queue runs unchanged on Redis Cluster.
 *
 * <pre>
 *   {sN}:waiting      LIST  job ids, head first
 *   {sN}:processing   ZSET  job id -> lease deadline (ms)
 *   {sN}:job:ID       HASH  user, event, seats, status, seq, enqueuedAt, attempts, startedAt, result, error, finishedAt
 *   {sN}:seq          next enqueue sequence; {sN}:taken highest sequence taken (position = seq - taken)
 *   {sN}:stats        HASH  enqueued, completed, failed, retried, recovered, soldOutFast, and reason:R per failure
 *                     reason R of finished jobs (SOLD_OUT, WAITLISTED, INTERNAL...: job_finish.lua, take.lua)
 *   {sN}:finished     ZSET  job id -> finish time, for clean
 *   {sN}:internal     ZSET  job id -> finish time of the jobs that failed INTERNAL (the operators' retry list)
 *   {sN}:paused       flag; {sN}:paused_events SET of paused event ids
 *   {sN}:idem:U:K     idempotency key K of user U -> job id
 *   {sN}:live:U:E     the job of user U for event E while it waits or is in process (enqueue.lua, ack.lua)
 *   {sN}:sold_out     HASH  event id -> "seatEpoch:startsAtMillis": events the worker saw sell out
 *   {sN}:seat_epochs  HASH  event id -> how many times seats may have come back (voids older sold-out marks)
 *   {sN}:answered     ZSET  job id -> answer time (ms): answered SOLD_OUT by the fast path, record not written yet
 *   {sN}:withdrawn    ZSET  seq -> job id of jobs withdrawn after a limit refused their request (withdraw.lua),
 *                     until the taken sequence passes them: a place in line counts only the jobs really ahead
 *   {sN}:owner        HASH  epoch (fencing token), node (member id), name (node name), since, seen: the shard's owner
 *   {sN}:replicated   the latest repeated request's job, written only so that its WAIT covers the job
 *                     (redisMinReplicas; QueueVerticle), expiring after a minute
 * </pre>
 */
final class ShardKeys {

  private ShardKeys() {
  }

  private static String tag(int shard) {
    return "{s" + shard + "}:";
  }

  static String waiting(int shard) { return tag(shard) + "waiting"; }
  static String processing(int shard) { return tag(shard) + "processing"; }
  /** The prefix of the shard's job hashes; a job's hash is the prefix and its id. */
  static String jobPrefix(int shard) { return tag(shard) + "job:"; }
  static String seq(int shard) { return tag(shard) + "seq"; }
  static String taken(int shard) { return tag(shard) + "taken"; }
  static String stats(int shard) { return tag(shard) + "stats"; }
  static String finished(int shard) { return tag(shard) + "finished"; }
  static String internal(int shard) { return tag(shard) + "internal"; }
  static String paused(int shard) { return tag(shard) + "paused"; }
  static String pausedEvents(int shard) { return tag(shard) + "paused_events"; }
  static String owner(int shard) { return tag(shard) + "owner"; }
  static String soldOut(int shard) { return tag(shard) + "sold_out"; }
  static String seatEpochs(int shard) { return tag(shard) + "seat_epochs"; }
  static String answered(int shard) { return tag(shard) + "answered"; }
  static String withdrawn(int shard) { return tag(shard) + "withdrawn"; }
  static String replicationMark(int shard) { return tag(shard) + "replicated"; }

  static String liveJobPrefix(int shard) { return tag(shard) + "live:"; }
  /** The live job of a user for an event; the event's shard is {@code shard}. */
  static String liveJob(int shard, long userId, long eventId) { return liveJobPrefix(shard) + userId + ":" + eventId; }

  /** The job id a user's idempotency key maps to; with no key, a key no enqueue keeps (see enqueue.lua). */
  static String idempotency(int shard, long userId, String idempotencyKey) {
    return tag(shard) + "idem:" + userId + ":" + (idempotencyKey == null ? "" : idempotencyKey);
  }
}
