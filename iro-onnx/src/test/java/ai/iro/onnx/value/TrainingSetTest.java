package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.value.ValueExample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The held-out split is made per example, never per state (guards against a leak: the prefixes of
 * one response on both sides of the split make the held-out loss optimistic and early stopping
 * blind).
 */
class TrainingSetTest {
  @Test
  void heldOutSplitKeepsEveryExamplesPrefixesOnOneSide() {
    List<ValueExample> examples = new ArrayList<>();
    List<Integer> exampleOfRow = new ArrayList<>();
    for (int e = 0; e < 40; e++) {
      int length = 1 + e % 7;
      int[] tokens = new int[length];
      for (int j = 0; j < length; j++) {
        tokens[j] = 3 + (e * 31 + j) % 50;
      }
      examples.add(new ValueExample("prompt " + e, tokens, "response " + e, e % 5));
      for (int j = 0; j <= length; j++) {
        exampleOfRow.add(e);
      }
    }
    TrainingSet set = TrainingSet.ofExamples(new CountingFeatures("fake:4", 4), examples, Loss.MSE);
    for (long seed = 1; seed <= 20; seed++) {
      TrainingSet.Split split = set.split(0.25, new SplittableRandom(seed));
      Set<Integer> trainExamples = new HashSet<>();
      Set<Integer> validExamples = new HashSet<>();
      for (int r : split.train()) {
        trainExamples.add(exampleOfRow.get(r));
      }
      for (int r : split.valid()) {
        validExamples.add(exampleOfRow.get(r));
      }
      assertThat(validExamples).as("held-out examples, seed %s", seed).hasSize(10).doesNotContainAnyElementsOf(trainExamples);
      assertThat(split.train().length + split.valid().length).isEqualTo(exampleOfRow.size());
    }
  }
}
