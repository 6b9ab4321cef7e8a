package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.core.testing.ChiSquare;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sampling on the shipped model: seeded, restricted as configured, stopping as configured. */
class SamplingTest {
  /** Largest allowed |log-probability difference| between the cached path and the naive reference. */
  private static final double CANDIDATE_TOLERANCE = 1e-4;
  /** A sampled histogram fails the chi-square test below this p-value (fixed seed: deterministic). */
  private static final double SIGNIFICANCE = 1e-3;
  private static final List<String> PROMPTS = List.of("And he said", "Blessed are they that mourn: for");

  private static OnnxCausalLM lm;
  private static OnnxCausalLM noEos;

  @BeforeAll
  static void load(@TempDir Path tmp) {
    lm = OnnxCausalLM.load(ShippedModel.directory());
    noEos = OnnxCausalLM.load(ShippedModel.withoutEndOfSequence(tmp));
  }

  @AfterAll
  static void close() {
    lm.close();
    noEos.close();
  }

  private static List<String> sample(Sampling s, long seed) {
    try (Decoding d = lm.open(PROMPTS, s, seed)) {
      d.reorder(new int[] {0, 0, 0, 1, 1, 1});
      d.extend(10);
      d.reorder(new int[] {5, 0, 0, 2});
      d.extend(20);
      List<String> out = new ArrayList<>();
      for (int r = 0; r < d.size(); r++) {
        out.add(d.responseText(r));
      }
      return out;
    }
  }

  @Test
  void sameSeedSameTextDifferentSeedDifferentText() {
    Sampling s = Sampling.builder().temperature(1).maxNewTokens(30).build();
    List<String> a = sample(s, 7);
    assertThat(sample(s, 7)).isEqualTo(a);
    assertThat(sample(s, 8)).isNotEqualTo(a);
    assertThat(new HashSet<>(a)).as("forks of one row draw from their own streams").hasSizeGreaterThan(1);
  }

  @Test
  void topKOfOneIsGreedy() {
    Sampling topOne = Sampling.builder().temperature(1.3).topK(1).maxNewTokens(15).build();
    try (Decoding d = lm.open(PROMPTS, topOne, 3)) {
      d.extend(15);
      for (int i = 0; i < PROMPTS.size(); i++) {
        assertThat(d.responseTokens(i)).containsExactly(Reference.greedy(lm, PROMPTS.get(i), 15));
      }
    }
  }

  @Test
  void candidatesAreTheNaiveDistributionOfTheModelsLogits() {
    double[][] settings = {{1, 0, 1}, {0.7, 50, 0.9}, {1.5, 5, 1}, {0.5, 0, 0.5}, {2, 200, 0.95}};
    for (double[] st : settings) {
      Sampling s = Sampling.builder().temperature(st[0]).topK((int) st[1]).topP(st[2]).build();
      try (Decoding d = lm.open(PROMPTS, s, 1)) {
        NextTokenDistribution[] all = d.candidates(lm.vocabularySize()).orElseThrow();
        for (int i = 0; i < PROMPTS.size(); i++) {
          float[][] logits = lm.logits(lm.encodePrompt(PROMPTS.get(i)));
          Object[] expected = Reference.distribution(logits[logits.length - 1], st[0], (int) st[1], st[2]);
          int[] tokens = (int[]) expected[0];
          double[] probs = (double[]) expected[1];
          NextTokenDistribution c = all[i];
          assertThat(c.size()).as("%s, prompt %s", s, i).isEqualTo(tokens.length);
          for (int j = 0; j < c.size(); j++) {
            assertThat(c.token(j)).isEqualTo(tokens[j]);
            assertThat(Math.abs(c.logProb(j) - Math.log(probs[j]))).as("%s candidate %s", s, j)
                .isLessThan(CANDIDATE_TOLERANCE);
          }
        }
        assertThat(d.candidates(3).orElseThrow()[0].size()).isLessThanOrEqualTo(3);
      }
    }
    try (Decoding d = lm.open(PROMPTS, Sampling.greedy(4), 1)) {
      NextTokenDistribution c = d.candidates(10).orElseThrow()[1];
      assertThat(c.size()).isEqualTo(1);
      assertThat(c.logProb(0)).isZero();
      assertThat(c.token(0)).isEqualTo(Reference.greedy(lm, PROMPTS.get(1), 1)[0]);
    }
  }

