package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.Prompt;
import ai.iro.core.value.ValueExample;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OnnxCausalLM#prefixFeatures(List, List)}, many responses in few left-padded passes, against
 * the one-row {@link OnnxCausalLM#prefixFeatures(String, int[])} on the shipped model.
 */
class BatchedPrefixFeaturesTest {
  /**
   * Largest allowed difference between a feature from a batched pass and from the response's own
   * pass: padding changes the shapes, hence the order of floating-point sums (observed: 2.7e-6 on
   * these responses, 5.6e-6 on 320 sampled ones; a pass of one unpadded row is bitwise equal).
   */
  private static final double BATCH_TOLERANCE = 1e-4;
  private static final List<String> PROMPTS = List.of("And", "And the LORD spake unto Moses, saying",
      "In the beginning God created the heaven and the earth. And the earth was without form", "Blessed are the");
  /** Response lengths: none, one token, and lengths that leave rows of one pass padded differently. */
  private static final int[] RESPONSE_LENGTHS = {0, 1, 5, 13, 30, 47};

  private static OnnxCausalLM lm;
  private static List<String> prompts;
  private static List<int[]> responses;
  private static List<float[][]> alone;

  private static List<Prompt> records(List<String> texts) {
    return Prompt.ofTexts(texts);
  }

  @BeforeAll
  static void load() {
    lm = OnnxCausalLM.load(ShippedModel.directory());
    prompts = new ArrayList<>();
    responses = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(7);
    // Every prompt with every length, the lengths rotated per prompt so that neither the prompts nor
    // the lengths come in sorted order.
    for (int p = 0; p < PROMPTS.size(); p++) {
      for (int k = 0; k < RESPONSE_LENGTHS.length; k++) {
        prompts.add(PROMPTS.get(p));
        responses.add(random.ints(RESPONSE_LENGTHS[(k + p) % RESPONSE_LENGTHS.length], 0, lm.vocabularySize())
            .toArray());
      }
    }
    alone = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      alone.add(lm.prefixFeatures(prompts.get(i), responses.get(i)));
    }
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  private static void assertEqualsAlone(List<float[][]> batched) {
    assertThat(batched).hasSize(alone.size());
    for (int i = 0; i < alone.size(); i++) {
      assertThat(batched.get(i)).as("response %s", i).hasNumberOfRows(responses.get(i).length + 1);
      for (int j = 0; j < alone.get(i).length; j++) {
        assertThat(maxAbsDifference(batched.get(i)[j], alone.get(i)[j])).as("response %s, prefix %s", i, j)
            .isLessThanOrEqualTo(BATCH_TOLERANCE);
      }
    }
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double worst = 0;
    for (int k = 0; k < a.length; k++) {
      worst = Math.max(worst, Math.abs((double) a[k] - b[k]));
    }
    return worst;
  }

  @Test
  void batchedFeaturesEqualEachResponsesOwnPassInOrder() {
    // The default budget holds all 24 sequences in one pass, padded to the longest.
    assertThat(PrefixPass.passes(lengths(), PrefixPass.DEFAULT_TOKEN_BUDGET)).hasSize(1);
    assertEqualsAlone(lm.prefixFeatures(records(prompts), responses));
  }

  @Test
  void aSmallBudgetSplitsTheListIntoSeveralPassesWithTheSameFeatures() {
    int budget = 200;
    // Several passes, and fewer than sequences: some pass pads rows of unlike lengths.
    assertThat(PrefixPass.passes(lengths(), budget)).as("passes under a budget of %s tokens", budget)
        .hasSizeBetween(3, prompts.size() - 1);
    assertEqualsAlone(lm.prefixFeatures(records(prompts), responses, budget));
    // A budget below every sequence's length: one sequence per pass.
    assertThat(PrefixPass.passes(lengths(), 1)).hasSize(prompts.size());
    assertEqualsAlone(lm.prefixFeatures(records(prompts), responses, 1));
  }

  @Test
  void theFeaturesOfDistinctResponsesDiffer() {
    // Else equality with each response's own pass would not show that the order is kept.
    List<float[][]> batched = lm.prefixFeatures(records(prompts), responses, 200);
    for (int i = 1; i < batched.size(); i++) {
      float[] last = batched.get(i)[batched.get(i).length - 1];
      float[] before = batched.get(i - 1)[batched.get(i - 1).length - 1];
      assertThat(maxAbsDifference(last, before)).as("responses %s and %s", i - 1, i)
          .isGreaterThan(100 * BATCH_TOLERANCE);
    }
  }

  @Test
  void modelFeaturesUseTheBatchedPasses() {
    List<ValueExample> examples = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      examples.add(new ValueExample(prompts.get(i), responses.get(i), "t", i % 2));
    }
    assertEqualsAlone(lm.features().prefixFeatures(examples));
  }

  @Test
  void leftPaddedRowsArePaddedMaskedAndCountPositionsFromTheirFirstToken() throws OrtException {
    // The shipped model's rotary positions hide an error in the position ids: shifting a row's
    // positions shifts its queries and keys alike, and attention reads only their difference. So
    // the inputs of a padded pass are checked here as they are fed.
    ModelDirectory files = ModelDirectory.read(ShippedModel.directory(), Optional.empty(), Optional.empty());
    try (DecoderRuntime runtime = DecoderRuntime.open(files, ExecutionOptions.cpu(1));
        ModelInputs inputs = runtime.newInputs()) {
      int pad = runtime.spec().padId();
      assertThat(inputs.fillRows(new int[][] {{5, 6, 7}, {8}}, true)).containsExactly(0, 2);
      Map<String, OnnxTensorLike> feed = inputs.feed();
      assertThat(longs(feed.get(DecoderSpec.INPUT_IDS))).containsExactly(5, 6, 7, pad, pad, 8);
      assertThat(longs(feed.get(DecoderSpec.ATTENTION_MASK))).containsExactly(1, 1, 1, 0, 0, 1);
      assertThat(longs(feed.get(runtime.spec().positionIdsInput().orElseThrow()))).containsExactly(0, 1, 2, 0, 0, 0);
      inputs.release();
    }
  }

  private static long[] longs(OnnxTensorLike tensor) throws OrtException {
    return (long[]) ((OnnxTensor) tensor).getLongBuffer().array();
  }

  @Test
  void passesPackTheLongestFirstWithinTheBudget() {
    int[] lengths = {3, 9, 4, 9, 1, 12, 2};
    List<int[]> passes = PrefixPass.passes(lengths, 20);
    assertThat(passes).containsExactly(new int[] {5}, new int[] {1, 3}, new int[] {2, 0, 6, 4});
    assertThat(PrefixPass.passes(new int[0], 20)).isEmpty();
    assertThat(lm.prefixFeatures(List.of(), List.of())).isEmpty();
  }

  @Test
  void badResponsesAreRejectedNamingTheirIndex() {
    int[] ok = {1, 2};
    assertThatThrownBy(() -> lm.prefixFeatures(records(List.of("And", "And", "And")), List.of(ok, ok, new int[] {1, 2048})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("response 2")
        .hasMessageContaining("token id 2048 at response position 1")
        .hasMessageContaining("outside the vocabulary [0, 2048)");
    assertThatThrownBy(() -> lm.prefixFeatures(records(List.of("And", "And")), List.of(ok, new int[] {-1})))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("response 1").hasMessageContaining("-1");
    int[] tooLong = new int[lm.contextLength()];
    assertThatThrownBy(() -> lm.prefixFeatures(records(List.of("And", "And the")), List.of(ok, tooLong)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("response 1")
        .hasMessageContaining("past the context of " + lm.contextLength() + " tokens");
    assertThatThrownBy(() -> lm.prefixFeatures(records(List.of("And", "And")), List.of(ok)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 prompts but 1 responses");
    assertThatThrownBy(() -> lm.prefixFeatures(Arrays.asList(Prompt.of("And"), null), List.of(ok, ok)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("prompt 1");
    assertThatThrownBy(() -> lm.prefixFeatures(records(List.of("And", "And")), Arrays.asList(ok, null)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("response 1");
  }

  @Test
  void aResponseFillingTheContextIsAccepted() {
    int[] prompt = lm.encodePrompt("And");
    int[] fills = new int[lm.contextLength() - prompt.length];
    Arrays.fill(fills, 5);
    List<float[][]> batched = lm.prefixFeatures(records(List.of("And", "And")), List.of(fills, new int[] {5}), 1);
    assertThat(batched.get(0)).hasNumberOfRows(fills.length + 1);
    assertThat(maxAbsDifference(batched.get(1)[1], batched.get(0)[1])).isLessThanOrEqualTo(BATCH_TOLERANCE);
  }

  @Test
  void useAfterCloseIsAnError() {
    OnnxCausalLM closed = OnnxCausalLM.load(ShippedModel.directory());
    closed.close();
    assertThatThrownBy(() -> closed.prefixFeatures(records(List.of("And")), List.of(new int[0])))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  private static int[] lengths() {
    int[] lengths = new int[prompts.size()];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = lm.encodePrompt(prompts.get(i)).length + responses.get(i).length;
    }
    return lengths;
  }
}
