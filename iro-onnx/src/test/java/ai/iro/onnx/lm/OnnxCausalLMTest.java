package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.model.TokenCandidates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Equivalence tests of the cached, batched, forked decoding against full recomputation. */
class OnnxCausalLMTest {
  /** Largest allowed |ONNX Runtime - PyTorch| on any golden logit. */
  private static final double GOLDEN_LOGIT_TOLERANCE = 1e-3;
  private static final List<String> PROMPTS = List.of(
      "In the beginning God created", "And the LORD said unto Moses, Speak unto the children of Israel", "Blessed");

  private static OnnxCausalLM lm;

  @BeforeAll
  static void load() {
    lm = OnnxCausalLM.load(ShippedModel.directory());
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  /** Greedy decoding by rerunning the whole sequence every step: the naive reference. */
  static int[] greedyByRecomputation(String prompt, int tokens) {
    List<Integer> seq = new ArrayList<>();
    for (int t : lm.encodePrompt(prompt)) {
      seq.add(t);
    }
    int[] out = new int[tokens];
    int n = 0;
    while (n < tokens) {
      float[][] logits = lm.logits(seq.stream().mapToInt(Integer::intValue).toArray());
      float[] last = logits[logits.length - 1];
      int best = 0;
      for (int i = 1; i < last.length; i++) {
        if (last[i] > last[best]) {
          best = i;
        }
      }
      if (lm.eosTokenIds().contains(best)) {
        break;
      }
      out[n++] = best;
      seq.add(best);
    }
    return Arrays.copyOf(out, n);
  }

  @Test
  void readsTheArchitectureFromTheGraph() {
    assertThat(lm.layers()).isEqualTo(6);
    assertThat(lm.keyValueHeads()).isEqualTo(2);
    assertThat(lm.headSize()).isEqualTo(24);
    assertThat(lm.vocabularySize()).isEqualTo(2048);
    assertThat(lm.hiddenSize()).hasValue(192);
    assertThat(lm.contextLength()).isEqualTo(256);
    assertThat(lm.eosTokenIds()).containsExactly(2047);
    assertThat(lm.prependsBos()).isTrue();
  }

  @Test
  void goldenLogitsMatchPyTorch() throws IOException {
    JsonNode golden = new ObjectMapper().readTree(ShippedModel.directory().resolve("golden_logits.json").toFile());
    assertThat(golden.get("cases")).isNotEmpty();
    for (JsonNode c : golden.get("cases")) {
      int[] ids = ints(c.get("input_ids"));
      assertThat(lm.encodePrompt(c.get("text").asText())).containsExactly(ids);
      float[][] logits = lm.logits(ids);
      JsonNode expected = c.get("last_logits");
      float[] last = logits[logits.length - 1];
      assertThat(last).hasSize(expected.size());
      double maxDiff = 0;
      for (int i = 0; i < last.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(last[i] - expected.get(i).asDouble()));
      }
      assertThat(maxDiff).as("max |logit difference| for '%s'", c.get("text").asText()).isLessThan(GOLDEN_LOGIT_TOLERANCE);
      int[] argmax = ints(c.get("argmax_per_position"));
      for (int p = 0; p < argmax.length; p++) {
        int best = 0;
        for (int i = 1; i < logits[p].length; i++) {
          if (logits[p][i] > logits[p][best]) {
            best = i;
          }
        }
        assertThat(best).as("argmax at position %s", p).isEqualTo(argmax[p]);
      }
      // PyTorch's greedy continuation runs through end-of-sequence; decoding stops there.
      int[] continuation = ints(c.get("greedy_continuation"));
      int end = 0;
      while (end < continuation.length && !lm.eosTokenIds().contains(continuation[end])) {
        end++;
      }
      try (Decoding d = lm.open(List.of(c.get("text").asText()), Sampling.greedy(continuation.length), 1)) {
        d.extend(continuation.length);
        assertThat(d.responseTokens(0)).containsExactly(Arrays.copyOf(continuation, end));
        assertThat(d.finishReason(0)).hasValue(end < continuation.length ? FinishReason.END_OF_SEQUENCE : FinishReason.LENGTH);
      }
    }
  }

  @Test
  void cachedGreedyEqualsFullRecomputation() {
    int tokens = 40;
    for (String prompt : PROMPTS) {
      int[] reference = greedyByRecomputation(prompt, tokens);
      try (Decoding d = lm.open(List.of(prompt), Sampling.greedy(tokens), 1)) {
        d.extend(7);
        d.extend(tokens);
        assertThat(d.responseTokens(0)).as(prompt).containsExactly(reference);
      }
    }
  }

  @Test
  void mixedLengthBatchEqualsOneAtATime() {
    int tokens = 30;
    try (Decoding batch = lm.open(PROMPTS, Sampling.greedy(tokens), 1)) {
      batch.extend(tokens);
      for (int i = 0; i < PROMPTS.size(); i++) {
        try (Decoding single = lm.open(List.of(PROMPTS.get(i)), Sampling.greedy(tokens), 1)) {
          single.extend(tokens);
          assertThat(batch.responseTokens(i)).as(PROMPTS.get(i)).containsExactly(single.responseTokens(0));
        }
        assertThat(batch.prompt(i)).isEqualTo(PROMPTS.get(i));
      }
    }
  }