  @Test
  void sampledTokensFollowTheCandidates() {
    int samples = 2000;
    Sampling s = Sampling.builder().temperature(1).topK(8).topP(1).maxNewTokens(1).build();
    try (Decoding d = lm.open(List.of(PROMPTS.get(1)), s, 11)) {
      NextTokenDistribution c = d.candidates(100).orElseThrow()[0];
      assertThat(c.size()).isEqualTo(8);
      d.reorder(new int[samples]);
      d.extend(1);
      long[] counts = new long[c.size()];
      double[] p = new double[c.size()];
      for (int j = 0; j < c.size(); j++) {
        p[j] = Math.exp(c.logProb(j));
      }
      for (int r = 0; r < samples; r++) {
        int token = d.responseLength(r) == 1 ? d.responseTokens(r)[0] : lm.eosTokenIds().iterator().next();
        int j = indexOf(c, token);
        assertThat(j).as("row %s sampled %s, outside the top-k", r, token).isNotNegative();
        counts[j]++;
      }
      assertThat(ChiSquare.pValue(counts, p)).as("chi-square p-value of %s samples", samples).isGreaterThan(SIGNIFICANCE);
      assertThat(d.tokensGenerated()).isEqualTo(samples);
    }
  }

  private static int indexOf(NextTokenDistribution c, int token) {
    for (int j = 0; j < c.size(); j++) {
      if (c.token(j) == token) {
        return j;
      }
    }
    return -1;
  }

  @Test
  void lowerTemperatureSharpensTheDistribution() {
    double previous = 0;
    for (double t : new double[] {2, 1, 0.5, 0.25}) {
      Sampling s = Sampling.builder().temperature(t).topK(0).topP(1).build();
      try (Decoding d = lm.open(PROMPTS, s, 1)) {
        double top = Math.exp(d.candidates(1).orElseThrow()[0].logProb(0));
        assertThat(top).as("top probability at temperature %s", t).isGreaterThan(previous);
        previous = top;
      }
    }
  }

  @Test
  void topPKeepsTheShortestPrefixReachingP() {
    double topP = 0.6;
    Sampling full = Sampling.builder().temperature(1).topK(0).topP(1).build();
    Sampling nucleus = full.toBuilder().topP(topP).build();
    try (Decoding all = lm.open(PROMPTS, full, 1); Decoding cut = lm.open(PROMPTS, nucleus, 1)) {
      for (int i = 0; i < PROMPTS.size(); i++) {
        NextTokenDistribution a = all.candidates(lm.vocabularySize()).orElseThrow()[i];
        NextTokenDistribution c = cut.candidates(lm.vocabularySize()).orElseThrow()[i];
        double mass = 0;
        for (int j = 0; j < c.size(); j++) {
          assertThat(c.token(j)).isEqualTo(a.token(j));
          mass += Math.exp(a.logProb(j));
        }
        assertThat(mass).isGreaterThanOrEqualTo(topP);
        assertThat(mass - Math.exp(a.logProb(c.size() - 1))).isLessThan(topP);
      }
    }
  }

  @Test
  void forceAppendsChosenTokensAndContinuesFromThem() {
    try (Decoding d = noEos.open(PROMPTS, Sampling.greedy(12), 1)) {
      // Anything but the greedy token.
      int[] forced = d.candidates(1).orElseThrow()[0].token(0) == 0 ? new int[] {1, 1} : new int[] {0, 0};
      d.force(forced);
      assertThat(d.responseTokens(0)).containsExactly(forced[0]);
      assertThat(d.tokensGenerated()).isEqualTo(2);
      d.extend(11);
      int[] expected = Reference.greedy(noEos, Reference.concat(noEos.encodePrompt(PROMPTS.get(0)), new int[] {forced[0]}), 11,
          Set.of());
      assertThat(d.responseTokens(0)).containsExactly(Reference.concat(new int[] {forced[0]}, expected));
      assertThat(d.allFinished()).isTrue();
      d.force(new int[] {5, 5});
      assertThat(d.tokensGenerated()).as("finished rows ignore forced tokens").isEqualTo(24);
    }
    try (Decoding d = lm.open(PROMPTS, Sampling.greedy(12), 1)) {
      assertThatThrownBy(() -> d.force(new int[] {1})).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("2 rows");
      assertThatThrownBy(() -> d.force(new int[] {1, lm.vocabularySize()})).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(String.valueOf(lm.vocabularySize()));
      assertThat(d.responseLength(0)).as("a rejected force changes nothing").isZero();
      int eos = lm.eosTokenIds().iterator().next();
      d.force(new int[] {eos, 7});
      assertThat(d.finishReason(0)).hasValue(FinishReason.END_OF_SEQUENCE);
      assertThat(d.responseLength(0)).as("end-of-sequence is not part of the response").isZero();
      assertThat(d.isFinished(1)).isFalse();
      assertThat(d.tokensGenerated()).isEqualTo(2);
    }
  }

