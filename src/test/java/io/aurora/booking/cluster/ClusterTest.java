package io.aurora.booking.cluster;

import io.aurora.booking.queue.OwnerRecords;
import io.aurora.booking.queue.ShardQueue;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.BookingStream;
import io.aurora.booking.testing.BookingStream.Booking;
import io.aurora.booking.testing.EventStreamClient;
import io.aurora.booking.testing.LocalCluster;
import io.aurora.booking.testing.NodeProcess;
import io.aurora.booking.testing.PrometheusText;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service as a cluster of JVMs on loopback (Hazelcast), sharing one PostgreSQL and one Redis: jobs
 * cross nodes, a node killed with kill -9 in the middle of a crowd has its shards taken over by the
 * survivors, a node joining mid-run gets its share, a node leaving gracefully hands its shards over
 * without a single redelivery. After each, the invariants are checked in PostgreSQL and Redis.
 *
 * <p>The tests share one cluster, to start as few JVMs as the stories need, but not an order: each story
 * first asks for the number of live nodes it tells about (two or three, owning every shard; nodes are
 * started or stopped gracefully to get there) and picks its nodes from the live ones. What a
 * story proves is read from PostgreSQL, Redis, the cluster status and each node's metrics, never from
 * the wording of a log line. Run with {@code ./mvnw -Pcluster test}.
 */
