package io.aurora.booking.queue;

import io.aurora.booking.bookings.JobQueue;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A measurement (not a test: surefire's default run leaves it out): what the sold-out fast path costs Redis,
 * on the test Redis (no AOF). Queues {@code -Djobs} (20,000) jobs of one event, marks it sold out, then
 * answers them all with takes of {@code -Dper} (1000) and writes their records with {@code answered.lua},
 * reading Redis's own CPU time ({@code INFO cpu}) and the wall time of each phase. Run as
 * docs/performance.md says; the figures go to {@code target/sold-out-cost.txt}.
 */
@ExtendWith(VertxExtension.class)
class SoldOutFastPathCostBench {

  private static final long EVENT = 77;

  @Test
  void answerThenWrite(Vertx vertx) throws IOException {
    int jobs = Integer.getInteger("jobs", 20_000);
    int per = Integer.getInteger("per", 1000);
    try (TestApp app = TestApp.start(vertx, Map.of("localWorkers", false))) {
      ShardQueue queue = new ShardQueue(app.redis);
      int shard = Sharding.shardOf(EVENT, app.config.shards());
      for (int chunk = 0; chunk < jobs; chunk += 20) {
        List<Future<?>> sent = new ArrayList<>();
        for (int i = chunk; i < Math.min(jobs, chunk + 20); i++) {
          sent.add(queue.enqueue(shard, Sharding.newJobId(shard), 1000 + i, EVENT, 1, null, 0, 3600));
        }
        await(Future.all(sent));
      }
      await(queue.markSoldOut(shard, EVENT, 0, Instant.now().plusSeconds(86_400)));

      double cpu = redisCpuSeconds(app);
      long start = System.nanoTime();
      int answered = 0;
      for (int n; (n = await(queue.take(shard, 64, 60_000, JobQueue.UNFENCED, per)).answeredSoldOut().size()) > 0; ) {
        answered += n;
      }
      String answer = phase("answer", answered, System.nanoTime() - start, redisCpuSeconds(app) - cpu);

      cpu = redisCpuSeconds(app);
      start = System.nanoTime();
      int written = 0;
      for (int n; (n = await(queue.writeAnsweredRecords(shard, 1000, 600))) > 0; ) {
        written += n;
      }
      String write = phase("write records", written, System.nanoTime() - start, redisCpuSeconds(app) - cpu);
      assertEquals(jobs, answered);
      assertEquals(jobs, written);
      Files.writeString(Path.of("target", "sold-out-cost.txt"), "jobs " + jobs + ", per take " + per + "\n" + answer + write);
    }
  }

  private static String phase(String name, int jobs, long nanos, double cpuSeconds) {
    return String.format("%s: %d jobs, wall %.0f ms, Redis CPU %.0f ms (%.1f us a job)%n",
        name, jobs, nanos / 1e6, cpuSeconds * 1000, cpuSeconds * 1e6 / Math.max(1, jobs));
  }

  private static double redisCpuSeconds(TestApp app) {
    double total = 0;
    for (String line : await(app.redis.send(Request.cmd(Command.INFO).arg("cpu"))).toString().split("\\r?\\n")) {
      if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
        total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return total;
  }
}
