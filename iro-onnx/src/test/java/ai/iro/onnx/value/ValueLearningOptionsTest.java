package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The value-learning options beyond the paper: loss weights, per-prefix targets and warm start. */
class ValueLearningOptionsTest {
  private static final double TOLERANCE = 0.15;

  private static MlpValueTrainer.Builder trainer(CountingFeatures source) {
    return MlpValueTrainer.builder().features(source).validationFraction(0).epochs(30).batchSize(16).learningRate(3e-3);
  }

  /** The same state ("good n" with no tokens) seen with target 0 and 1; only the weights differ. */
  private static List<ValueExample> conflicting(double weightOfOne) {
    List<ValueExample> examples = new ArrayList<>();
    for (int e = 0; e < 40; e++) {
      examples.add(new ValueExample("good", new int[0], "", 0.0, new double[] {0.0}, 1.0));
      examples.add(new ValueExample("good", new int[0], "", 1.0, new double[] {1.0}, weightOfOne));
      examples.add(new ValueExample("bad", new int[0], "", 0.5));
    }
    return examples;
  }

  private static double valueOf(TrainedValue trained, String prompt, int[] tokens) {
    return trained.function().values(new StateBatch(List.of(State.of(prompt, tokens, "x"))))[0];
  }

  @Test
  void weightsPullTheFitTowardTheHeavierTargets() {
    CountingFeatures source = new CountingFeatures("fake:weights", 4);
    double even = valueOf(trainer(source).build().train(conflicting(1), 3), "good", new int[0]);
    double tilted = valueOf(trainer(source).build().train(conflicting(3), 3), "good", new int[0]);
    assertThat(even).isCloseTo(0.5, within(TOLERANCE));
    assertThat(tilted).isCloseTo(0.75, within(TOLERANCE));
  }

  @Test
  void eachPrefixTrainsTowardItsOwnTarget() {
    CountingFeatures source = new CountingFeatures("fake:prefix", 4);
    List<ValueExample> examples = new ArrayList<>();
    for (int e = 0; e < 60; e++) {
      examples.add(new ValueExample("good", new int[] {3}, "x", 1.0, new double[] {-1.0, 1.0}, 1.0));
    }
    TrainedValue trained = trainer(source).build().train(examples, 5);
    assertThat(valueOf(trained, "good", new int[0])).isCloseTo(-1.0, within(TOLERANCE));
    assertThat(valueOf(trained, "good", new int[] {3})).isCloseTo(1.0, within(TOLERANCE));
  }

  @Test
  void aWarmStartBeginsFromThePreviousHeadsPredictions() {
    CountingFeatures source = new CountingFeatures("fake:warm", 4);
    List<ValueExample> first = new ArrayList<>();
    List<ValueExample> second = new ArrayList<>();
    for (int e = 0; e < 60; e++) {
      first.add(new ValueExample("good " + e, new int[] {e % 5}, "x", 3.0));
      first.add(new ValueExample("bad " + e, new int[] {e % 5}, "x", -3.0));
      second.add(new ValueExample("good " + e, new int[] {e % 5}, "x", 0.1 * (e % 3)));
    }
    TrainedValue previous = trainer(source).build().train(first, 1);
    ValueStack stack = ValueStack.empty().with(previous.function(), 1.0);
    // A learning rate too small to move the weights: the head is the previous one, rescaled twice.
    MlpValueTrainer frozen = trainer(source).learningRate(1e-12).epochs(1).warmStart(true).build();
    TrainedValue warm = frozen.train(second, stack, 2);
    for (String prompt : new String[] {"good 1", "bad 2"}) {
      assertThat(valueOf(warm, prompt, new int[] {1})).isCloseTo(valueOf(previous, prompt, new int[] {1}), within(1e-3));
    }
    // Without warm start the same run begins from random weights and ends far from it.
    TrainedValue cold = trainer(source).learningRate(1e-12).epochs(1).build().train(second, stack, 2);
    assertThat(Math.abs(valueOf(cold, "bad 2", new int[] {1}) - valueOf(previous, "bad 2", new int[] {1})))
        .isGreaterThan(1.0);
    assertThat(frozen.describe().orElseThrow()).contains("warmStart=true");
    assertThat(trainer(source).build().describe().orElseThrow()).doesNotContain("warmStart");
  }

  @Test
  void aWarmStartIgnoresAHeadOfAnotherArchitecture() {
    CountingFeatures source = new CountingFeatures("fake:arch", 4);
    List<ValueExample> examples = new ArrayList<>();
    for (int e = 0; e < 30; e++) {
      examples.add(new ValueExample("good " + e, new int[] {e % 5}, "x", 1.0));
    }
    TrainedValue narrow = trainer(source).hiddenSizes(8).build().train(examples, 1);
    ValueStack stack = ValueStack.empty().with(narrow.function(), 1.0);
    MlpValueTrainer wide = trainer(source).hiddenSizes(16).warmStart(true).build();
    assertThat(valueOf(wide.train(examples, stack, 3), "good 1", new int[] {1}))
        .isEqualTo(valueOf(wide.train(examples, ValueStack.empty(), 3), "good 1", new int[] {1}));
  }
}
