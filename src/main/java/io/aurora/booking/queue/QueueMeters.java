package io.aurora.booking.queue;

/**
 * What the queue records about itself. Implemented by the metrics feature; recording is in memory only,
 * never I/O on the enqueue path.
 */
public interface QueueMeters {

  /** Records nothing: for queue verticles deployed on their own (tests, tools). */
  QueueMeters NONE = new QueueMeters() {
    @Override
    public void jobEnqueued() {
    }

    @Override
    public void jobsRecovered(int count) {
    }

    @Override
    public void queueDepth(int shard, long waiting, long processing) {
    }
  };

  /** A booking request accepted into the queue by this node. */
  void jobEnqueued();

  /** Jobs whose lease ran out, handed back to the front of their queue. */
  void jobsRecovered(int count);

  /** The depth of a shard as last sampled from Redis. */
  void queueDepth(int shard, long waiting, long processing);
}