  @Test
  void forkedAndReorderedRowsContinueLikeRecomputedPrefixes() {
    int first = 5;
    int total = 25;
    try (Decoding d = lm.open(PROMPTS, Sampling.greedy(total), 1)) {
      d.extend(first);
      int[] order = {1, 0, 0, 2, 1};
      int[][] prefixes = new int[order.length][];
      for (int i = 0; i < order.length; i++) {
        prefixes[i] = d.responseTokens(order[i]);
      }
      d.reorder(order);
      d.extend(total);
      for (int i = 0; i < order.length; i++) {
        String prompt = PROMPTS.get(order[i]);
        assertThat(d.prompt(i)).isEqualTo(prompt);
        int[] full = greedyByRecomputation(prompt, total);
        assertThat(Arrays.copyOf(full, first)).containsExactly(prefixes[i]);
        assertThat(d.responseTokens(i)).as("row %s (%s)", i, prompt).containsExactly(full);
      }
    }
  }

  @Test
  void hiddenStateFeaturesMatchOneFullPass() {
    try (Decoding d = lm.open(List.of(PROMPTS.get(0)), Sampling.greedy(6), 1)) {
      d.extend(6);
      float[] cached = d.features().orElseThrow()[0];
      float[][] prefixes = lm.prefixFeatures(PROMPTS.get(0), d.responseTokens(0));
      assertThat(prefixes).hasNumberOfRows(7);
      float[] last = prefixes[6];
      for (int i = 0; i < cached.length; i++) {
        assertThat((double) cached[i]).isCloseTo(last[i], org.assertj.core.data.Offset.offset(1e-4));
      }
    }
  }

  @Test
  void samplingIsSeededAndRowsForkIntoDifferentStreams() {
    Sampling s = Sampling.builder().maxNewTokens(20).build();
    List<String> a = sample(s, 7);
    assertThat(sample(s, 7)).isEqualTo(a);
    assertThat(sample(s, 8)).isNotEqualTo(a);
    assertThat(new HashSet<>(a)).hasSizeGreaterThan(1);
  }

  private static List<String> sample(Sampling s, long seed) {
    try (Decoding d = lm.open(List.of("And he said"), s, seed)) {
      d.reorder(new int[] {0, 0, 0, 0});
      d.extend(20);
      List<String> out = new ArrayList<>();
      for (int r = 0; r < d.size(); r++) {
        out.add(d.responseText(r));
      }
      return out;
    }
  }

  @Test
  void topKOneIsGreedy() {
    Sampling topOne = Sampling.builder().topK(1).maxNewTokens(15).build();
    try (Decoding d = lm.open(List.of(PROMPTS.get(1)), topOne, 3)) {
      d.extend(15);
      assertThat(d.responseTokens(0)).containsExactly(greedyByRecomputation(PROMPTS.get(1), 15));
    }
  }

  @Test
  void candidatesFollowTheSamplingDistribution() {
    Sampling s = Sampling.builder().topK(5).topP(1).temperature(1).maxNewTokens(4).build();
    try (Decoding d = lm.open(List.of(PROMPTS.get(0)), s, 3)) {
      TokenCandidates c = d.candidates(10).orElseThrow()[0];
      assertThat(c.size()).isEqualTo(5);
      double mass = 0;
      for (int i = 0; i < c.size(); i++) {
        mass += Math.exp(c.logProb(i));
        if (i > 0) {
          assertThat(c.logProb(i)).isLessThanOrEqualTo(c.logProb(i - 1));
        }
      }
      assertThat(mass).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(c.token(0)).isEqualTo(greedyByRecomputation(PROMPTS.get(0), 1)[0]);
      d.force(new int[] {c.token(2)});
      assertThat(d.responseTokens(0)).containsExactly(c.token(2));
      assertThat(d.tokensGenerated()).isEqualTo(1);
    }
  }

  @Test
  void rowsFinishAtLengthStopStringAndEndOfSequence() {
    try (Decoding d = lm.open(List.of("And"), Sampling.greedy(3), 1)) {
      d.extend(10);
      assertThat(d.responseLength(0)).isEqualTo(3);
      assertThat(d.finishReason(0)).hasValue(FinishReason.LENGTH);
      assertThat(d.allFinished()).isTrue();
    }
    Sampling stop = Sampling.builder().temperature(0).maxNewTokens(60).stopStrings(List.of(",")).build();
    try (Decoding d = lm.open(List.of(PROMPTS.get(0)), stop, 1)) {
      d.extend(60);
      assertThat(d.finishReason(0)).hasValue(FinishReason.STOP_STRING);
      assertThat(d.responseText(0)).endsWith(",");
    }
    // Forcing the end-of-sequence token ends the row without adding it to the response.
    try (Decoding d = lm.open(List.of("And"), Sampling.greedy(10), 1)) {
      d.force(new int[] {2047});
      assertThat(d.finishReason(0)).hasValue(FinishReason.END_OF_SEQUENCE);
      assertThat(d.responseLength(0)).isZero();
    }
  }

  @Test
  void longPromptIsRejectedNamingTheContext() {
    String tooLong = "and the LORD ".repeat(200);
    assertThatThrownBy(() -> lm.open(List.of("fine", tooLong), Sampling.greedy(4), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompt 1")
        .hasMessageContaining("256");
  }

  @Test
  void closedDecodingRefusesUseAndClosesTwice() {
    Decoding d = lm.open(List.of("And"), Sampling.greedy(3), 1);
    d.close();
    d.close();
    assertThatThrownBy(() -> d.extend(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
