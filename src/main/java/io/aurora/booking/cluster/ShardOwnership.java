package io.aurora.booking.cluster;

import io.aurora.booking.bookings.BookingWorker;
import io.aurora.booking.bookings.WorkerMeters;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.NodeLeaving;
import io.aurora.booking.bus.Messages.ShardFenced;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.cluster.ClusterMembers.Member;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.notifications.NotificationDispatcher;
import io.aurora.booking.infra.Clients;
import io.aurora.booking.queue.OwnerRecords;
import io.aurora.booking.queue.ShardQueue;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Runs the {@link BookingWorker}s of the shards this node owns, so that each shard has one active worker
 * in the whole cluster.
 *
 * <p>Every node computes the same assignment from the member list ({@link ShardAssignment}) and, four
 * times a second, brings its workers in line with it. Taking a shard is three steps: the cluster-wide lock
 * {@code aurora.shard.N} (Hazelcast frees it when its holder dies), a claim in Redis that raises the
 * shard's fencing epoch (the previous owner's takes are refused from then on, and the jobs it had in hand
 * go back to the front of the queue at once), then the worker. Giving a shard up is the reverse: the
 * worker finishes and acknowledges the batch in hand, the claim is dropped, the lock released; the next
 * owner then finds nothing to redeliver.
 *
 * <p>Without a cluster manager this node is the only member and owns every shard, by the same steps. It
 * also answers {@link Addresses#CLUSTER_STATUS}, through a {@link ClusterReport} of the members it sees.
 */
public final class ShardOwnership extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ShardOwnership.class);
  private static final long TICK_MILLIS = 250;
  /** How long one attempt waits for a shard lock: long enough for a graceful hand-over to finish. */
  private static final long LOCK_WAIT_MILLIS = 1_000;
  /** A released lock is let go of asynchronously; do not race our own release for the same shard. */
  private static final long REACQUIRE_AFTER_MILLIS = 1_000;
  /** Longest wait between attempts at a shard whose claim keeps failing (Redis down). */
  private static final long MAX_RETRY_MILLIS = 5_000;
  /**
   * An owner shows it is alive in Redis every tick; one silent for this long may be replaced. Below that,
   * a claim is refused: a node cut off from the others (or frozen, then woken alone) cannot take shards
   * from owners that are still working them, however its own member list looks.
   */
  static final long OWNER_SILENCE_MILLIS = 2_000;

  private enum State { IDLE, ACQUIRING, OWNED, RELEASING }

  /** This node's hold on one shard. */
  private static final class Slot {
    State state = State.IDLE;
    Lock lock;
    long epoch;
    String deploymentId;
    /** The shard's notification dispatcher (partition N goes with shard N). */
    String dispatcherId;
    /** No attempt at this shard before then (just released, or failing). */
    long notBefore;
    /** Failed take-overs in a row (not counting lock waits that timed out, nor refusals). */
    int failures;
    /** Claims refused in a row because the owner was still alive. */
    int refusals;
    /** Fenced off by a newer owner: leave the shard alone until the membership changes. */
    boolean fencedOff;
    /** The latest taking-over or handing-over of this shard (complete when none is under way). */
    Future<Void> transition = Future.succeededFuture();
  }

  private final ClusterManager clusterManager;
  private AppConfig config;
  private Redis redis;
  private Pool workerPool;
  private OwnerRecords owners;
  private ClusterMembers members;
  private ClusterReport report;
  private Slot[] slots;
  private List<String> eligible = List.of();
  private List<String> assignment = List.of();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long ticker = -1;
  private boolean refreshing;
  private boolean stopping;

  private final WorkerMeters metrics;

  /**
   * @param clusterManager the cluster this node joined, or null when it runs alone
   * @param metrics        the meters the workers of this node record into
   */
  public ShardOwnership(ClusterManager clusterManager, WorkerMeters metrics) {
    this.clusterManager = clusterManager;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    config = new AppConfig(config());
    redis = Clients.redis(vertx, config, "booking-ownership");
    // The workers' shared pool, opened here first: Vert.x closes a shared pool for every user when the
    // verticle that created it goes, and workers come and go with the shards while this verticle stays.
    workerPool = Clients.pgPool(vertx, config, BookingWorker.POOL_NAME);
    owners = new OwnerRecords(redis);
    slots = new Slot[config.shards()];
    for (int s = 0; s < slots.length; s++) {
      slots[s] = new Slot();
    }
    // The default node name (pid@hostname) may wait on DNS the first time it is asked for.
    return vertx.executeBlocking(config::nodeName)
        .compose(nodeName -> {
          String memberId = clusterManager == null ? UUID.randomUUID().toString() : clusterManager.getNodeId();
          members = new ClusterMembers(clusterManager, new Member(memberId, nodeName, config.localWorkers(), config.shards()));
          report = new ClusterReport(members, owners, config.clusterName(), slots.length);
          consumers.add(vertx.eventBus().localConsumer(Addresses.CLUSTER_STATUS, msg -> Requests.reply(msg, report.status())));
          consumers.add(vertx.eventBus().<ShardFenced>localConsumer(Addresses.SHARD_FENCED, msg -> fencedOff(msg.body())));
          consumers.add(vertx.eventBus().<NodeLeaving>consumer(Addresses.NODE_LEAVING, msg -> {
            members.leaving(msg.body().memberId());
            tick();
          }));
          return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
        })
        // The first round is waited for, so a node alone (and every test app) starts with its workers running.
        .compose(v -> reconcile())
        .compose(actions -> Future.join(actions).otherwiseEmpty())
        .onComplete(ar -> ticker = vertx.setPeriodic(TICK_MILLIS, id -> tick()));
  }

  /**
   * Hands every owned shard over: each worker is undeployed first (it finishes and acknowledges the batch
   * in hand), then its claim is dropped and its lock released, so the survivors take over without a single
   * redelivery. Only then does the workers' pool close.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(ticker);
    if (members != null && members.clustered()) {
      // The others start asking for our shard locks now, and get each one the moment we let it go.
      vertx.eventBus().publish(Addresses.NODE_LEAVING, new NodeLeaving(members.self().memberId()));
    }
    // Let take-overs and hand-overs under way finish first (a take-over that finishes now lets go at once).
    return Future.join(Arrays.stream(slots).map(slot -> slot.transition).toList())
        .transform(ar -> {
          List<Future<Void>> handOvers = new ArrayList<>();
          for (int s = 0; s < slots.length; s++) {
            if (slots[s].state == State.OWNED) {
              handOvers.add(handOver(s, "this node is stopping"));
            }
          }
          return Future.join(handOvers);
        })
        .eventually(() -> Future.join(consumers.stream().map(MessageConsumer::unregister).toList()))
        .eventually(() -> redis.close().recover(e -> Future.succeededFuture()))
        .eventually(() -> workerPool.close().recover(e -> Future.succeededFuture()));
  }

  private void tick() {
    if (stopping || refreshing) {
      return;
    }
    refreshing = true;
    touchOwned();
    // Only the member lookup is waited for: take-overs and hand-overs run on, each shard on its own.
    reconcile().onComplete(ar -> refreshing = false);
  }

  /** Shows Redis that we are alive for each shard we own, and learns of any claimed from under us. */
  private void touchOwned() {
    for (int s = 0; s < slots.length; s++) {
      Slot slot = slots[s];
      if (slot.state == State.OWNED) {
        int shard = s;
        long epoch = slot.epoch;
        owners.touch(shard, epoch, members.self().memberId(), members.self().nodeName()).onSuccess(stillOurs -> {
          if (!stillOurs) {
            fencedOff(new ShardFenced(shard, epoch));
          }
        });
      }
    }
  }

  /**
   * Brings this node's workers in line with the assignment of the current members; the future completes
   * when the members are known and the take-overs and hand-overs due have been started.
   */
  private Future<List<Future<Void>>> reconcile() {
    return members.current().map(view -> {
      List<String> workers = view.stream().filter(Member::workers).map(Member::memberId).toList();
      if (!workers.equals(eligible)) {
        eligible = workers;
        assignment = ShardAssignment.assign(eligible, slots.length);
        for (Slot slot : slots) {
          slot.fencedOff = false;
          slot.failures = 0;
        }
        LOG.info("Members: {}; this node ({}) is assigned shards {}",
            view.stream().map(m -> m.nodeName() + (m.workers() ? "" : " (no workers)")).toList(),
            members.self().nodeName(), ShardAssignment.shardsOf(assignment, members.self().memberId()));
      }
      List<Future<Void>> actions = new ArrayList<>();
      long now = System.currentTimeMillis();
      for (int s = 0; s < slots.length; s++) {
        Slot slot = slots[s];
        boolean mine = assignedHere(s);
        if (mine && slot.state == State.IDLE && !slot.fencedOff && now >= slot.notBefore) {
          actions.add(takeOver(s));
        } else if (!mine && slot.state == State.OWNED) {
          actions.add(handOver(s, "reassigned to another node"));
        }
      }
      return actions;
    });
  }

  private boolean assignedHere(int shard) {
    return !stopping && members.self().workers() && shard < assignment.size()
        && members.self().memberId().equals(assignment.get(shard));
  }

  private Future<Void> takeOver(int shard) {
    Slot slot = slots[shard];
    slot.state = State.ACQUIRING;
    slot.transition = vertx.sharedData().getLockWithTimeout(lockName(shard), LOCK_WAIT_MILLIS)
        .compose(lock -> {
          slot.lock = lock;
          if (!assignedHere(shard)) {
            return Future.failedFuture("no longer assigned here");
          }
          return owners.claim(shard, members.self().memberId(), members.self().nodeName(), OWNER_SILENCE_MILLIS);
        })
        .compose(claim -> {
          if (!claim.granted()) {
            return Future.failedFuture(new OwnerStillAlive(claim.heldBy()));
          }
          slot.epoch = claim.epoch();
          if (stopping) {
            return Future.failedFuture("this node is stopping");
          }
          if (claim.handedBack() > 0) {
            LOG.warn("Shard {}: {} jobs the previous owner had in hand are back at the front of the queue",
                shard, claim.handedBack());
          }
          return vertx.deployVerticle(new BookingWorker(shard, claim.epoch(), metrics, ShardQueue::new), new DeploymentOptions().setConfig(config.toJson()))
              // The owner of shard N also delivers the notifications of partition N (its start cannot fail).
              .compose(workerId -> vertx.deployVerticle(new NotificationDispatcher(shard), new DeploymentOptions().setConfig(config.toJson()))
                  .map(dispatcherId -> {
                    slot.dispatcherId = dispatcherId;
                    return workerId;
                  }));
        })
        .onSuccess(deploymentId -> {
          slot.deploymentId = deploymentId;
          slot.state = State.OWNED;
          slot.failures = 0;
          slot.refusals = 0;
          LOG.info("Shard {}: owned by this node ({}), epoch {}", shard, members.self().nodeName(), slot.epoch);
        })
        .recover(failure -> {
          // No lock (it timed out) is the normal case while the previous owner hands over: try again next tick.
          if (slot.lock == null) {
            slot.state = State.IDLE;
            return Future.succeededFuture();
          }
          boolean ours = assignedHere(shard);
          long retryIn;
          if (failure instanceof OwnerStillAlive alive) {
            // The owner was declared dead (or we are cut off from it) but still works the shard: ask again
            // each tick; the claim goes through once it has been silent for OWNER_SILENCE_MILLIS.
            retryIn = TICK_MILLIS;
            if (ours && ++slot.refusals % 40 == 1) {
              LOG.info("Shard {}: its owner {} was alive less than {} ms ago; waiting for it to fall silent",
                  shard, alive.owner, OWNER_SILENCE_MILLIS);
            }
          } else {
            retryIn = Math.min(MAX_RETRY_MILLIS, TICK_MILLIS << Math.min(slot.failures + 1, 5));
            if (ours && ++slot.failures % 20 == 1) {
              LOG.warn("Shard {}: could not take over ({}); trying again ({} failures in a row)", shard,
                  failure.getMessage(), slot.failures);
            }
          }
          Future<Boolean> dropClaim = slot.epoch > 0 ? owners.releaseOwnership(shard, slot.epoch) : Future.succeededFuture(false);
          return dropClaim.transform(ar -> {
            letGo(slot);
            if (ours) {
              slot.notBefore = System.currentTimeMillis() + retryIn;
            }
            return Future.succeededFuture();
          });
        })
        .mapEmpty();
    return slot.transition;
  }

  /** Undeploys the worker (it finishes and acknowledges its batch), drops the claim, releases the lock. */
  private Future<Void> handOver(int shard, String why) {
    Slot slot = slots[shard];
    slot.state = State.RELEASING;
    LOG.info("Shard {}: handing over ({})", shard, why);
    Future<Void> dispatcherGone = slot.dispatcherId == null ? Future.succeededFuture()
        : vertx.undeploy(slot.dispatcherId).recover(e -> Future.succeededFuture());
    Future<Void> workerGone = slot.deploymentId == null ? Future.succeededFuture()
        : vertx.undeploy(slot.deploymentId).recover(e -> Future.succeededFuture());
    Future<Void> undeployed = Future.join(dispatcherGone, workerGone).mapEmpty();
    slot.transition = undeployed
        .compose(v -> owners.releaseOwnership(shard, slot.epoch).recover(e -> Future.succeededFuture(false)))
        .<Void>mapEmpty()
        .eventually(() -> {
          letGo(slot);
          return Future.succeededFuture();
        });
    return slot.transition;
  }

  private void letGo(Slot slot) {
    if (slot.lock != null) {
      slot.lock.release();
    }
    slot.lock = null;
    slot.epoch = 0;
    slot.deploymentId = null;
    slot.dispatcherId = null;
    slot.notBefore = System.currentTimeMillis() + REACQUIRE_AFTER_MILLIS;
    slot.state = State.IDLE;
  }

  /** A worker of ours was refused by a newer claim (a split cluster, or we were paused past our death). */
  private void fencedOff(ShardFenced fenced) {
    Slot slot = slots[fenced.shard()];
    if (slot.state == State.OWNED && slot.epoch == fenced.epoch()) {
      slot.fencedOff = true;
      metrics.shardFencedOff(fenced.shard());
      LOG.warn("Shard {}: another node claimed it (epoch {} is stale); standing down until the membership changes",
          fenced.shard(), fenced.epoch());
      handOver(fenced.shard(), "fenced off");
    }
  }

  /** A claim refused: the shard's owner showed it was alive too recently. */
  private static final class OwnerStillAlive extends RuntimeException {
    final String owner;

    OwnerStillAlive(String owner) {
      super("owned by " + owner + ", which is still alive", null, false, false);
      this.owner = owner;
    }
  }

  static String lockName(int shard) {
    return "aurora.shard." + shard;
  }
}
