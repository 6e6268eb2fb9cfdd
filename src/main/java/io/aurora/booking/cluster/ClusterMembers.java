package io.aurora.booking.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The nodes of the cluster as this node sees them: the cluster manager's member list, with each member's
 * name and whether it runs shard workers (from the metadata it published with its event-bus address).
 * Without a cluster manager the only member is this node. Used on one event loop.
 */
final class ClusterMembers {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembers.class);

  /**
   * One node: its member id (the cluster manager's), its node name (the operator's, {@code nodeName}),
   * whether it runs workers, its shard count.
   */
  record Member(String memberId, String nodeName, boolean workers, int shards) {
    JsonObject toJson() {
      return new JsonObject().put("id", memberId).put("name", nodeName).put("workers", workers);
    }
  }

  private final ClusterManager clusterManager;
  private final Member self;
  /** Metadata of the members seen so far; a member's metadata never changes while it is in the cluster. */
  private final Map<String, Member> known = new HashMap<>();
  /** Members that said they are stopping: no longer counted, though still in the cluster for a moment. */
  private final Set<String> leaving = new HashSet<>();

  ClusterMembers(ClusterManager clusterManager, Member self) {
    this.clusterManager = clusterManager;
    this.self = self;
    known.put(self.memberId(), self);
  }

  Member self() {
    return self;
  }

  boolean clustered() {
    return clusterManager != null;
  }

  /** The member {@code memberId} is stopping gracefully; leave it out from now on. */
  void leaving(String memberId) {
    if (!memberId.equals(self.memberId())) {
      leaving.add(memberId);
    }
  }

  /**
   * The current members, sorted by member id, without those that said they are leaving. A member whose
   * metadata cannot be read yet (it is still starting its event bus) is left out until it can: it owns
   * nothing before every node can see it.
   */
  Future<List<Member>> current() {
    if (clusterManager == null) {
      return Future.succeededFuture(List.of(self));
    }
    List<String> ids = clusterManager.getNodes().stream().filter(id -> !leaving.contains(id)).toList();
    leaving.retainAll(clusterManager.getNodes());
    known.keySet().retainAll(ids);
    known.put(self.memberId(), self);
    List<Future<Void>> lookups = new ArrayList<>();
    for (String id : ids) {
      if (!known.containsKey(id)) {
        lookups.add(lookUp(id));
      }
    }
    return Future.join(lookups).transform(ar -> Future.succeededFuture(ids.stream()
        .map(known::get)
        .filter(Objects::nonNull)
        .sorted(Comparator.comparing(Member::memberId))
        .toList()));
  }

  private Future<Void> lookUp(String id) {
    Promise<NodeInfo> info = Promise.promise();
    clusterManager.getNodeInfo(id, info);
    return info.future()
        .onSuccess(nodeInfo -> {
          JsonObject meta = nodeInfo.metadata() == null ? new JsonObject() : nodeInfo.metadata();
          Member member = new Member(id, meta.getString(ClusterNode.META_NAME, id),
              meta.getBoolean(ClusterNode.META_WORKERS, false), meta.getInteger(ClusterNode.META_SHARDS, -1));
          if (member.workers() && member.shards() != self.shards()) {
            LOG.error("Node {} runs {} shards, this node {}: every node of a cluster must use the same 'shards'",
                member.nodeName(), member.shards(), self.shards());
          }
          known.put(id, member);
        })
        .onFailure(e -> LOG.debug("Node {} has not published its metadata yet: {}", id, e.toString()))
        .mapEmpty();
  }
}
