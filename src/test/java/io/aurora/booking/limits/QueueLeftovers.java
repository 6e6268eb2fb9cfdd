package io.aurora.booking.limits;

import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TestApp;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

import static io.aurora.booking.testing.TestApp.await;

/**
 * What a booking request left in the queue's Redis state, read from Redis itself (the key layout of
 * queue.ShardKeys): job records of a user for an event, the live-job mark, the withdrawn places in line.
 */
final class QueueLeftovers {

  private QueueLeftovers() {
  }

  /** Ids of the job records in Redis of this user for this event (whatever their status). */
  static List<String> jobsOf(TestApp app, long userId, long eventId) {
    int shard = Sharding.shardOf(eventId, app.config.shards());
    List<String> jobs = new ArrayList<>();
    for (Response key : await(app.redis.send(Request.cmd(Command.KEYS).arg("{s" + shard + "}:job:*")))) {
      Response f = await(app.redis.send(Request.cmd(Command.HMGET).arg(key.toString()).arg("user").arg("event")));
      if (f.get(0) != null && f.get(0).toLong() == userId && f.get(1).toLong() == eventId) {
        jobs.add(key.toString().substring(key.toString().indexOf(":job:") + 5));
      }
    }
    return jobs;
  }

  static boolean liveMarkExists(TestApp app, long userId, long eventId) {
    int shard = Sharding.shardOf(eventId, app.config.shards());
    return await(app.redis.send(Request.cmd(Command.EXISTS).arg("{s" + shard + "}:live:" + userId + ":" + eventId))).toInteger() == 1;
  }

  static boolean holdsOpenJobPlace(TestApp app, long userId, long eventId) {
    return await(app.redis.send(Request.cmd(Command.ZSCORE).arg(LimitKeys.openJobs(userId)).arg(eventId))) != null;
  }

  /** Places in line given back by withdrawn jobs that the shard's taken sequence has not passed yet. */
  static long withdrawnPlaces(TestApp app, long eventId) {
    int shard = Sharding.shardOf(eventId, app.config.shards());
    return await(app.redis.send(Request.cmd(Command.ZCARD).arg("{s" + shard + "}:withdrawn"))).toLong();
  }

  /** Jobs counted as enqueued on the event's shard. */
  static long enqueued(TestApp app, long eventId) {
    int shard = Sharding.shardOf(eventId, app.config.shards());
    Response n = await(app.redis.send(Request.cmd(Command.HGET).arg("{s" + shard + "}:stats").arg("enqueued")));
    return n == null ? 0 : n.toLong();
  }
}
