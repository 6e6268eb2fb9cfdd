package io.aurora.booking.queue;

import io.aurora.booking.testing.RedisMonitor;
import io.aurora.booking.testing.RedisMonitor.Command;
import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queue's per-node chores (handing back expired leases, sampling rates, pause flags and depth) run once
 * per node, however many queue verticles serve requests: counted from outside, in what Redis is asked.
 */
@ExtendWith(VertxExtension.class)
class PerNodeChoresTest {

  private static final int QUEUE_INSTANCES = 4;
  /** Seconds of the Redis server's clock over which the calls are counted. */
  private static final int WINDOW_SECONDS = 5;

  @Test
  void leasesAreReapedAndShardsSampledOncePerNodeWhateverTheNumberOfQueueVerticles(Vertx vertx) {
    try (TestApp app = TestApp.start(vertx, Map.of("httpInstances", QUEUE_INSTANCES));
         RedisMonitor monitor = RedisMonitor.start(app.config.redisUrl())) {
      awaitCondition("Redis to have served the application for " + WINDOW_SECONDS + " s", Duration.ofSeconds(30), () -> {
        List<Command> seen = monitor.commands();
        return seen.size() > 1 && seen.get(seen.size() - 1).micros() - seen.get(0).micros() > WINDOW_SECONDS * 1_000_000L;
      });
      List<Command> window = windowOf(monitor.commands());

      // Every call of a script goes out as EVALSHA first (an EVAL follows only when Redis lacks the script);
      // reap.lua is the only script called with these keys. The decided counter is read by the sampler only.
      long reaps = count(window, "\"evalsha\" \"\\w+\" \"3\" \"\\{s0}:processing\" \"\\{s0}:waiting\" \"\\{s0}:stats\" .*");
      long samples = count(window, "\"hmget\" \"\\{s0}:stats\" \"completed\" \"failed\" \"waitlisted\"");

      // Once a second, give or take a timer firing at either edge of the window: never once per queue verticle.
      // The lower bound only says the chores run at all (a loaded machine may delay a timer; it never adds one).
      long onePerSecond = WINDOW_SECONDS / (ShardChore.PERIOD_MILLIS / 1000);
      assertTrue(reaps >= 1 && reaps <= onePerSecond + 2,
          "shard 0 reaped " + reaps + " times in " + WINDOW_SECONDS + " s with " + QUEUE_INSTANCES + " queue verticles");
      assertTrue(samples >= 1 && samples <= onePerSecond + 2,
          "shard 0 sampled " + samples + " times in " + WINDOW_SECONDS + " s with " + QUEUE_INSTANCES + " queue verticles");
    }
  }

  private static long count(List<Command> commands, String regex) {
    Pattern pattern = Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    return commands.stream().filter(c -> pattern.matcher(c.words()).matches()).count();
  }

  /** The commands of the first {@link #WINDOW_SECONDS} seconds of the feed. */
  private static List<Command> windowOf(List<Command> commands) {
    long start = commands.get(0).micros();
    return commands.stream().filter(c -> c.micros() < start + WINDOW_SECONDS * 1_000_000L).toList();
  }
}
