package io.aurora.booking.cluster;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardAssignmentTest {

  private static final Random RANDOM = new Random(42);

  @Test
  void everyShardHasExactlyOneOwnerAndTheSpreadIsEven() {
    for (int nodes = 1; nodes <= 9; nodes++) {
      for (int shards = 1; shards <= 40; shards++) {
        List<String> ids = nodeIds(nodes);
        List<String> owners = ShardAssignment.assign(ids, shards);
        assertEquals(shards, owners.size());
        Map<String, Integer> load = new HashMap<>();
        ids.forEach(id -> load.put(id, 0));
        for (String owner : owners) {
          assertNotNull(owner);
          load.merge(owner, 1, Integer::sum);
        }
        int min = Collections.min(load.values());
        int max = Collections.max(load.values());
        assertTrue(max - min <= 1, shards + " shards on " + nodes + " nodes: " + load.values());
      }
    }
  }

  @Test
  void eightShardsOnThreeNodesAreThreeThreeTwo() {
    List<String> owners = ShardAssignment.assign(nodeIds(3), 8);
    Map<String, Integer> load = new HashMap<>();
    owners.forEach(o -> load.merge(o, 1, Integer::sum));
    List<Integer> counts = new ArrayList<>(load.values());
    Collections.sort(counts);
    assertEquals(List.of(2, 3, 3), counts);
  }

  @Test
  void everyNodeComputesTheSameAssignmentWhateverOrderItSeesTheMembersIn() {
    List<String> ids = nodeIds(5);
    List<String> expected = ShardAssignment.assign(ids, 16);
    for (int i = 0; i < 20; i++) {
      List<String> shuffled = new ArrayList<>(ids);
      Collections.shuffle(shuffled, RANDOM);
      assertEquals(expected, ShardAssignment.assign(shuffled, 16));
    }
  }

  @Test
  void noNodesMeansNoOwners() {
    assertEquals(Collections.nCopies(4, null), ShardAssignment.assign(List.of(), 4));
  }

  @Test
  void aNodeLeavingMovesItsOwnShardsAndFewOthers() {
    int trials = 200;
    int extraMoves = 0;
    for (int t = 0; t < trials; t++) {
      List<String> ids = nodeIds(3);
      List<String> before = ShardAssignment.assign(ids, 8);
      String leaving = ids.get(RANDOM.nextInt(3));
      List<String> after = ShardAssignment.assign(ids.stream().filter(id -> !id.equals(leaving)).toList(), 8);
      for (int s = 0; s < 8; s++) {
        if (!before.get(s).equals(leaving) && !before.get(s).equals(after.get(s))) {
          extraMoves++;
        }
      }
    }
    // Round-robin over the sorted list would move about half of the survivors' shards as well.
    assertTrue(extraMoves <= trials / 2, "survivors' shards moved on average " + (double) extraMoves / trials);
  }

  @Test
  void aNodeJoiningTakesOverAboutItsShareAndLittleMore() {
    int trials = 200;
    int moves = 0;
    for (int t = 0; t < trials; t++) {
      List<String> ids = nodeIds(3);
      List<String> before = ShardAssignment.assign(ids.subList(0, 2), 8);
      List<String> after = ShardAssignment.assign(ids, 8);
      for (int s = 0; s < 8; s++) {
        if (!before.get(s).equals(after.get(s))) {
          moves++;
        }
      }
    }
    // The newcomer's fair share is 2 or 3 of 8; moving only those is the minimum.
    assertTrue(moves <= trials * 3.5, "moves on average " + (double) moves / trials);
  }

  private static List<String> nodeIds(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(new UUID(RANDOM.nextLong(), RANDOM.nextLong()).toString());
    }
    return ids;
  }
}
