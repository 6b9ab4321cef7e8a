package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.Prompt;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import ai.iro.onnx.features.ModelFeatures;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Feature sources: the model's own features, and sharing one computation among heads. */
class FeatureSourceTest {

  @Test
  void headsSharingOneSourceComputeFeaturesOncePerBatch() {
    CountingFeatures source = new CountingFeatures("fake:shared", 5);
    SplittableRandom r = new SplittableRandom(1);
    List<ValueExample> examples = new ArrayList<>();
    for (int e = 0; e < 40; e++) {
      examples.add(new ValueExample((e % 2 == 0 ? "good " : "bad ") + e, r.ints(4, 0, 9).toArray(), "t", e % 2));
    }
    MlpValueTrainer trainer = MlpValueTrainer.builder().features(source).hiddenSizes(8).epochs(2).build();
    TrainedValue first = trainer.train(examples, 1);
    TrainedValue second = trainer.train(examples, 2);
    ValueStack stack = ValueStack.empty().with(first.function(), 1).with(second.function(), 2);
    StateBatch batch = new StateBatch(List.of(State.of("good", new int[] {1}, "a"), State.of("bad", new int[] {2}, "b")));

    double[] scores = stack.score(batch);
    first.function().values(batch);

    assertThat(source.batchComputations).isEqualTo(1);
    assertThat(scores).hasSize(2);
    stack.score(new StateBatch(batch.states()));
    assertThat(source.batchComputations).isEqualTo(2);
  }

  @Test
  void modelFeaturesReadTheStatesFeatures() {
    ModelFeatures source = new ModelFeatures("kjv-tiny", 3, (prompt, tokens) -> new float[tokens.length + 1][3]);
    StateBatch batch = new StateBatch(List.of(
        new State("p", new int[] {1}, "a", Optional.of(new float[] {1, 2, 3})),
        new State("p", new int[] {2}, "b", Optional.of(new float[] {4, 5, 6}))));

    float[][] rows = batch.features(source);

    assertThat(source.id()).isEqualTo("model:kjv-tiny:last_hidden_state:3");
    assertThat(source.dimension()).isEqualTo(3);
    assertThat(rows).isDeepEqualTo(new float[][] {{1, 2, 3}, {4, 5, 6}});
    ModelFeatures sameModel = new ModelFeatures("kjv-tiny", 3, (prompt, tokens) -> new float[0][]);
    assertThat(batch.features(sameModel)).isSameAs(rows);
  }