@Tag("cluster")
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {

  private static final int SHARDS = 8;
  private static final Path RESULTS = Path.of("target", "cluster-takeover.txt");
  /**
   * JVMs one run may start, in any order of the stories: the first three, one to replace each node a
   * story kills, stops or pauses down to fewer, and the one that joins.
   */
  private static final int PLANNED_NODES = 8;

  private LocalCluster cluster;
  private ShardQueue queue;

  @BeforeAll
  void startCluster(Vertx vertx) {
    cluster = new LocalCluster(vertx, "cluster-test", PLANNED_NODES, Map.of("BOOKING_SHARDS", Integer.toString(SHARDS)));
    queue = new ShardQueue(cluster.redis);
  }

  /**
   * Exactly {@code count} live nodes that own every shard, spread evenly, whatever the story before left
   * behind: new nodes are started, or the newest ones stopped gracefully. Each story asks for the
   * cluster it tells about, so no story depends on another having run before it.
   */
  private List<NodeProcess> liveNodes(int count) {
    List<NodeProcess> started = new ArrayList<>();
    while (cluster.alive().size() < count) {
      started.add(cluster.startNode());
    }
    cluster.awaitReady(started);
    while (cluster.alive().size() > count) {
      NodeProcess extra = cluster.alive().get(cluster.alive().size() - 1);
      extra.signalTerminate();
      extra.awaitExit(60);
    }
    List<NodeProcess> nodes = cluster.alive();
    cluster.awaitSettledOn(nodes, Duration.ofSeconds(90));
    assertEquals(evenSpread(count), cluster.ownersByName(nodes.get(0)).values().stream().map(List::size).sorted().toList(),
        SHARDS + " shards on " + count + " nodes");
    return nodes;
  }

  @AfterAll
  void stopNodes() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aJobAcceptedOnOneNodeIsDecidedOnAnotherAndItsStatusIsReadWhereItWasAccepted() {
    List<NodeProcess> nodes = liveNodes(3);
    NodeProcess admin = nodes.get(0);
    Map<String, List<Integer>> owners = cluster.ownersByName(admin);
    long eventId = cluster.createEvent(admin, 5);
    int shard = Sharding.shardOf(eventId, SHARDS);
    String owner = owners.entrySet().stream().filter(e -> e.getValue().contains(shard)).findFirst().orElseThrow().getKey();
    NodeProcess front = nodes.stream().filter(n -> !n.name.equals(owner)).findFirst().orElseThrow();
    TestUser user = cluster.users(1).get(0);

    JsonObject accepted = await(cluster.http.post(front.httpPort, "127.0.0.1", "/api/bookings/" + eventId + "/book")
        .bearerTokenAuthentication(user.token()).send()).bodyAsJsonObject();
    String jobId = accepted.getString("jobId");
    JsonObject[] status = new JsonObject[1];
    awaitCondition("the job to be decided", Duration.ofSeconds(30), () -> {
      status[0] = await(cluster.http.get(front.httpPort, "127.0.0.1", "/api/bookings/status/" + jobId)
          .bearerTokenAuthentication(user.token()).send()).bodyAsJsonObject();
      return "completed".equals(status[0].getString("status"));
    });
    assertNotEquals(owner, front.name, "accepted on one node, decided by the owner of shard " + shard + " on another");
    long bookingId = status[0].getJsonObject("result").getLong("bookingId");
    assertEquals(user.id(), cluster.queryLong("SELECT user_id FROM bookings WHERE id = $1 AND job_id = $2", bookingId, jobId));
  }

  @Test
  void aNodeKilledMidBurstHasItsShardsTakenOverAndNothingIsOversoldOrLost() {
    List<NodeProcess> nodes = liveNodes(3);
    NodeProcess admin = nodes.get(0);
    NodeProcess victim = nodes.get(2);
    List<Long> events = eventsOnEveryShard(admin, 2);
    List<Booking> bookings = crowd(events, 5_000, 500);
    String victimId = nodeId(admin, victim.name);
    List<Integer> victimShards = cluster.ownersByName(admin).get(victim.name);

    BookingStream stream = new BookingStream(cluster.vertx, cluster.http, bookings, cluster::alive, 96, 0).start();
    awaitCondition("a third of the crowd to be sent", Duration.ofSeconds(60), () -> stream.sent() >= bookings.size() / 3);

    long killedAt = System.nanoTime();
    victim.kill();
    Map<Integer, Long> decidedAtKill = decided(victimShards);
    long[] ownedAfter = {-1};
    long[] processingAfter = {-1};
    awaitCondition("the survivors to take over shards " + victimShards, Duration.ofSeconds(60), () -> {
      Map<Integer, String> owners = owners(victimShards);
      boolean owned = owners.values().stream().allMatch(o -> o != null && !o.equals(victimId));
      if (owned && ownedAfter[0] < 0) {
        ownedAfter[0] = (System.nanoTime() - killedAt) / 1_000_000;
      }
      Map<Integer, Long> now = decided(victimShards);
      if (owned && victimShards.stream().allMatch(s -> now.get(s) > decidedAtKill.get(s))) {
        processingAfter[0] = (System.nanoTime() - killedAt) / 1_000_000;
        return true;
      }
      return false;
    });
    record("kill -9 of " + victim.name + " (shards " + victimShards + ") during a burst of " + bookings.size()
        + " bookings on 3 nodes: shards owned by survivors after " + ownedAfter[0] + " ms, deciding jobs again after "
        + processingAfter[0] + " ms");

    await(stream.completion());
    List<NodeProcess> survivors = nodes.stream().filter(n -> n != victim).toList();
    assertTrue(stream.accepted.size() > bookings.size() / 2, "accepted " + stream.accepted.size());
    assertEverythingDecidedAndConsistent(survivors.get(0), stream);
    cluster.awaitSettledOn(survivors, Duration.ofSeconds(30));
    JsonObject status = cluster.clusterStatus(survivors.get(1));
    assertEquals(2, status.getJsonArray("nodes").size());
    for (Object shard : status.getJsonArray("shards")) {
      String owner = ((JsonObject) shard).getString("owner");
      assertNotEquals(victimId, owner);
      assertTrue(((JsonObject) shard).getBoolean("ownerAlive"), shard.toString());
    }
    assertEquals(evenSpread(survivors.size()),
        cluster.ownersByName(survivors.get(0)).values().stream().map(List::size).sorted().toList());
  }

  @Test
  void aNodeJoiningMidRunGetsItsShareOfShardsWithoutRedelivery() {
    List<NodeProcess> nodes = liveNodes(2);
    NodeProcess admin = nodes.get(0);
    List<Long> events = eventsOnEveryShard(admin, 1);
    // Enough for the join to happen mid-run even when a loaded machine starts the new JVM slowly (8,000 at
    // 150/s ran out once at load average 23); the stream is cut short by finishAfter once the join is done.
    List<Booking> bookings = crowd(events, 20_000, 0);
    long recoveredBefore = cluster.queueTotals(admin).getLong("stalledRecovered");

    List<NodeProcess> targets = new CopyOnWriteArrayList<>(cluster.alive());
    BookingStream stream = new BookingStream(cluster.vertx, cluster.http, bookings, () -> targets, 32, 150).start();
    awaitCondition("the run to be under way", Duration.ofSeconds(30), () -> stream.sent() >= 300);
    NodeProcess joiner = cluster.startNode();
    long startedAt = System.nanoTime();
    cluster.awaitReady(List.of(joiner));
    targets.add(joiner);
    List<NodeProcess> members = new ArrayList<>(nodes);
    members.add(joiner);
    cluster.awaitSettledOn(members, Duration.ofSeconds(60));
    long settledAfter = (System.nanoTime() - startedAt) / 1_000_000;
    List<Integer> joinerShards = cluster.ownersByName(admin).get(joiner.name);
    Map<Integer, Long> decidedAtJoin = decided(joinerShards);
    record("join of " + joiner.name + " mid-run: from its start to owning shards " + joinerShards + " in " + settledAfter
        + " ms (JVM start-up included)");
    assertFalse(stream.finished(), "the join happened mid-run; make the run longer");
    stream.finishAfter(600);

    await(stream.completion());
    assertEverythingDecidedAndConsistent(admin, stream);
    assertTrue(evenSpread(members.size()).contains(joinerShards.size()),
        "its share of " + SHARDS + " shards on " + members.size() + " nodes: " + joinerShards);
    Map<Integer, Long> decidedAtEnd = decided(joinerShards);
    assertTrue(joinerShards.stream().anyMatch(s -> decidedAtEnd.get(s) > decidedAtJoin.get(s)),
        "the newcomer decided jobs of its shards");
    assertEquals(recoveredBefore, cluster.queueTotals(admin).getLong("stalledRecovered"),
        "shards moved to the newcomer by graceful hand-over: nothing redelivered");
  }

  @Test
  void aGracefulLeaveHandsItsShardsOverWithoutRedelivery() {
    List<NodeProcess> nodes = liveNodes(3);
    NodeProcess admin = nodes.get(0);
    NodeProcess leaving = nodes.get(1);
    List<Long> events = eventsOnEveryShard(admin, 1);
    List<Booking> bookings = crowd(events, 4_000, 0);
    long recoveredBefore = cluster.queueTotals(admin).getLong("stalledRecovered");
    List<Integer> leavingShards = cluster.ownersByName(admin).get(leaving.name);
    Map<Integer, Long> decidedBefore = decided(leavingShards);

    // Clients are sent to the nodes that stay, as a load balancer would once the node drains.
    BookingStream stream = new BookingStream(cluster.vertx, cluster.http, bookings,
        () -> cluster.alive().stream().filter(n -> n != leaving).toList(), 32, 150).start();
    awaitCondition("the run to be under way", Duration.ofSeconds(30), () -> stream.sent() >= 600);
    Map<Integer, Long> decidedAtLeave = decided(leavingShards);
    assertTrue(leavingShards.stream().anyMatch(s -> decidedAtLeave.get(s) > decidedBefore.get(s)),
        "the leaving node was deciding jobs when it was stopped");
    long stoppedAt = System.nanoTime();
    leaving.signalTerminate();
    List<NodeProcess> survivors = cluster.alive().stream().filter(n -> n != leaving).toList();
    cluster.awaitSettledOn(survivors, Duration.ofSeconds(30));
    long handedOverAfter = (System.nanoTime() - stoppedAt) / 1_000_000;
    assertEquals(143, leaving.awaitExit(60), "exits on SIGTERM after its shutdown hook");
    long exitedAfter = (System.nanoTime() - stoppedAt) / 1_000_000;
    record("graceful leave (SIGTERM) of " + leaving.name + " (shards " + leavingShards + ") mid-run: shards owned by the "
        + "survivors " + handedOverAfter + " ms after SIGTERM; the JVM exited after " + exitedAfter + " ms");
    assertFalse(stream.finished(), "the leave happened mid-run; make the run longer");
    stream.finishAfter(600);

    await(stream.completion());
    assertEverythingDecidedAndConsistent(admin, stream);
    assertEquals(recoveredBefore, cluster.queueTotals(admin).getLong("stalledRecovered"),
        "the leaving node finished and acknowledged its batches: nothing redelivered");
  }

  @Test
  void aNodePausedPastItsDeathIsFencedOffWhenItWakesAndSafetyHolds() {
    List<NodeProcess> nodes = liveNodes(2);
    NodeProcess admin = nodes.get(0);
    NodeProcess sleeper = nodes.get(nodes.size() - 1);
    List<NodeProcess> others = nodes.stream().filter(n -> n != sleeper).toList();
    List<Long> events = eventsOnEveryShard(admin, 1);
    List<Booking> bookings = crowd(events, 6_000, 0);
    String sleeperId = nodeId(admin, sleeper.name);
    List<Integer> sleeperShards = cluster.ownersByName(admin).get(sleeper.name);
    double sleeperFencedBefore = fencedOff(sleeper);
    Map<String, Double> othersFencedBefore = new HashMap<>();
    others.forEach(n -> othersFencedBefore.put(n.name, fencedOff(n)));

    BookingStream stream = new BookingStream(cluster.vertx, cluster.http, bookings, () -> List.of(admin), 32, 150).start();
    awaitCondition("the run to be under way", Duration.ofSeconds(30), () -> stream.sent() >= 300);
    long pausedAt = System.nanoTime();
    sleeper.pause(true);
    try {
      awaitCondition("the cluster to count " + sleeper.name + " out and take its shards", Duration.ofSeconds(60),
          () -> owners(sleeperShards).values().stream().allMatch(o -> o != null && !o.equals(sleeperId)));
      record(sleeper.name + " frozen (SIGSTOP) with shards " + sleeperShards + ": shards owned by the others after "
          + (System.nanoTime() - pausedAt) / 1_000_000 + " ms (clusterFailureSeconds 5)");
    } finally {
      sleeper.pause(false);
    }
    // Awake, it still believes it owns its shards: its next take is refused and it stands down.
    awaitCondition(sleeper.name + " to be fenced off", Duration.ofSeconds(30),
        () -> fencedOff(sleeper) > sleeperFencedBefore);
    List<NodeProcess> all = new ArrayList<>(others);
    all.add(sleeper);
    awaitCondition("the cluster to heal with " + sleeper.name + " back in it", Duration.ofSeconds(90),
        () -> cluster.settledOn(all));
    for (NodeProcess other : others) {
      assertEquals(othersFencedBefore.get(other.name), fencedOff(other),
          "woken up alone, " + sleeper.name + " took no shard from " + other.name + ", which kept working them");
    }
    stream.finishAfter(600);

    await(stream.completion());
    assertEverythingDecidedAndConsistent(admin, stream);
  }

  @Test
  void aDeletedAccountsTokenIsRefusedOnEveryNode() {
    List<NodeProcess> nodes = liveNodes(2);
    TestUser user = cluster.users(1).get(0);
    for (NodeProcess node : nodes) {
      assertEquals(200, await(cluster.http.get(node.httpPort, "127.0.0.1", "/api/bookings/history")
          .bearerTokenAuthentication(user.token()).send()).statusCode(), node + " accepts the token before");
    }
    long deletedAt = System.nanoTime();
    assertEquals(200, await(cluster.http.delete(nodes.get(0).httpPort, "127.0.0.1", "/api/auth/me")
        .bearerTokenAuthentication(user.token()).send()).statusCode());
    NodeProcess other = nodes.get(1);
    awaitCondition(other + " to refuse the deleted account's token", Duration.ofSeconds(30), () ->
        await(cluster.http.get(other.httpPort, "127.0.0.1", "/api/bookings/history")
            .bearerTokenAuthentication(user.token()).send()).statusCode() == 401);
    record("account deleted on " + nodes.get(0).name + ": its token refused on " + other.name + " after "
        + (System.nanoTime() - deletedAt) / 1_000_000 + " ms (published revocation; goal: within a second)");
  }

  /**
   * A live status stream on one node follows a job that a worker on another node decides: the outcome is
   * published cluster-wide once per batch and reaches the stream's node.
   */
  @Test
  void aStatusStreamOnOneNodeGetsTheOutcomeDecidedOnAnother() {
    List<NodeProcess> nodes = liveNodes(2);
    Map<String, List<Integer>> owners = cluster.ownersByName(nodes.get(0));
    long eventId = cluster.createEvent(nodes.get(0), 5);
    int shard = Sharding.shardOf(eventId, SHARDS);
    String owner = owners.entrySet().stream().filter(e -> e.getValue().contains(shard)).findFirst().orElseThrow().getKey();
    NodeProcess front = nodes.stream().filter(n -> !n.name.equals(owner)).findFirst().orElseThrow();
    TestUser user = cluster.users(1).get(0);
    String admin = cluster.adminToken();

    // Paused, so the job is still in line when its stream opens: its outcome can only come from the other node.
    assertEquals(200, await(cluster.http.post(front.httpPort, "127.0.0.1", "/api/admin/queue/pause")
        .bearerTokenAuthentication(admin).send()).statusCode());
    String jobId = await(cluster.http.post(front.httpPort, "127.0.0.1", "/api/bookings/" + eventId + "/book")
        .bearerTokenAuthentication(user.token()).send()).bodyAsJsonObject().getString("jobId");
    try (EventStreamClient stream = EventStreamClient.open(cluster.vertx, front.httpPort,
        "/api/bookings/status/" + jobId + "/stream", Map.of("Authorization", "Bearer " + user.token()))) {
      assertEquals("queued", stream.awaitEvent("the job in line", e -> true).data().getString("status"));
      assertEquals(200, await(cluster.http.post(front.httpPort, "127.0.0.1", "/api/admin/queue/resume")
          .bearerTokenAuthentication(admin).send()).statusCode());
      JsonObject outcome = stream.awaitEvent("the outcome", e -> "completed".equals(e.event())).data();
      stream.awaitEnd();
      long bookingId = outcome.getJsonObject("result").getLong("bookingId");
      assertEquals(user.id(), cluster.queryLong("SELECT user_id FROM bookings WHERE id = $1 AND job_id = $2", bookingId, jobId));
      assertNotEquals(owner, front.name, "streamed on one node, decided by the owner of shard " + shard + " on another");
    } finally {
      await(cluster.http.post(front.httpPort, "127.0.0.1", "/api/admin/queue/resume").bearerTokenAuthentication(admin).send());
    }
  }

  @Test
  void aDisabledAccountsTokenAndALoggedOutSessionAreRefusedOnEveryNode() {
    List<NodeProcess> nodes = liveNodes(2);
    NodeProcess one = nodes.get(0);
    NodeProcess other = nodes.get(1);
    TestUser user = cluster.users(1).get(0);
    assertEquals(200, historyStatus(other, user.token()));
    long disabledAt = System.nanoTime();
    assertEquals(200, await(cluster.http.post(one.httpPort, "127.0.0.1", "/api/admin/users/" + user.id() + "/disable")
        .bearerTokenAuthentication(cluster.adminToken()).send()).statusCode());
    awaitCondition(other + " to refuse the disabled account's token", Duration.ofSeconds(30),
        () -> historyStatus(other, user.token()) == 401);
    record("account disabled on " + one.name + ": its token refused on " + other.name + " after "
        + (System.nanoTime() - disabledAt) / 1_000_000 + " ms (published revocation)");

    JsonObject session = await(cluster.http.post(one.httpPort, "127.0.0.1", "/api/auth/register").sendJsonObject(new JsonObject()
        .put("name", "Logout").put("email", "logout-" + System.nanoTime() + "@cluster.test").put("password", "cluster-user-password")))
        .bodyAsJsonObject();
    assertEquals(200, historyStatus(other, session.getString("token")));
    assertEquals(200, await(cluster.http.post(one.httpPort, "127.0.0.1", "/api/auth/logout")
        .bearerTokenAuthentication(session.getString("token")).send()).statusCode());
    awaitCondition(other + " to refuse the logged-out session's token", Duration.ofSeconds(30),
        () -> historyStatus(other, session.getString("token")) == 401);
  }

  private int historyStatus(NodeProcess node, String token) {
    return await(cluster.http.get(node.httpPort, "127.0.0.1", "/api/bookings/history").bearerTokenAuthentication(token).send())
        .statusCode();
  }

  // ---- fixtures ----

  /** New events until every shard has at least {@code perShard}; capacities alternate 100 and 1,000 seats. */
  private List<Long> eventsOnEveryShard(NodeProcess via, int perShard) {
    int[] count = new int[SHARDS];
    List<Long> events = new ArrayList<>();
    while (java.util.Arrays.stream(count).anyMatch(c -> c < perShard)) {
      long eventId = cluster.createEvent(via, events.size() % 2 == 0 ? 100 : 1_000);
      count[Sharding.shardOf(eventId, SHARDS)]++;
      events.add(eventId);
    }
    return events;
  }

  /** {@code users} distinct users spread over the events, and {@code repeats} of them asking a second time. */
  private List<Booking> crowd(List<Long> events, int users, int repeats) {
    List<TestUser> people = cluster.users(users);
    List<Booking> bookings = new ArrayList<>();
    for (int i = 0; i < users; i++) {
      bookings.add(new Booking(people.get(i), events.get(i % events.size())));
    }
    for (int i = 0; i < repeats; i++) {
      bookings.add(new Booking(people.get(i), events.get(i % events.size())));
    }
    Collections.shuffle(bookings, new Random(7));
    return bookings;
  }

  private String nodeId(NodeProcess via, String name) {
    JsonArray members = cluster.clusterStatus(via).getJsonArray("nodes");
    for (int i = 0; i < members.size(); i++) {
      if (name.equals(members.getJsonObject(i).getString("name"))) {
        return members.getJsonObject(i).getString("id");
      }
    }
    throw new AssertionError(name + " is not a member");
  }

  /** Completed + failed per shard, straight from Redis. */
  private Map<Integer, Long> decided(List<Integer> shards) {
    Map<Integer, Long> out = new HashMap<>();
    for (int shard : shards) {
      Response r = await(cluster.redis.send(Request.cmd(Command.HMGET).arg("{s" + shard + "}:stats").arg("completed").arg("failed")));
      out.put(shard, (r.get(0) == null ? 0 : r.get(0).toLong()) + (r.get(1) == null ? 0 : r.get(1).toLong()));
    }
    return out;
  }

  /** The owner node id recorded by each shard's claim, straight from Redis. */
  private Map<Integer, String> owners(List<Integer> shards) {
    Map<Integer, String> out = new HashMap<>();
    for (int shard : shards) {
      out.put(shard, await(new OwnerRecords(cluster.redis).read(shard)).memberId());
    }
    return out;
  }

  /**
   * Every accepted job reached a final state; in PostgreSQL no event is oversold, {@code booked} is the sum
   * of its confirmed seats, no user holds two bookings of one event, each completed job has its booking
   * and each failed one none; and within each event, no request was turned away as sold out before an
   * earlier-queued one was accepted (first come, first served held through all of it).
   */
  private void assertEverythingDecidedAndConsistent(NodeProcess via, BookingStream stream) {
    awaitCondition("the queue to drain", Duration.ofSeconds(120), () -> {
      JsonObject total = cluster.queueTotals(via);
      return total.getLong("waiting") == 0 && total.getLong("processing") == 0;
    });
    List<String> jobIds = new ArrayList<>(stream.accepted.keySet());
    List<Future<ShardQueue.JobRecord>> records = jobIds.stream().map(queue::status).toList();
    await(Future.all(records));
    Map<Long, List<JsonObject>> byEvent = new HashMap<>();
    for (int i = 0; i < jobIds.size(); i++) {
      JsonObject job = records.get(i).result().fields();
      String status = job.getString("status");
      assertTrue(Set.of("completed", "failed").contains(status), jobIds.get(i) + " is " + status);
      byEvent.computeIfAbsent(Long.parseLong(job.getString("event")), e -> new ArrayList<>()).add(job.put("jobId", jobIds.get(i)));
    }

    assertEquals(0, cluster.queryLong("SELECT count(*) FROM events WHERE booked > capacity"));
    assertEquals(0, cluster.queryLong("""
        SELECT count(*) FROM events e
        WHERE e.booked <> (SELECT coalesce(sum(b.seats), 0) FROM bookings b WHERE b.event_id = e.id AND b.status = 'CONFIRMED')"""));
    assertEquals(0, cluster.queryLong("""
        SELECT count(*) FROM (SELECT user_id, event_id FROM bookings WHERE status = 'CONFIRMED'
                              GROUP BY user_id, event_id HAVING count(*) > 1) twice"""));
    Map<String, Row> bookingsByJob = new HashMap<>();
    for (Row row : cluster.queryRows("SELECT job_id, user_id, event_id FROM bookings WHERE job_id = ANY($1)",
        (Object) jobIds.toArray(String[]::new))) {
      bookingsByJob.put(row.getString("job_id"), row);
    }
    for (List<JsonObject> jobs : byEvent.values()) {
      long lastWinner = -1;
      long firstSoldOut = Long.MAX_VALUE;
      for (JsonObject job : jobs) {
        long seq = Long.parseLong(job.getString("seq"));
        Row booking = bookingsByJob.get(job.getString("jobId"));
        BookingStream.Accepted sent = stream.accepted.get(job.getString("jobId"));
        if ("completed".equals(job.getString("status"))) {
          assertTrue(booking != null, "a completed job has its booking: " + job.encode());
          assertEquals(sent.booking().user().id(), booking.getLong("user_id"));
          assertEquals(sent.booking().eventId(), booking.getLong("event_id"));
          lastWinner = Math.max(lastWinner, seq);
        } else {
          assertTrue(booking == null, "a failed job booked nothing: " + job.encode());
          assertTrue(Set.of("SOLD_OUT", "ALREADY_BOOKED").contains(job.getString("error")), job.encode());
          if ("SOLD_OUT".equals(job.getString("error"))) {
            firstSoldOut = Math.min(firstSoldOut, seq);
          }
        }
      }
      long from = firstSoldOut;
      long to = lastWinner;
      assertTrue(lastWinner < firstSoldOut, () -> "first come, first served in event " + jobs.get(0).getString("event")
          + ": last accepted at " + to + ", first turned away at " + from + "; the jobs between, in queue order: "
          + jobs.stream().filter(j -> Long.parseLong(j.getString("seq")) >= from && Long.parseLong(j.getString("seq")) <= to)
              .sorted(Comparator.comparingLong(j -> Long.parseLong(j.getString("seq"))))
              .map(JsonObject::encode).toList());
    }
    long soldOutEvents = cluster.queryLong("SELECT count(*) FROM events WHERE booked = capacity");
    assertTrue(soldOutEvents > 0, "some events sold out");
  }

  /** How many times {@code node} stood down from a shard that a newer owner had claimed (its own metric). */
  private double fencedOff(NodeProcess node) {
    HttpResponse<Buffer> response = await(cluster.http.get(node.httpPort, "127.0.0.1", "/metrics").send());
    assertEquals(200, response.statusCode(), node + " /metrics");
    return PrometheusText.parse(response.bodyAsString()).sum("booking_shard_fenced_total");
  }

  /** Shard counts per node, smallest first, when {@link #SHARDS} are spread evenly over {@code nodes}. */
  private static List<Integer> evenSpread(int nodes) {
    List<Integer> spread = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      spread.add(SHARDS / nodes + (i >= nodes - SHARDS % nodes ? 1 : 0));
    }
    return spread;
  }

  private static void record(String line) {
    String stamped = Instant.now() + " " + line;
    System.out.println("CLUSTER RESULT: " + stamped);
    try {
      Files.createDirectories(RESULTS.getParent());
      Files.writeString(RESULTS, stamped + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // only a record for the reader; the assertion is elsewhere
    }
  }
}
