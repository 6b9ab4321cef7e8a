package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The randomness contract of {@link Decoding#extend(int)}: each call's extend seed comes from the
 * batch seed's stream, and the k-th unfinished row samples from {@code streamSeed(e, k)}, so that a
 * caller (a server) that knows the extend seed reproduces the tokens with explicit stream seeds.
 */
class StreamSeedsTest {
  private static final List<String> PROMPTS = List.of("And God said", "In the beginning", "The LORD is my");
  private static final Sampling SAMPLING = Sampling.builder().temperature(1.0).topP(1.0).topK(0).maxNewTokens(24).build();
  private static OnnxCausalLM lm;

  @BeforeAll
  static void load(@TempDir Path tmp) {
    lm = OnnxCausalLM.load(ShippedModel.withoutEndOfSequence(tmp));
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  @Test
  void explicitStreamSeedsFromTheExtendSeedsReproduceSeededExtends() {
    long seed = 77;
    List<List<Integer>> drawn = run(d -> d.extend(8), seed);
    SplittableRandom extendSeeds = new SplittableRandom(seed);
    List<List<Integer>> replayed = run(d -> d.extend(8, Decoding.streamSeeds(d, extendSeeds.nextInt(Integer.MAX_VALUE))), seed);
    assertThat(replayed).isEqualTo(drawn);
    // The seeds matter: other stream seeds give other tokens.
    SplittableRandom other = new SplittableRandom(seed + 1);
    assertThat(run(d -> d.extend(8, Decoding.streamSeeds(d, other.nextInt(Integer.MAX_VALUE))), seed)).isNotEqualTo(drawn);
  }

  @Test
  void aRowsStreamDependsOnItsRankAmongUnfinishedRowsNotOnOtherRows() {
    try (Decoding one = lm.open(List.of(PROMPTS.get(1)), SAMPLING, 5);
        Decoding three = lm.open(PROMPTS, SAMPLING, 9)) {
      one.extend(8, new long[] {Decoding.streamSeed(123, 0)});
      three.extend(8, new long[] {Decoding.streamSeed(999, 0), Decoding.streamSeed(123, 0), Decoding.streamSeed(5, 0)});
      assertThat(three.responseTokens(1)).containsExactly(one.responseTokens(0));
    }
  }

  @Test
  void afterEachStepSeesEveryTokenAndDrawsTheSameTokens() {
    long[] seeds = {Decoding.streamSeed(31, 0), Decoding.streamSeed(31, 1), Decoding.streamSeed(31, 2)};
    try (Decoding plain = lm.open(PROMPTS, SAMPLING, 1);
        Decoding watched = lm.open(PROMPTS, SAMPLING, 2)) {
      plain.extend(8, seeds.clone());
      List<Integer> lengthsOfRow2 = new ArrayList<>();
      watched.extend(8, seeds.clone(), () -> lengthsOfRow2.add(watched.responseLength(2)));
      for (int r = 0; r < PROMPTS.size(); r++) {
        assertThat(watched.responseTokens(r)).containsExactly(plain.responseTokens(r));
      }
      // The model has no end of sequence here, so every step appends one token to every row.
      assertThat(lengthsOfRow2).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }
  }

  @Test
  void tokenIdPromptsAreFedVerbatimAndSampleAsTheirText() {
    List<int[]> ids = PROMPTS.stream().map(lm::encodePrompt).toList();
    assertThat(ids.get(0)[0]).as("the shipped model's prompts start with BOS").isEqualTo(lm.bosTokenId().orElseThrow());
    for (long seed : new long[] {1, 2, 3}) {
      try (Decoding text = lm.open(PROMPTS, SAMPLING, seed); Decoding tokens = lm.openTokens(ids, SAMPLING, seed)) {
        text.extend(8);
        tokens.extend(8);
        for (int r = 0; r < PROMPTS.size(); r++) {
          assertThat(tokens.responseTokens(r)).as("seed %s row %s", seed, r).containsExactly(text.responseTokens(r));
          assertThat(tokens.prompt(r)).isEqualTo(PROMPTS.get(r));
        }
      }
    }
    // Verbatim: ids without BOS are not given one, so they sample other tokens than the text does.
    List<int[]> bare = PROMPTS.stream().map(lm::encode).toList();
    try (Decoding text = lm.open(PROMPTS, SAMPLING, 1); Decoding tokens = lm.openTokens(bare, SAMPLING, 1)) {
      text.extend(8);
      tokens.extend(8);
      List<List<Integer>> a = new ArrayList<>();
      List<List<Integer>> b = new ArrayList<>();
      for (int r = 0; r < PROMPTS.size(); r++) {
        a.add(java.util.Arrays.stream(text.responseTokens(r)).boxed().toList());
        b.add(java.util.Arrays.stream(tokens.responseTokens(r)).boxed().toList());
      }
      assertThat(b).isNotEqualTo(a);
    }
  }

  @Test
  void refusesTokenIdPromptsOutsideTheVocabularyOrContext() {
    assertThatThrownBy(() -> lm.openTokens(List.of(new int[] {1}, new int[] {lm.vocabularySize()}), SAMPLING, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt 1 has token id " + lm.vocabularySize());
    assertThatThrownBy(() -> lm.openTokens(List.of(new int[0]), SAMPLING, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt 0 has no token ids");
    assertThatThrownBy(() -> lm.openTokens(List.of(new int[lm.contextLength()]), SAMPLING, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt 0 has " + lm.contextLength() + " tokens");
  }

  @Test
  void refusesStreamSeedsOfTheWrongLength() {
    try (Decoding d = lm.open(PROMPTS, SAMPLING, 1)) {
      assertThatThrownBy(() -> d.extend(4, new long[2]))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 entries for 3 rows");
    }
  }

  private interface Step {
    void extend(Decoding d);
  }

  /** Three chunks with a fork between them; the response tokens of every row at the end. */
  private static List<List<Integer>> run(Step step, long seed) {
    try (Decoding d = lm.open(PROMPTS, SAMPLING, seed)) {
      step.extend(d);
      d.reorder(new int[] {2, 0, 0, 1, 2});
      step.extend(d);
      d.reorder(new int[] {4, 1, 1, 3});
      step.extend(d);
      List<List<Integer>> out = new ArrayList<>();
      for (int r = 0; r < d.size(); r++) {
        List<Integer> row = new ArrayList<>();
        for (int t : d.responseTokens(r)) {
          row.add(t);
        }
        out.add(row);
      }
      return out;
    }
  }
}
