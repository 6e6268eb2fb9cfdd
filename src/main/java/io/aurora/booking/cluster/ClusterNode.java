package io.aurora.booking.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.aurora.booking.config.AppConfig;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What this JVM becomes when {@code clusterEnabled}: a Hazelcast member found by TCP/IP (the
 * {@code clusterMembers} list, never multicast) and a Vert.x event-bus endpoint, with failure detection
 * fast enough that a dead node's shards are taken over in seconds. Blocking (host name resolution):
 * for the main thread, before Vert.x starts.
 */
public final class ClusterNode {

  /** Node metadata every member publishes with its event-bus address (see {@link ClusterMembers}). */
  static final String META_NAME = "name";
  static final String META_WORKERS = "workers";
  static final String META_SHARDS = "shards";

  private ClusterNode() {
  }

  /** The cluster manager to hand to {@code Vertx.builder().withClusterManager(...)}. */
  public static HazelcastClusterManager clusterManager(AppConfig config) {
    return new HazelcastClusterManager(hazelcastConfig(config));
  }

  /** Event-bus options: where other nodes reach this one, and what they learn about it. */
  public static VertxOptions vertxOptions(AppConfig config) {
    EventBusOptions bus = new EventBusOptions()
        .setPort(config.clusterBusPort())
        .setClusterNodeMetadata(metadata(config));
    if (!config.clusterHost().isBlank()) {
      bus.setHost(config.clusterHost());
    }
    return new VertxOptions().setEventBusOptions(bus);
  }

  static JsonObject metadata(AppConfig config) {
    return new JsonObject()
        .put(META_NAME, config.nodeName())
        .put(META_WORKERS, config.localWorkers())
        .put(META_SHARDS, config.shards());
  }

  static Config hazelcastConfig(AppConfig config) {
    // vertx-hazelcast's own defaults (the maps the cluster manager needs, or a cluster.xml on the class
    // path), then everything that decides who joins whom and how fast a death is noticed, from our config.
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(config.clusterName());
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    // Failure detection: a heartbeat a second; a member silent for clusterFailureSeconds is removed, and
    // its locks (the shard locks of ShardOwnership) are freed. A kill -9 on a reachable host is noticed
    // sooner, through the refused connections.
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(config.clusterFailureSeconds()));
    // Join quickly: the defaults wait 5 s (up to 20 s) for more members before forming a cluster.
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.max.wait.seconds.before.join", "3");
    // Heal a split brain within seconds rather than minutes once the network is back.
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
    hz.setProperty("hazelcast.graceful.shutdown.max.wait", "30");

    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(config.clusterPort()).setPortAutoIncrement(false);
    if (!config.clusterHost().isBlank()) {
      network.getInterfaces().setEnabled(true).clear().addInterface(ipOf(config.clusterHost()));
      hz.setProperty("hazelcast.socket.bind.any", "false");
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).setMembers(config.clusterMembers());
    return hz;
  }

  private static String ipOf(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("clusterHost (BOOKING_CLUSTER_HOST) '" + host + "' does not resolve", e);
    }
  }
}