  @Test
  void modelFeaturesNeedStatesWithFeatures() {
    ModelFeatures source = new ModelFeatures("remote", 3, (prompt, tokens) -> new float[tokens.length + 1][3]);

    assertThatThrownBy(() -> new StateBatch(List.of(State.of("p", new int[0], ""))).features(source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the base model provides no features; use a text encoder");
    StateBatch wrong = new StateBatch(List.of(new State("p", new int[0], "", Optional.of(new float[2]))));
    assertThatThrownBy(() -> wrong.features(source))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 features, expected 3");
  }

  @Test
  void modelPrefixFeaturesAreCheckedAndTrainAHead() {
    // A fake of OnnxCausalLM::prefixFeatures: the hidden state after each prefix.
    ModelFeatures.PrefixFeatures lm = (prompt, tokens) -> {
      float[][] rows = new float[tokens.length + 1][4];
      for (int j = 0; j <= tokens.length; j++) {
        rows[j][0] = prompt.startsWith("good") ? 1 : -1;
        rows[j][1] = j;
        rows[j][2] = j == 0 ? 0 : tokens[j - 1];
        rows[j][3] = 1;
      }
      return rows;
    };
    ModelFeatures source = new ModelFeatures("fake-lm", 4, lm);
    List<ValueExample> examples = new ArrayList<>();
    for (int e = 0; e < 60; e++) {
      examples.add(new ValueExample((e % 2 == 0 ? "good " : "bad ") + e, new int[] {e % 5, e % 3}, "t", e % 2 == 0 ? 1 : 0));
    }

    List<float[][]> prefixes = source.prefixFeatures(examples);
    MlpValueHead head = (MlpValueHead) MlpValueTrainer.builder().features(source).loss(Loss.BCE).build()
        .train(examples, 5).function();
    double[] v = head.values(new StateBatch(List.of(
        new State("good x", new int[] {1}, "a", Optional.of(lm.prefixFeatures("good x", new int[] {1})[1])),
        new State("bad x", new int[] {1}, "a", Optional.of(lm.prefixFeatures("bad x", new int[] {1})[1])))));

    assertThat(prefixes).hasSize(60);
    assertThat(prefixes.get(0)).hasNumberOfRows(3);
    assertThat(v[0]).isGreaterThan(0.9);
    assertThat(v[1]).isLessThan(0.1);

    ModelFeatures shortRows = new ModelFeatures("bad-lm", 4, (prompt, tokens) -> new float[tokens.length][4]);
    assertThatThrownBy(() -> shortRows.prefixFeatures(examples))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("2 rows, expected 3");
    ModelFeatures narrowRows = new ModelFeatures("bad-lm", 4, (prompt, tokens) -> new float[tokens.length + 1][3]);
    assertThatThrownBy(() -> narrowRows.prefixFeatures(examples))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("3 values, expected 4");
  }

  @Test
  void modelFeaturesCallTheBatchMethodOnceForAllExamples() {
    List<Integer> batchSizes = new ArrayList<>();
    ModelFeatures.PrefixFeatures batched = new ModelFeatures.PrefixFeatures() {
      @Override
      public float[][] prefixFeatures(String prompt, int[] tokens) {
        throw new AssertionError("the batch method is overridden: one response at a time is not called");
      }

      @Override
      public List<float[][]> prefixFeatures(List<Prompt> prompts, List<int[]> tokens) {
        batchSizes.add(prompts.size());
        List<float[][]> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          float[][] rows = new float[tokens.get(i).length + 1][2];
          rows[0][0] = i;
          out.add(rows);
        }
        return out;
      }
    };
    List<ValueExample> examples = List.of(new ValueExample("a", new int[] {1, 2}, "t", 1),
        new ValueExample("b", new int[0], "", 0), new ValueExample("c", new int[] {3}, "t", 1));

    List<float[][]> rows = new ModelFeatures("batched", 2, batched).prefixFeatures(examples);

    assertThat(batchSizes).containsExactly(3);
    assertThat(rows).extracting(r -> r.length).containsExactly(3, 1, 2);
    assertThat(rows).extracting(r -> r[0][0]).containsExactly(0f, 1f, 2f);
    ModelFeatures.PrefixFeatures dropsOne = new ModelFeatures.PrefixFeatures() {
      @Override
      public float[][] prefixFeatures(String prompt, int[] tokens) {
        return new float[tokens.length + 1][2];
      }

      @Override
      public List<float[][]> prefixFeatures(List<Prompt> prompts, List<int[]> tokens) {
        return List.of(new float[3][2], new float[1][2]);
      }
    };
    assertThatThrownBy(() -> new ModelFeatures("short", 2, dropsOne).prefixFeatures(examples))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("3 examples came back as 2 matrices");
  }

  @Test
  void theDefaultBatchMethodCallsTheOneResponseMethodInOrder() {
    ModelFeatures.PrefixFeatures lm = (prompt, tokens) -> new float[][] {{prompt.length(), tokens.length}};
    List<float[][]> rows = lm.prefixFeatures(List.of(Prompt.of("a"), Prompt.of("bbb")), List.of(new int[0], new int[] {1, 2}));
    assertThat(rows).extracting(r -> r[0][0]).containsExactly(1f, 3f);
    assertThat(rows).extracting(r -> r[0][1]).containsExactly(0f, 2f);
    assertThatThrownBy(() -> lm.prefixFeatures(List.of(Prompt.of("a")), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 prompts but 0 responses");
  }

  @Test
  void modelFeaturesRejectBadArguments() {
    assertThatThrownBy(() -> new ModelFeatures("m", 0, (p, t) -> new float[0][]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension must be positive, found 0");
    assertThatThrownBy(() -> new ModelFeatures(" ", 3, (p, t) -> new float[0][]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("modelName");
  }
}
