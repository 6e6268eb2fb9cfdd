package io.aurora.booking.infra;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the read replica may serve reads, and what its lag gauge says, as its probes come and go. */
class ReplicaStateTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aReplicaIsReadFromOnlyOnceItAnsweredWithinTheLagLimit() {
    ReplicaState state = new ReplicaState(5);
    assertFalse(state.usable(), "not before its first answer");
    assertTrue(Double.isNaN(state.lagSeconds()));
    assertTrue(state.answered(0.5, 0), "its first answer brings it in");
    assertTrue(state.usable());
    assertFalse(state.answered(5, SECOND), "still answering");
    assertTrue(state.usable(), "at the limit");
    state.answered(5.1, 2 * SECOND);
    assertFalse(state.usable(), "too far behind: reads go to the primary");
    assertTrue(state.answering());
    state.answered(0, 3 * SECOND);
    assertTrue(state.usable(), "caught up again");
  }

  @Test
  void whileTheReplicaDoesNotAnswerItsLagKeepsGrowingFromTheLastKnownOne() {
    ReplicaState state = new ReplicaState(30);
    state.answered(2, 10 * SECOND);
    assertTrue(state.unreachable(), "it was answering");
    assertFalse(state.unreachable(), "reported once");
    assertFalse(state.usable());
    assertEquals(2, state.lagSeconds(10 * SECOND), 1e-9);
    assertEquals(9, state.lagSeconds(17 * SECOND), 1e-9);
    assertTrue(state.answered(0, 20 * SECOND), "back");
    assertEquals(0, state.lagSeconds(25 * SECOND), 1e-9);
  }

  @Test
  void aNegativeLagFromClockSkewCountsAsNone() {
    ReplicaState state = new ReplicaState(1);
    state.answered(-0.2, 0);
    assertEquals(0, state.lagSeconds(0), 1e-9);
    assertTrue(state.usable());
  }
}
