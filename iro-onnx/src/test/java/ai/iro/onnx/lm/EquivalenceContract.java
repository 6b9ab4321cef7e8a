package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.onnx.runtime.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cached, batched, forked decoding against naive full recomputation and against PyTorch, on the
 * shipped model with no end-of-sequence id (so greedy runs its full length). Subclasses pick the
 * device: {@link CpuEquivalenceTest}, {@link CudaEquivalenceTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EquivalenceContract {
  /** Greedy tokens compared per prompt. */
  static final int TOKENS = 36;
  /** Prompts of different lengths (1, several and many tokens after BOS). */
  static final List<String> PROMPTS = List.of(
      "Blessed",
      "In the beginning God created",
      "And the LORD spake unto Moses, saying, Speak unto the children of Israel, and say unto them");
  /** Largest allowed |hidden state difference| between the cached path and one full pass. */
  static final double HIDDEN_TOLERANCE = 1e-4;

  OnnxCausalLM lm;

  /** The device under test. */
  abstract Device device();

  /** Largest allowed |ONNX Runtime logit - PyTorch logit| on this device. */
  abstract double goldenLogitTolerance();

  /** Hook for subclasses that must skip when the device is unusable. */
  OnnxCausalLM load(Path directory) {
    return OnnxCausalLM.builder().modelDirectory(directory)
        .execution(OnnxCausalLM.DEFAULT_EXECUTION.withDevice(device())).build();
  }

  @BeforeAll
  void loadModel(@TempDir Path tmp) {
    lm = load(ShippedModel.withoutEndOfSequence(tmp));
  }

  @AfterAll
  void closeModel() {
    if (lm != null) {
      lm.close();
    }
  }

  private int[] reference(String prompt, int tokens) {
    return Reference.greedy(lm, lm.encodePrompt(prompt), tokens, Set.of());
  }

  @Test
  void cachedGreedyEqualsFullRecomputation() {
    assertThat(lm.eosTokenIds()).isEmpty();
    for (String prompt : PROMPTS) {
      int[] expected = reference(prompt, TOKENS);
      try (Decoding d = lm.open(List.of(prompt), Sampling.greedy(TOKENS), 1)) {
        d.extend(7);
        d.extend(1);
        d.extend(TOKENS);
        assertThat(d.responseTokens(0)).as(prompt).hasSize(TOKENS).containsExactly(expected);
        assertThat(d.finishReason(0)).hasValue(FinishReason.LENGTH);
      }
    }
  }

  @Test
  void mixedLengthBatchEqualsOneAtATime() {
    try (Decoding batch = lm.open(PROMPTS, Sampling.greedy(TOKENS), 1)) {
      batch.extend(TOKENS);
      for (int i = 0; i < PROMPTS.size(); i++) {
        try (Decoding single = lm.open(List.of(PROMPTS.get(i)), Sampling.greedy(TOKENS), 1)) {
          single.extend(TOKENS);
          assertThat(batch.responseTokens(i)).as(PROMPTS.get(i)).hasSize(TOKENS).containsExactly(single.responseTokens(0));
        }
        assertThat(batch.prompt(i)).isEqualTo(PROMPTS.get(i));
        assertThat(batch.promptIndex(i)).isEqualTo(i);
      }
    }
  }

  /**
   * Rows forked and reordered mid-generation, then pushed apart by forcing different tokens, continue
   * exactly as greedy recomputation from their own prefixes.
   */
  @Test
  void forkedAndReorderedRowsContinueLikeRecomputedPrefixes() {
    int first = 6;
    try (Decoding d = lm.open(PROMPTS, Sampling.greedy(TOKENS), 1)) {
      d.extend(first);
      d.reorder(new int[] {1, 0, 0, 2});
      // Row 1 takes its second most likely token, the others their greedy one: the forks of prompt 0 diverge.
      int[] forced = new int[d.size()];
      for (int i = 0; i < forced.length; i++) {
        float[][] logits = lm.logits(Reference.concat(lm.encodePrompt(d.prompt(i)), d.responseTokens(i)));
        forced[i] = i == 1 ? secondBest(logits[logits.length - 1]) : Reference.argmax(logits[logits.length - 1]);
      }
      d.force(forced);
      d.extend(5);
      d.reorder(new int[] {3, 1, 2, 1, 0});
      d.extend(TOKENS);
      for (int i = 0; i < d.size(); i++) {
        String prompt = d.prompt(i);
        int[] tokens = d.responseTokens(i);
        assertThat(tokens).hasSize(TOKENS);
        int[] prefix = Arrays.copyOf(tokens, first + 1);
        int[] rest = Reference.greedy(lm, Reference.concat(lm.encodePrompt(prompt), prefix), TOKENS - prefix.length, Set.of());
        assertThat(tokens).as("row %s (%s)", i, prompt).containsExactly(Reference.concat(prefix, rest));
        assertThat(Arrays.copyOf(tokens, first)).containsExactly(reference(prompt, first));
      }
      assertThat(d.responseTokens(1)).as("forks of one prompt diverged").isNotEqualTo(d.responseTokens(2));
    }
  }

  @Test
  void goldenLogitsMatchPyTorch() throws IOException {
    JsonNode golden = new ObjectMapper().readTree(ShippedModel.goldenLogits().toFile());
    JsonNode cases = golden.get("cases");
    assertThat(cases).isNotEmpty();
    List<String> texts = new ArrayList<>();
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      texts.add(text);
      int[] ids = ints(c.get("input_ids"));
      assertThat(lm.encodePrompt(text)).as("input ids of '%s'", text).containsExactly(ids);
      float[][] logits = lm.logits(ids);
      double[] expected = doubles(c.get("last_logits"));
      assertThat(maxAbsDifference(logits[logits.length - 1], expected))
          .as("max |logit difference| with PyTorch for '%s'", text).isLessThan(goldenLogitTolerance());
      int[] argmax = ints(c.get("argmax_per_position"));
      for (int p = 0; p < argmax.length; p++) {
        assertThat(Reference.argmax(logits[p])).as("argmax at position %s of '%s'", p, text).isEqualTo(argmax[p]);
      }
    }
    // The same through the batched, left-padded, cached path: log-softmax of the logits, then greedy.
    Sampling full = Sampling.builder().temperature(1).topK(0).topP(1).maxNewTokens(64).build();
    try (Decoding d = lm.open(texts, full, 1)) {
      NextTokenDistribution[] candidates = d.candidates(golden.get("vocab_size").asInt()).orElseThrow();
      for (int i = 0; i < texts.size(); i++) {
        double[] expected = logSoftmax(doubles(cases.get(i).get("last_logits")));
        NextTokenDistribution c = candidates[i];
        assertThat(c.size()).isEqualTo(expected.length);
        double worst = 0;
        for (int j = 0; j < c.size(); j++) {
          worst = Math.max(worst, Math.abs(c.logProb(j) - expected[c.token(j)]));
        }
        assertThat(worst).as("max |log-probability difference| with PyTorch for '%s'", texts.get(i))
            .isLessThan(goldenLogitTolerance());
      }
    }
    int length = cases.get(0).get("greedy_continuation").size();
    try (Decoding d = lm.open(texts, Sampling.greedy(length), 1)) {
      d.extend(length);
      for (int i = 0; i < texts.size(); i++) {
        assertThat(d.responseTokens(i)).as("greedy continuation of '%s'", texts.get(i))
            .containsExactly(ints(cases.get(i).get("greedy_continuation")));
        assertThat(d.responseText(i)).isEqualTo(cases.get(i).get("greedy_text").asText());
      }
    }
  }

  @Test
  void featuresAreTheHiddenStatesOfOneFullPass() {
    String prompt = PROMPTS.get(1);
    int steps = 6;
    List<float[]> cached = new ArrayList<>();
    try (Decoding d = lm.open(List.of(PROMPTS.get(0), prompt), Sampling.greedy(steps), 1)) {
      cached.add(d.features().orElseThrow()[1]);
      for (int t = 0; t < steps; t++) {
        d.extend(1);
        cached.add(d.features().orElseThrow()[1]);
      }
      float[][] prefixes = lm.prefixFeatures(prompt, d.responseTokens(1));
      assertThat(prefixes).hasNumberOfRows(steps + 1);
      for (int j = 0; j <= steps; j++) {
        assertThat(prefixes[j]).hasSize(lm.hiddenSize().orElseThrow());
        assertThat(maxAbsDifference(cached.get(j), toDoubles(prefixes[j])))
            .as("hidden state after %s tokens", j).isLessThan(HIDDEN_TOLERANCE);
      }
    }
  }

  private static int secondBest(float[] logits) {
    int best = Reference.argmax(logits);
    int second = best == 0 ? 1 : 0;
    for (int i = 0; i < logits.length; i++) {
      if (i != best && logits[i] > logits[second]) {
        second = i;
      }
    }
    return second;
  }

  static double maxAbsDifference(float[] actual, double[] expected) {
    assertThat(actual).hasSize(expected.length);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    return worst;
  }

  static double[] logSoftmax(double[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (double l : logits) {
      sum += Math.exp(l - max);
    }
    double log = max + Math.log(sum);
    double[] out = new double[logits.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = logits[i] - log;
    }
    return out;
  }

  static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }
}
