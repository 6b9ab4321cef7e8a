package ai.iro.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every random stream of a run has a seed of its own (guards against the trainer's seed being
 * derived like a search batch's: {@code derive(seed, t, 0x7EA1)} was batch 32417's seed).
 */
class AlignmentSeedsTest {
  private static final int ITERATIONS = 4;
  private static final int BATCHES = 40_000;

  @Test
  void searchReweightTrainingAndPromptOrderSeedsNeverCoincide() {
    for (long seed : new long[] {0, 42, -7}) {
      Set<Long> seen = new HashSet<>();
      int streams = 0;
      for (int t = 1; t <= ITERATIONS; t++) {
        for (int batch = 0; batch < BATCHES; batch++) {
          seen.add(AlignmentSeeds.search(seed, t, batch));
          seen.add(AlignmentSeeds.reweight(seed, t, batch));
          streams += 2;
        }
        seen.add(AlignmentSeeds.training(seed, t));
        streams++;
      }
      seen.add(AlignmentSeeds.promptOrder(seed));
      streams++;
      assertThat(seen).as("distinct seeds for base seed %s", seed).hasSize(streams);
      assertThat(AlignmentSeeds.training(seed, 1)).isNotEqualTo(AlignmentSeeds.search(seed, 1, 0x7EA1));
    }
  }
}
