package io.aurora.booking.queue;

import io.aurora.booking.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

import static io.aurora.booking.queue.ShardKeys.owner;
import static io.aurora.booking.queue.ShardKeys.processing;
import static io.aurora.booking.queue.ShardKeys.waiting;

/**
 * Who owns each shard, recorded in Redis next to the shard's queue ({@code {sN}:owner}): the fencing epoch
 * that every take is checked against, the owner's cluster member id and node name, and when it last showed
 * it was alive. A claim raises the epoch, so an earlier owner's takes are refused from then on.
 */
public final class OwnerRecords {

  private static final LuaScript CLAIM = LuaScript.load("claim");
  private static final LuaScript RELEASE = LuaScript.load("release");
  private static final LuaScript TOUCH = LuaScript.load("touch");

  private final Redis redis;
  private final ShardQueue queue;

  public OwnerRecords(Redis redis) {
    this.redis = redis;
    this.queue = new ShardQueue(redis);
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
   * A shard's owner record and its depth. {@code memberId}, {@code nodeName}, {@code since} and {@code seen}
   * are null while nobody owns the shard (never claimed, or handed over).
   */
  public record Owner(int shard, long epoch, String memberId, String nodeName, Long since, Long seen,
                      long waiting, long processing) {

    /** The shard's entry of {@code GET /api/admin/cluster} (before what the cluster adds to it). */
    public JsonObject toJson() {
      return new JsonObject()
          .put("shard", shard)
          .put("epoch", epoch)
          .put("owner", memberId)
          .put("ownerName", nodeName)
          .put("ownedSince", since)
          .put("ownerSeen", seen)
          .put("waiting", waiting)
          .put("processing", processing);
    }
  }

  /**
   * Makes {@code memberId} the owner of the shard under a new fencing epoch: takes by earlier owners fail
   * from now on, and the jobs they still had in hand return to the front of the FIFO at once. Refused
   * while another owner has {@linkplain #touch shown it is alive} within {@code ownerSilenceMillis}.
   */
  public Future<Claim> claim(int shard, String memberId, String nodeName, long ownerSilenceMillis) {
    return CLAIM.call(redis, List.of(owner(shard), processing(shard)),
            List.of(memberId, nodeName, Long.toString(ownerSilenceMillis)))
        .compose(r -> {
          if (r.size() > 2 || r.get(1).toLong() == 0) {
            return Future.succeededFuture(new Claim(r.get(0).toLong(), 0, r.size() > 2 ? r.get(2).toString() : null));
          }
          // The claim ended the earlier owner's leases; the reaper's own script hands the jobs back now.
          long epoch = r.get(0).toLong();
          return queue.reap(shard, Integer.MAX_VALUE).map(handedBack -> new Claim(epoch, handedBack, null));
        });
  }

  /**
   * The owner of {@code epoch} is alive; false when the shard has been claimed since (fenced off). A record
   * found behind {@code epoch} (lost in a Redis failover) is restored to this owner (touch.lua).
   */
  public Future<Boolean> touch(int shard, long epoch, String memberId, String nodeName) {
    return TOUCH.call(redis, List.of(owner(shard)), List.of(Long.toString(epoch), memberId, nodeName)).map(r -> r.toInteger() == 1);
  }

  /** Forgets who owns the shard if it is still the owner of {@code epoch} (a graceful hand-over). */
  public Future<Boolean> releaseOwnership(int shard, long epoch) {
    return RELEASE.call(redis, List.of(owner(shard)), List.of(Long.toString(epoch))).map(r -> r.toInteger() == 1);
  }

  /** The shard's owner record and its depth, read in one round trip. */
  public Future<Owner> read(int shard) {
    return redis.batch(List.of(
            Request.cmd(Command.HMGET).arg(owner(shard)).arg("epoch").arg("node").arg("name").arg("since").arg("seen"),
            Request.cmd(Command.LLEN).arg(waiting(shard)),
            Request.cmd(Command.ZCARD).arg(processing(shard))))
        .map(r -> {
          Response owner = r.get(0);
          return new Owner(shard, ShardQueue.counter(owner, 0), text(owner, 1), text(owner, 2),
              text(owner, 3) == null ? null : ShardQueue.counter(owner, 3),
              text(owner, 4) == null ? null : ShardQueue.counter(owner, 4),
              r.get(1).toLong(), r.get(2).toLong());
        });
  }

  private static String text(Response values, int index) {
    Response value = values.get(index);
    return value == null ? null : value.toString();
  }
}
