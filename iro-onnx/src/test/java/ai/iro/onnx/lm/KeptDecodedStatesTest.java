package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.Aligner;
import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link OnnxCausalLM.Builder#keepDecodedStates}: the states a decoding computed for its rows,
 * through forks, end-of-sequence and length finishes, serve value training instead of a second
 * pass, equal to that pass up to float rounding; the store stays within its bytes; an alignment
 * with it runs no prefix pass at all.
 */
class KeptDecodedStatesTest {
  /** As {@code BatchedPrefixFeaturesTest}: passes of other shapes sum in another order (observed: under 1e-5). */
  private static final double TOLERANCE = 1e-4;
  private static final long ENOUGH = 64L << 20;
  private static final List<String> PROMPTS = List.of("And", "And the LORD spake unto Moses, saying", "Blessed are the");
  private static final Sampling SAMPLING = Sampling.builder().maxNewTokens(14).build();

  private static OnnxCausalLM plain;

  @BeforeAll
  static void load() {
    plain = OnnxCausalLM.load(ShippedModel.directory());
  }

  @AfterAll
  static void close() {
    plain.close();
  }

  private static OnnxCausalLM keeping(long bytes, HiddenFeatures kind) {
    return OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).hiddenFeatures(kind)
        .keepDecodedStates(bytes).build();
  }

  /** The rows' prompts and responses after a search-like decoding: chunks, forks, an EOS, lengths. */
  private record Decoded(List<Prompt> prompts, List<int[]> responses, List<FinishReason> reasons) {}

  private static Decoded decode(OnnxCausalLM lm) {
    try (Decoding d = lm.open(PROMPTS, SAMPLING, 11L)) {
      d.extend(4);
      d.reorder(new int[] {0, 0, 1, 2, 2, 2});
      d.extend(3);
      // Row 1 ends with the end-of-sequence token (not fed), the others go on.
      int eos = lm.eosTokenIds().iterator().next();
      d.force(new int[] {5, eos, 7, 9, 9, 11});
      d.reorder(new int[] {0, 1, 1, 2, 3, 4, 5, 5});
      d.extend(SAMPLING.maxNewTokens());
      List<Prompt> prompts = new ArrayList<>();
      List<int[]> responses = new ArrayList<>();
      List<FinishReason> reasons = new ArrayList<>();
      for (int r = 0; r < d.size(); r++) {
        prompts.add(Prompt.of(d.prompt(r)));
        responses.add(d.responseTokens(r));
        reasons.add(d.finishReason(r).orElseThrow());
      }
      return new Decoded(prompts, responses, reasons);
    }
  }

  private static double maxDifference(List<float[][]> a, List<float[][]> b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i)).as("response %s", i).hasNumberOfRows(b.get(i).length);
      for (int j = 0; j < a.get(i).length; j++) {
        assertThat(a.get(i)[j]).hasSameSizeAs(b.get(i)[j]);
        for (int k = 0; k < a.get(i)[j].length; k++) {
          max = Math.max(max, Math.abs(a.get(i)[j][k] - b.get(i)[j][k]));
        }
      }
    }
    return max;
  }

  @ParameterizedTest
  @EnumSource(HiddenFeatures.class)
  void keptStatesEqualAFreshPassAndReplaceIt(HiddenFeatures kind) {
    try (OnnxCausalLM lm = keeping(ENOUGH, kind)) {
      Decoded decoded = decode(lm);
      assertThat(decoded.reasons()).contains(FinishReason.END_OF_SEQUENCE, FinishReason.LENGTH);
      DecodedStates store = lm.decodedStates();
      assertThat(store.bytes()).isPositive();

      List<float[][]> kept = lm.prefixFeatures(decoded.prompts(), decoded.responses());
      assertThat(store.hits()).isEqualTo(decoded.responses().size());
      assertThat(store.misses()).isZero();
      assertThat(store.bytes()).isZero();
      // Taken once: asked again, the same responses run a pass.
      List<float[][]> passed = lm.prefixFeatures(decoded.prompts(), decoded.responses());
      assertThat(store.misses()).isEqualTo(decoded.responses().size());
      assertThat(maxDifference(kept, passed)).isLessThanOrEqualTo(TOLERANCE);
      // And the one-row reference of a model that keeps nothing.
      try (OnnxCausalLM reference = OnnxCausalLM.builder().modelDirectory(ShippedModel.directory())
          .hiddenFeatures(kind).build()) {
        for (int i = 0; i < kept.size(); i++) {
          List<float[][]> alone = List.<float[][]>of(
              reference.prefixFeatures(decoded.prompts().get(i), decoded.responses().get(i)));
          assertThat(maxDifference(List.<float[][]>of(kept.get(i)), alone)).as("response %s", i)
              .isLessThanOrEqualTo(TOLERANCE);
        }
      }
    }
  }

  @Test
  void recordingChangesNoTokenAndNoFeature() {
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST);
        Decoding on = lm.open(PROMPTS, SAMPLING, 19L);
        Decoding off = plain.open(PROMPTS, SAMPLING, 19L)) {
      for (Decoding d : List.of(on, off)) {
        d.extend(5);
        d.reorder(new int[] {2, 0, 0, 1});
        d.extend(SAMPLING.maxNewTokens());
      }
      for (int r = 0; r < on.size(); r++) {
        assertThat(on.responseTokens(r)).as("row %s", r).containsExactly(off.responseTokens(r));
      }
      float[][] a = on.features().orElseThrow();
      float[][] b = off.features().orElseThrow();
      for (int r = 0; r < a.length; r++) {
        assertThat(a[r]).as("row %s", r).containsExactly(b[r]);
      }
    }
  }

  @Test
  void stopStringFinishesAreKept() {
    Sampling stopping = Sampling.builder().maxNewTokens(30).stopStrings(List.of("the", "and")).build();
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST)) {
      List<Prompt> prompts = new ArrayList<>();
      List<int[]> responses = new ArrayList<>();
      List<FinishReason> reasons = new ArrayList<>();
      try (Decoding d = lm.open(PROMPTS, stopping, 5L)) {
        d.extend(stopping.maxNewTokens());
        for (int r = 0; r < d.size(); r++) {
          reasons.add(d.finishReason(r).orElseThrow());
          prompts.add(Prompt.of(d.prompt(r)));
          responses.add(d.responseTokens(r));
        }
      }
      assertThat(reasons).contains(FinishReason.STOP_STRING);
      List<float[][]> kept = lm.prefixFeatures(prompts, responses);
      assertThat(lm.decodedStates().hits()).isEqualTo(PROMPTS.size());
      assertThat(maxDifference(kept, plain.prefixFeatures(prompts, responses))).isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void statesOfRowsThatRanIntoTheContextAreKeptThroughTheCacheTrims(@TempDir Path tmp) throws IOException {
    // A 64-position fixture without an end-of-sequence id: every row runs to the context, and the
    // shared, left-padded cache is trimmed on the way.
    Path dir = ExportLayoutTest.copyFixture("layout-merged", tmp.resolve("layout-merged"));
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": []}\n");
    Sampling toTheEnd = Sampling.builder().maxNewTokens(64).build();
    List<String> prompts = List.of("And God said, Let there be light: and there was light. ".repeat(2), "And",
        "Blessed are the meek");
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(dir).promptTruncation(PromptTruncation.KEEP_END)
            .keepDecodedStates(ENOUGH).build();
        OnnxCausalLM reference = OnnxCausalLM.builder().modelDirectory(dir)
            .promptTruncation(PromptTruncation.KEEP_END).build()) {
      List<Prompt> records = new ArrayList<>();
      List<int[]> responses = new ArrayList<>();
      try (OnnxDecoding d = (OnnxDecoding) lm.open(prompts, toTheEnd, 3L)) {
        d.extend(6);
        d.reorder(new int[] {0, 1, 1, 2});
        d.extend(64);
        assertThat(d.cacheTrims()).as("the cache was trimmed at the context").isPositive();
        for (int r = 0; r < d.size(); r++) {
          records.add(Prompt.of(d.prompt(r)));
          responses.add(d.responseTokens(r));
        }
      }
      List<float[][]> kept = lm.prefixFeatures(records, responses);
      assertThat(lm.decodedStates().hits()).isEqualTo(responses.size());
      assertThat(maxDifference(kept, reference.prefixFeatures(records, responses)))
          .isLessThanOrEqualTo(EquivalenceContract.HIDDEN_TOLERANCE);
    }
  }

  @Test
  void aResponseDecodedAgainKeepsTheLatestDecodingsStatesOnly() {
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST)) {
      Sampling three = Sampling.builder().maxNewTokens(3).build();
      int[] forced = {5, 7, 9};
      // The same prompt and response, once alone and once beside a longer prompt (left padding).
      List<List<String>> batches = List.of(List.of("And God said"), List.of("And the LORD spake unto Moses", "And God said"));
      for (List<String> batch : batches) {
        try (Decoding d = lm.open(batch, three, 1L)) {
          for (int token : forced) {
            int[] each = new int[d.size()];
            java.util.Arrays.fill(each, token);
            d.force(each);
          }
        }
      }
      List<Prompt> twice = Prompt.ofTexts(List.of("And God said", "And God said"));
      List<float[][]> features = lm.prefixFeatures(twice, List.of(forced, forced));
      // The first decoding's copy was replaced, not added to: one hit, one pass.
      assertThat(lm.decodedStates().hits()).isEqualTo(1);
      assertThat(lm.decodedStates().misses()).isEqualTo(1);
      assertThat(lm.decodedStates().dropped()).isEqualTo(1);
      assertThat(maxDifference(features.subList(0, 1), features.subList(1, 2))).isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void aPassThatFailsLosesNoKeptState() {
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST)) {
      Decoded decoded = decode(lm);
      List<Prompt> prompts = new ArrayList<>(decoded.prompts());
      List<int[]> responses = new ArrayList<>(decoded.responses());
      prompts.add(Prompt.of("And"));
      responses.add(new int[] {lm.vocabularySize()});
      int bad = responses.size() - 1;
      long kept = lm.decodedStates().bytes();
      assertThatThrownBy(() -> lm.prefixFeatures(prompts, responses))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("response " + bad);
      assertThat(lm.decodedStates().bytes()).isEqualTo(kept);
      lm.prefixFeatures(decoded.prompts(), decoded.responses());
      assertThat(lm.decodedStates().hits()).isEqualTo(decoded.responses().size());
      assertThat(lm.decodedStates().bytes()).isZero();
    }
  }

  @Test
  void forkedRowsWithTheSameTokensEachGetTheirOwnArrays() {
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST)) {
      int[] response;
      // Three tokens: the forced third ends both rows (only finished rows are kept).
      try (Decoding d = lm.open(List.of("And God said"), Sampling.builder().maxNewTokens(3).build(), 3L)) {
        d.extend(2);
        d.reorder(new int[] {0, 0});
        d.force(new int[] {17, 17});
        assertThat(d.allFinished()).isTrue();
        response = d.responseTokens(0);
        assertThat(d.responseTokens(1)).containsExactly(response);
      }
      List<float[][]> both = lm.prefixFeatures(Prompt.ofTexts(List.of("And God said", "And God said")),
          List.of(response, response));
      assertThat(lm.decodedStates().hits()).isEqualTo(2);
      assertThat(both.get(0)).isNotSameAs(both.get(1));
      assertThat(both.get(0)[0]).isNotSameAs(both.get(1)[0]).containsExactly(both.get(1)[0]);
    }
  }

  /** Decodes to the end and closes; the decoding is then reachable only through the store, if at all. */
  private static WeakReference<Decoding> decodeAndForget(OnnxCausalLM lm) {
    Decoding d = lm.open(PROMPTS, SAMPLING, 11L);
    d.extend(SAMPLING.maxNewTokens());
    d.close();
    return new WeakReference<>(d);
  }

  @Test
  void keptStatesDoNotKeepTheirClosedDecodingAlive() throws InterruptedException {
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST)) {
      WeakReference<Decoding> decoding = decodeAndForget(lm);
      assertThat(lm.decodedStates().bytes()).isPositive();
      for (int i = 0; i < 100 && decoding.get() != null; i++) {
        System.gc();
        Thread.sleep(10);
      }
      assertThat(decoding.get()).as("the closed decoding was collected").isNull();
    }
  }

  @Test
  void prefixesThatNeverFinishedAreNotKept() {
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST)) {
      try (Decoding d = lm.open(PROMPTS, SAMPLING, 11L)) {
        d.extend(3);
        int live = java.util.stream.IntStream.range(0, d.size()).filter(r -> !d.isFinished(r)).findFirst()
            .orElseThrow();
        assertThat(java.util.stream.IntStream.range(0, d.size()).filter(d::isFinished).count())
            .as("this seed ends one row (the second prompt's) at its first token; the others live").isEqualTo(1);
        d.reorder(new int[] {live, live});
        // The finished row the reorder dropped is kept: its one token, two states.
        long finished = 2L * lm.hiddenSize().orElseThrow() * Float.BYTES;
        assertThat(lm.decodedStates().bytes()).as("only the finished row a reorder drops").isEqualTo(finished);
      }
      assertThat(lm.decodedStates().bytes()).as("no live row at close").isEqualTo(2L * lm.hiddenSize().orElseThrow()
          * Float.BYTES);
    }
  }

  @Test
  void theStoreKeepsAtMostItsBytesAndTheRestRunAPass() {
    // Room for about two of the eight responses.
    long bytes = 2L * (SAMPLING.maxNewTokens() + 1) * plain.hiddenSize().orElseThrow() * Float.BYTES;
    try (OnnxCausalLM lm = keeping(bytes, HiddenFeatures.LAST)) {
      Decoded decoded = decode(lm);
      DecodedStates store = lm.decodedStates();
      assertThat(store.bytes()).isPositive().isLessThanOrEqualTo(bytes);
      assertThat(store.dropped()).isGreaterThanOrEqualTo(decoded.responses().size() - 2);
      List<float[][]> features = lm.prefixFeatures(decoded.prompts(), decoded.responses());
      assertThat(store.hits()).isBetween(1L, 2L);
      assertThat(store.hits() + store.misses()).isEqualTo(decoded.responses().size());
      List<float[][]> reference = plain.prefixFeatures(decoded.prompts(), decoded.responses());
      assertThat(maxDifference(features, reference)).isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void aResponseWhoseCopiesDoNotAllFitKeepsTheCopiesThatDo() {
    // Room for one and a half copies.
    DecodedStates store = new DecodedStates(3 * 2 * Float.BYTES);
    float[][] states = {{1, 2}, {3, 4}};
    Object decoding = new Object();
    store.put(decoding, new int[] {1}, new int[] {2}, states);
    store.put(decoding, new int[] {1}, new int[] {2}, states);
    assertThat(store.bytes()).as("the first copy stays").isEqualTo(2 * 2 * Float.BYTES);
    assertThat(store.dropped()).isEqualTo(1);
    assertThat(store.take(new int[] {1}, new int[] {2})).isSameAs(states);
    assertThat(store.take(new int[] {1}, new int[] {2})).isNull();
  }

  @Test
  void byDefaultNothingIsKept() {
    Decoded decoded = decode(plain);
    assertThat(plain.decodedStates().enabled()).isFalse();
    assertThat(plain.decodedStates().dropped()).isZero();
    assertThat(plain.decodedStates().bytes()).isZero();
    plain.prefixFeatures(decoded.prompts(), decoded.responses());
    assertThat(plain.decodedStates().hits() + plain.decodedStates().misses()).isZero();
    assertThat(plain.toBuilder().keepDecodedStates(5).build()).satisfies(copy -> {
      try (copy) {
        assertThat(copy.decodedStates().maxBytes()).isEqualTo(5);
      }
    });
  }

  @Test
  void aNegativeBudgetIsRefused() {
    assertThatThrownBy(() -> OnnxCausalLM.builder().keepDecodedStates(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }

  @Test
  void anAlignmentTrainsItsHeadsOnTheSearchesOwnStatesWithoutAPass() {
    try (OnnxCausalLM lm = keeping(ENOUGH, HiddenFeatures.LAST)) {
      RewardModel vowels = RewardModel.of("vowel-share-v1", (prompt, response) ->
          response.chars().filter(c -> "aeiou".indexOf(c) >= 0).count() / (1.0 + response.length()));
      Aligner.builder().baseModel(lm).reward(vowels)
          .valueTrainer(MlpValueTrainer.builder().features(lm.features()).hiddenSizes(8).epochs(1).build())
          // Chunks of 4 over up to 32 tokens: some rows end (end of sequence) chunks before others and
          // leave the batch for their prompt's finals then, not when the decoding closes.
          .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(4)
              .sampling(Sampling.builder().maxNewTokens(32).build()).build())
          .iterations(2).initialSamples(4).seed(5).build()
          .align(PromptDataset.of(List.of("And God said", "Blessed are they that", "In the beginning",
              "The LORD is my")));
      DecodedStates store = lm.decodedStates();
      // Two prompts per iteration: four samples each, then four finals of the W = K = 2 search.
      assertThat(store.hits()).isEqualTo(16);
      assertThat(store.misses()).isZero();
    }
  }
}