  @Test
  void sampledEndOfSequenceEndsRowsWithoutTheToken() {
    int max = 120;
    Sampling s = Sampling.builder().temperature(1).topK(0).topP(1).maxNewTokens(max).build();
    try (Decoding d = lm.open(List.of("And he said"), s, 5)) {
      d.reorder(new int[24]);
      d.extend(max);
      assertThat(d.allFinished()).isTrue();
      int ended = 0;
      long tokens = 0;
      for (int r = 0; r < d.size(); r++) {
        FinishReason reason = d.finishReason(r).orElseThrow();
        int[] response = d.responseTokens(r);
        tokens += response.length;
        for (int t : response) {
          assertThat(lm.eosTokenIds()).doesNotContain(t);
        }
        assertThat(d.responseText(r)).doesNotContain("<|endoftext|>");
        if (reason == FinishReason.END_OF_SEQUENCE) {
          ended++;
          tokens++;
        } else {
          assertThat(reason).isEqualTo(FinishReason.LENGTH);
          assertThat(response).hasSize(max);
        }
      }
      assertThat(ended).as("rows ended by end-of-sequence").isPositive();
      assertThat(d.tokensGenerated()).isEqualTo(tokens);
      assertThat(d.features().orElseThrow()).hasNumberOfRows(24);
    }
  }

  @Test
  void stopStringEndsTheRowAtItsFirstOccurrence() {
    int[] greedy;
    try (Decoding d = noEos.open(List.of(PROMPTS.get(1)), Sampling.greedy(40), 1)) {
      d.extend(40);
      greedy = d.responseTokens(0);
    }
    String text = noEos.decode(greedy);
    int from = noEos.decode(Arrays.copyOf(greedy, 6)).length() - 2;
    String stop = text.substring(from, from + 4);
    int end = 1;
    while (!noEos.decode(Arrays.copyOf(greedy, end)).contains(stop)) {
      end++;
    }
    Sampling s = Sampling.builder().temperature(0).maxNewTokens(40).stopStrings(List.of("never in the text \u2603", stop)).build();
    try (Decoding d = noEos.open(List.of(PROMPTS.get(1), PROMPTS.get(0)), s, 1)) {
      d.extend(40);
      assertThat(d.finishReason(0)).hasValue(FinishReason.STOP_STRING);
      assertThat(d.responseTokens(0)).as("stop string %s", stop).containsExactly(Arrays.copyOf(greedy, end));
      assertThat(d.responseText(0)).contains(stop);
    }
  }

  @Test
  void lengthAndContextEndRows() {
    try (Decoding d = lm.open(List.of("And"), Sampling.greedy(3), 1)) {
      d.extend(10);
      assertThat(d.responseLength(0)).isEqualTo(3);
      assertThat(d.finishReason(0)).hasValue(FinishReason.LENGTH);
      d.extend(5);
      assertThat(d.responseLength(0)).isEqualTo(3);
    }
    int context = noEos.contextLength();
    int words = context;
    String prompt;
    do {
      words--;
      prompt = "and ".repeat(words).trim();
    } while (noEos.encodePrompt(prompt).length > context - 2);
    int room = context - noEos.encodePrompt(prompt).length;
    try (Decoding d = noEos.open(List.of(prompt, "And"), Sampling.greedy(50), 1)) {
      d.extend(50);
      assertThat(d.responseLength(0)).as("tokens that fit the context").isEqualTo(room);
      assertThat(d.finishReason(0)).hasValue(FinishReason.LENGTH);
      assertThat(d.responseLength(1)).isEqualTo(50);
    }
  }

  @Test
  void promptThatFillsTheContextIsRejected() {
    String tooLong = "and the LORD ".repeat(200);
    assertThatThrownBy(() -> lm.open(List.of("fine", tooLong), Sampling.greedy(4), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompt 1")
        .hasMessageContaining(String.valueOf(lm.contextLength()));
  }

  @Test
  void emptyPromptStartsFromBos() {
    try (Decoding d = lm.open(List.of(""), Sampling.greedy(5), 1)) {
      d.extend(5);
      assertThat(d.responseTokens(0)).containsExactly(Reference.greedy(lm, "", 5));
    }
  }
}
