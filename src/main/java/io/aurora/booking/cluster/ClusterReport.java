package io.aurora.booking.cluster;

import io.aurora.booking.cluster.ClusterMembers.Member;
import io.aurora.booking.queue.OwnerRecords;
import io.aurora.booking.queue.OwnerRecords.Owner;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The cluster as an operator sees it ({@code GET /api/admin/cluster}): the members, the owner of each shard
 * as claimed in Redis with its depth, and what the assignment says each member should own. Used on the
 * event loop of the {@link ShardOwnership} whose members it reports.
 */
final class ClusterReport {

  private final ClusterMembers members;
  private final OwnerRecords owners;
  private final String clusterName;
  private final int shards;

  ClusterReport(ClusterMembers members, OwnerRecords owners, String clusterName, int shards) {
    this.members = members;
    this.owners = owners;
    this.clusterName = clusterName;
    this.shards = shards;
  }

  Future<JsonObject> status() {
    return members.current().compose(view -> {
      List<Future<Owner>> reads = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        reads.add(owners.read(s));
      }
      return Future.all(reads).map(all -> describe(view, reads.stream().map(Future::result).toList()));
    });
  }

  private JsonObject describe(List<Member> view, List<Owner> shardOwners) {
    List<String> ids = view.stream().map(Member::memberId).toList();
    List<String> workers = view.stream().filter(Member::workers).map(Member::memberId).toList();
    List<String> expected = ShardAssignment.assign(workers, shards);
    JsonArray nodes = new JsonArray();
    for (Member member : view) {
      JsonArray owned = new JsonArray();
      shardOwners.stream().filter(owner -> member.memberId().equals(owner.memberId())).forEach(owner -> owned.add(owner.shard()));
      nodes.add(member.toJson().put("self", member.memberId().equals(members.self().memberId()))
          .put("shards", owned).put("assignedShards", new JsonArray(ShardAssignment.shardsOf(expected, member.memberId()))));
    }
    JsonArray shardEntries = new JsonArray();
    JsonArray unowned = new JsonArray();
    long waiting = 0;
    long processing = 0;
    for (Owner owner : shardOwners) {
      boolean alive = owner.memberId() != null && ids.contains(owner.memberId());
      shardEntries.add(owner.toJson().put("ownerAlive", alive).put("assignedTo", expected.get(owner.shard())));
      if (!alive) {
        unowned.add(owner.shard());
      }
      waiting += owner.waiting();
      processing += owner.processing();
    }
    return new JsonObject()
        .put("clustered", members.clustered())
        .put("clusterName", members.clustered() ? clusterName : null)
        .put("self", members.self().memberId())
        .put("nodes", nodes)
        .put("shards", shardEntries)
        .put("unownedShards", unowned)
        .put("total", new JsonObject().put("waiting", waiting).put("processing", processing));
  }
}
