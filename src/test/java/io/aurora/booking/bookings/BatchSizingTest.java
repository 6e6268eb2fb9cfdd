package io.aurora.booking.bookings;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchSizingTest {

  private final BatchSizing sizing = new BatchSizing(64, 1_024);

  @Test
  void aFullTakeDoublesTheNextOneUpToTheMost() {
    assertEquals(128, sizing.next(64, 64));
    assertEquals(256, sizing.next(128, 128));
    assertEquals(1_024, sizing.next(512, 512));
    assertEquals(1_024, sizing.next(1_024, 1_024));
  }

  @Test
  void aShortTakeFallsBackToTheBaseSize() {
    assertEquals(64, sizing.next(1_024, 1_023));
    assertEquals(64, sizing.next(64, 0));
    assertEquals(64, sizing.next(256, 10));
  }

  @Test
  void fixedBatchesNeverGrow() {
    BatchSizing fixed = new BatchSizing(64, 64);
    assertEquals(64, fixed.next(64, 64));
    BatchSizing oneByOne = new BatchSizing(1, 1);
    assertEquals(1, oneByOne.next(1, 1));
  }

  @Test
  void aMostBelowTheBaseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new BatchSizing(64, 32));
    assertThrows(IllegalArgumentException.class, () -> new BatchSizing(0, 32));
  }
}
