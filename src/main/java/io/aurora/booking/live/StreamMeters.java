package io.aurora.booking.live;

/**
 * What the live status streams record ({@code metrics.BookingMetrics} implements it): how many are open on
 * this node, and how many events they sent.
 */
public interface StreamMeters {

  void streamOpened();

  void streamClosed();

  /** Events written to streams (the initial state, positions, final outcomes; not heartbeats). */
  void streamEventsSent(int events);

  /** Records nothing (verticles deployed on their own, tests). */
  StreamMeters NONE = new StreamMeters() {
    @Override
    public void streamOpened() {
    }

    @Override
    public void streamClosed() {
    }

    @Override
    public void streamEventsSent(int events) {
    }
  };
}
