package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.Prompt;
import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.ValueExample;
import ai.iro.onnx.features.ModelFeatures;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HiddenFeatures#LAST_AND_MEAN}: the last hidden state and the mean of the response's hidden
 * states, the same in decoding (through forks) as in the prefix features, and a feature id of its own.
 */
class PooledFeaturesTest {
  private static final List<String> PROMPTS = List.of("And the LORD spake unto Moses", "In the beginning");
  private static final double TOLERANCE = EquivalenceContract.HIDDEN_TOLERANCE;

  private static OnnxCausalLM last;
  private static OnnxCausalLM pooled;
  private static int width;

  @TempDir
  Path tmp;

  @BeforeAll
  static void load() {
    last = OnnxCausalLM.load(ShippedModel.directory());
    pooled = last.toBuilder().hiddenFeatures(HiddenFeatures.LAST_AND_MEAN).build();
    width = last.hiddenSize().orElseThrow();
  }

  @AfterAll
  static void close() {
    pooled.close();
    last.close();
  }

  /** What the pooled features of every prefix must be, from the last hidden states of every prefix. */
  private static float[][] expectedPooled(float[][] hidden) {
    float[][] out = new float[hidden.length][2 * width];
    double[] sum = new double[width];
    for (int j = 0; j < hidden.length; j++) {
      System.arraycopy(hidden[j], 0, out[j], 0, width);
      for (int k = 0; k < width; k++) {
        if (j > 0) {
          sum[k] += hidden[j][k];
        }
        out[j][width + k] = j == 0 ? hidden[0][k] : (float) (sum[k] / j);
      }
    }
    return out;
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double worst = 0;
    for (int k = 0; k < a.length; k++) {
      worst = Math.max(worst, Math.abs(a[k] - b[k]));
    }
    return worst;
  }

  @Test
  void prefixFeaturesAreTheLastStateAndTheMeanOverTheResponse() {
    int[] response = last.encode(" and said, Speak unto the children of Israel");
    float[][] hidden = last.prefixFeatures(PROMPTS.get(0), response);
    float[][] features = pooled.prefixFeatures(PROMPTS.get(0), response);
    float[][] expected = expectedPooled(hidden);
    assertThat(features).hasNumberOfRows(response.length + 1);
    for (int j = 0; j < features.length; j++) {
      assertThat(features[j]).as("prefix %s", j).hasSize(2 * width).containsExactly(expected[j]);
    }
    // The batched passes pool the same way.
    List<float[][]> batched = pooled.prefixFeatures(List.of(Prompt.of(PROMPTS.get(1)), Prompt.of(PROMPTS.get(0))),
        List.of(new int[0], response));
    assertThat(batched.get(0)).hasNumberOfRows(1);
    assertThat(maxAbsDifference(batched.get(0)[0], expectedPooled(last.prefixFeatures(PROMPTS.get(1), new int[0]))[0]))
        .as("the empty response: the state after the prompt, twice").isLessThan(TOLERANCE);
    for (int j = 0; j < features.length; j++) {
      assertThat(maxAbsDifference(batched.get(1)[j], features[j])).as("batched prefix %s", j).isLessThan(TOLERANCE);
    }
  }

  @Test
  void decodingFeaturesEqualThePrefixFeaturesThroughForks() {
    Sampling sampling = Sampling.builder().maxNewTokens(12).build();
    try (Decoding d = pooled.open(PROMPTS, sampling, 7)) {
      checkAgainstPrefixes(d);
      d.extend(3);
      checkAgainstPrefixes(d);
      // Forks: row 1 three times, row 0 once; the copies then sample apart.
      d.reorder(new int[] {1, 0, 1, 1});
      checkAgainstPrefixes(d);
      for (int chunk = 0; chunk < 3; chunk++) {
        d.extend(3);
        checkAgainstPrefixes(d);
      }
      assertThat(d.responseTokens(2)).as("the forks sampled apart").isNotEqualTo(d.responseTokens(3));
      d.reorder(new int[] {2, 2, 3});
      d.extend(2);
      checkAgainstPrefixes(d);
    }
  }

  /** Every row's decoding features equal the pooled prefix features of its prompt and response. */
  private static void checkAgainstPrefixes(Decoding d) {
    float[][] features = d.features().orElseThrow();
    assertThat(features).hasNumberOfRows(d.size());
    for (int r = 0; r < d.size(); r++) {
      int[] response = d.responseTokens(r);
      float[][] prefixes = pooled.prefixFeatures(d.prompt(r), response);
      assertThat(maxAbsDifference(features[r], prefixes[response.length]))
          .as("row %s after %s tokens", r, response.length).isLessThan(TOLERANCE);
    }
  }

  @Test
  void theKindIsPartOfTheIdAndHeadsLoadOnlyAgainstTheirKind() throws Exception {
    ModelFeatures plain = last.features();
    ModelFeatures both = pooled.features();
    assertThat(last.hiddenFeatures()).isEqualTo(HiddenFeatures.LAST);
    assertThat(pooled.hiddenFeatures()).isEqualTo(HiddenFeatures.LAST_AND_MEAN);
    assertThat(pooled.toBuilder().build().hiddenFeatures()).as("kept by toBuilder").isEqualTo(HiddenFeatures.LAST_AND_MEAN);
    assertThat(plain.id()).endsWith(":last_hidden_state:" + width);
    assertThat(both.id()).isEqualTo(plain.id().replace(":last_hidden_state:" + width,
        ":last_and_mean_hidden_state:" + 2 * width));
    assertThat(both.dimension()).isEqualTo(2 * width);
    String prompt = PROMPTS.get(0);
    List<ValueExample> examples = List.of(
        new ValueExample(prompt, pooled.encode(" unto Moses"), " unto Moses", 1),
        new ValueExample(prompt, pooled.encode(" and said"), " and said", 0));
    SavableValueFunction head = (SavableValueFunction) MlpValueTrainer.builder().features(both).hiddenSizes(4)
        .epochs(1).build().train(examples, 3).function();
    Path dir = tmp.resolve("head");
    head.save(java.nio.file.Files.createDirectories(dir));
    assertThat(MlpValueHead.loader(pooled.features()).load(dir)).isInstanceOf(MlpValueHead.class);
    assertThatThrownBy(() -> MlpValueHead.loader(plain).load(dir)).isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(both.id()).hasMessageContaining(plain.id());
  }

  @Test
  void aBadFeatureNameIsRefused() {
    assertThatThrownBy(() -> new ModelFeatures("m", "last hidden", 4, (p, r) -> new float[r.length + 1][4]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("last hidden");
  }
}
