package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.testing.RedisClusterNodes;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * With {@code redisMode=cluster} the durability check reads every master: on a real cluster of three whose
 * last master alone keeps no AOF, every start reports {@code redis.appendonly} unsafe (a keyless CONFIG GET
 * through the cluster client would read one master, the durable ones two times in three); made durable too,
 * the cluster's settings are safe.
 */
@ExtendWith(VertxExtension.class)
class ClusterDurabilityCheckTest {

  private static final int CHECKS = 6;

  @TempDir
  Path work;

  @Test
  void oneMasterWithoutItsAofMakesTheClusterUnsafe(Vertx vertx) {
    assumeTrue(RedisClusterNodes.available(), "needs /usr/bin/redis-server and /usr/bin/redis-cli");
    String pgUrl = TestServices.get().newDatabase();
    try (RedisClusterNodes cluster = RedisClusterNodes.start(vertx, work, 3)) {
      List<String> masters = cluster.urls();
      for (String url : masters.subList(0, 2)) {
        makeDurable(vertx, url);
      }
      AppConfig config = new AppConfig(TestApp.baseConfig(pgUrl, "").put("redisMode", "cluster")
          .put("redisUrls", String.join(",", masters)));
      for (int i = 0; i < CHECKS; i++) {
        DurabilityCheck.Setting appendonly = redisSetting(await(DurabilityCheck.inspect(vertx, config)), "appendonly");
        assertEquals(DurabilityCheck.Verdict.UNSAFE, appendonly.verdict(), "check " + i);
        assertEquals("no", appendonly.value());
      }
      makeDurable(vertx, masters.get(2));
      DurabilityCheck.Report durable = await(DurabilityCheck.inspect(vertx, config));
      for (String name : List.of("appendonly", "appendfsync", "maxmemory-policy")) {
        assertEquals(DurabilityCheck.Verdict.SAFE, redisSetting(durable, name).verdict(), name);
      }
    } finally {
      TestServices.get().dropDatabase(pgUrl);
    }
  }

  private static DurabilityCheck.Setting redisSetting(DurabilityCheck.Report report, String name) {
    return report.settings().stream().filter(s -> s.key().equals("redis." + name)).findFirst().orElseThrow();
  }

  private static void makeDurable(Vertx vertx, String url) {
    Redis node = Redis.createClient(vertx, url);
    try {
      await(node.send(Request.cmd(Command.CONFIG).arg("SET").arg("appendonly").arg("yes")));
      await(node.send(Request.cmd(Command.CONFIG).arg("SET").arg("appendfsync").arg("always")));
    } finally {
      node.close();
    }
  }
}
