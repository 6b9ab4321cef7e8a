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

  @Test
  void residualTargetsAreTheTargetsMinusTheEarlierStacksScore() {
    CountingFeatures source = new CountingFeatures("fake:residual", 4);
    List<ValueExample> first = new ArrayList<>();
    List<ValueExample> second = new ArrayList<>();
    for (int e = 0; e < 40; e++) {
      first.add(new ValueExample("good " + e, new int[] {e % 5, 2}, "x", 2.0));
      first.add(new ValueExample("bad " + e, new int[] {e % 5}, "x", -1.0));
      second.add(new ValueExample("good " + e, new int[] {e % 3, 1, 4}, "x", 1.0 + 0.1 * (e % 4)));
      second.add(new ValueExample("bad " + e, new int[] {e % 3}, "x", 0.5));
    }
    TrainedValue earlier = trainer(source).build().train(first, 1);
    ValueStack stack = ValueStack.empty().with(earlier.function(), 2.0);
    // The same run by hand: every prefix target minus the stack's score (V / beta) of that prefix.
    List<ValueExample> byHand = new ArrayList<>();
    for (ValueExample e : second) {
      int[] tokens = e.responseTokens();
      double[] targets = new double[tokens.length + 1];
      for (int j = 0; j <= tokens.length; j++) {
        targets[j] = e.target(j) - valueOf(earlier, e.prompt(), java.util.Arrays.copyOf(tokens, j)) / 2.0;
      }
      byHand.add(new ValueExample(e.prompt(), tokens, e.responseText(), e.target(), targets, e.weight()));
    }
    TrainedValue residual = trainer(source).residual(true).build().train(second, stack, 4);
    TrainedValue reference = trainer(source).build().train(byHand, ValueStack.empty(), 4);
    TrainedValue plain = trainer(source).build().train(second, stack, 4);
    TrainedValue streamed = trainer(source).residual(true).memoryBudget(0).featureChunk(7).build()
        .train(second, stack, 4);
    for (String prompt : new String[] {"good 1", "bad 2", "good 7"}) {
      for (int[] tokens : new int[][] {{}, {1}, {1, 1, 4}}) {
        assertThat(valueOf(residual, prompt, tokens)).as("%s %s", prompt, java.util.Arrays.toString(tokens))
            .isEqualTo(valueOf(reference, prompt, tokens))
            .isEqualTo(valueOf(streamed, prompt, tokens));
      }
    }
    assertThat(Math.abs(valueOf(plain, "good 1", new int[] {1}) - valueOf(residual, "good 1", new int[] {1})))
        .as("the residual head differs from a head fitted to the targets").isGreaterThan(0.3);
    // With no earlier head the residual is the target itself.
    assertThat(valueOf(trainer(source).residual(true).build().train(second, ValueStack.empty(), 4), "bad 2",
        new int[] {1})).isEqualTo(valueOf(plain, "bad 2", new int[] {1}));
    assertThat(trainer(source).residual(true).build().describe().orElseThrow()).contains("residual=true");
    assertThat(trainer(source).build().describe().orElseThrow()).doesNotContain("residual=");
  }

  @Test
  void residualTargetsRefuseBceAndEarlierHeadsOfOtherFeatures() {
    CountingFeatures source = new CountingFeatures("fake:residual-a", 4);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer(source).residual(true).loss(Loss.BCE).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs Loss.MSE");
    List<ValueExample> examples = List.of(new ValueExample("good", new int[] {1}, "x", 1.0));
    TrainedValue other = trainer(new CountingFeatures("fake:residual-b", 4)).build().train(examples, 1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer(source).residual(true).build()
        .train(examples, ValueStack.empty().with(other.function(), 1.0), 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fake:residual-b");
  }

  /**
   * An earlier value function of the user's own (not a head of this library) that reads features
   * the trainer's rows do not carry: the error says that residual scoring is why, and keeps the
   * function's own message.
   */
  @Test
  void residualTargetsExplainAnEarlierFunctionThatCannotReadTheTrainersRows() {
    CountingFeatures source = new CountingFeatures("fake:residual-a", 4);
    ai.iro.core.value.FeatureSource other = new ai.iro.core.value.FeatureSource() {
      @Override
      public String id() {
        return "fake:residual-c";
      }

      @Override
      public int dimension() {
        return 4;
      }

      @Override
      public float[][] compute(StateBatch batch) {
        throw new IllegalArgumentException("state 0 has no features of fake:residual-c");
      }

      @Override
      public List<float[][]> prefixFeatures(List<ValueExample> examples) {
        throw new UnsupportedOperationException("not read here");
      }
    };
    ai.iro.core.value.ValueFunction custom = states -> new double[] {states.features(other)[0][0]};
    List<ValueExample> examples = List.of(new ValueExample("good", new int[] {1}, "x", 1.0));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer(source).residual(true).build()
        .train(examples, ValueStack.empty().with(custom, 1.0), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("residual targets score the earlier heads on this trainer's feature rows (fake:residual-a)")
        .hasMessageContaining("state 0 has no features of fake:residual-c")
        .hasMessageContaining("residual(false)");
  }
}
