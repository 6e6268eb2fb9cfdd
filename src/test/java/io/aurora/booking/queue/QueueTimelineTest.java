package io.aurora.booking.queue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operators' timeline as a pure structure: the ring keeps the last 15 minutes; the p99 of a wait histogram. */
class QueueTimelineTest {

  @Test
  void theRingKeepsTheLastFifteenMinutesOldestFirst() {
    QueueTimeline timeline = new QueueTimeline(2);
    int seconds = QueueTimeline.CAPACITY + 100;
    IntStream.range(0, seconds).forEach(i ->
        timeline.add(new QueueTimeline.Point(i * 1000L, i, 2L * i, 0, i % 2 == 0 ? -1 : 7, new long[] {i, 3})));

    JsonObject json = timeline.toJson();
    assertEquals(QueueTimeline.CAPACITY, json.getJsonArray("at").size());
    assertEquals(100_000L, json.getJsonArray("at").getLong(0), "the first 100 seconds were overwritten");
    assertEquals((seconds - 1) * 1000L, json.getJsonArray("at").getLong(QueueTimeline.CAPACITY - 1));
    assertEquals(2L * (seconds - 1), json.getJsonArray("decidedPerSecond").getLong(QueueTimeline.CAPACITY - 1));
    assertNull(json.getJsonArray("p99WaitMillis").getValue(0), "a second with nothing decided has no p99");
    assertEquals(7L, json.getJsonArray("p99WaitMillis").getLong(1));
    assertEquals(2, json.getJsonArray("depthPerShard").size());
    assertEquals(100L, json.getJsonArray("depthPerShard").getJsonArray(0).getLong(0));
    assertEquals(3L, json.getJsonArray("depthPerShard").getJsonArray(1).getLong(0));
  }

  @Test
  void theP99IsAnUpperBoundWithinAnEighthOfADoubling() {
    long[] histogram = new long[QueueTimeline.WAIT_BUCKETS];
    for (int i = 0; i < 980; i++) {
      histogram[QueueTimeline.waitBucket(5)]++;
    }
    for (int i = 0; i < 20; i++) {
      histogram[QueueTimeline.waitBucket(1_000)]++;
    }
    long p99 = QueueTimeline.p99(histogram);
    assertTrue(p99 >= 1_000 && p99 <= 1_000 * 1.1, "the slowest 2 % decide the p99: " + p99);

    histogram[QueueTimeline.waitBucket(1_000)] = 5;
    long p99Fast = QueueTimeline.p99(histogram);
    assertTrue(p99Fast >= 5 && p99Fast <= 6, "under 1 % slow: the p99 is the fast ones' " + p99Fast);

    assertEquals(-1, QueueTimeline.p99(new long[QueueTimeline.WAIT_BUCKETS]));
    assertEquals(0, QueueTimeline.waitBucket(0));
    assertEquals(QueueTimeline.WAIT_BUCKETS - 1, QueueTimeline.waitBucket(Long.MAX_VALUE));
  }
}
