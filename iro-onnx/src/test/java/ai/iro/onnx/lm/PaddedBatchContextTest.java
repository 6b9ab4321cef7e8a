package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.model.Sampling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A left-padded batch run to the end of the context (64 positions in every fixture here) with forks,
 * a forced token and finished rows: the shared KV cache never holds more positions than the context,
 * because it drops the padding no fed row needs, and every row continues exactly as it does decoded
 * alone and, greedy, as the naive full pass. Fixtures: the toy bigram decoder, and make_layouts.py's
 * attention models (merged with position ids; the split pair, which counts positions from the mask;
 * the fp16 graph with a float16 cache), each with no end-of-sequence id so rows run to the context.
 */
class PaddedBatchContextTest {
  private static final int CONTEXT = 64;
  private static final String LONG = "And God said, Let there be light: and there was light. ".repeat(8);
  /** A prompt cut to the context's last 63 ids, one of 2 ids and two in between. */
  private static final List<String> PROMPTS = List.of(LONG, "And", LONG.substring(0, 120), "Blessed are the meek");
  private static final List<String> SHORT_PROMPTS = List.of("And", "Blessed are the meek", "In the beginning God created",
      "Jesus wept.");
  /** The row, after the reorder, of the longest of {@link #SHORT_PROMPTS}. */
  private static final int LONGEST_SHORT_ROW = 3;
  /** The reorder after the first tokens: rows 1 and 3 forked, each second copy forced off its best token. */
  private static final int[] FORKS = {0, 1, 1, 2, 3, 3};
  private static final int BEFORE_FORK = 8;
  private static final long SEED = 7;
  /** A stop token id of the batch below the context, forced on its longest row to end it early. */
  private static final int STOP = 2046;
  private static final Sampling SAMPLED = Sampling.builder().temperature(1.0).topK(0).topP(1.0)
      .maxNewTokens(CONTEXT).build();

  /** A fixture directory, the variant to load, and the tolerance of its hidden state against its own full pass. */
  record Model(String fixture, Optional<String> variant, double hiddenTolerance) {
    @Override
    public String toString() {
      return fixture + variant.map(v -> " (" + v + ")").orElse("");
    }
  }

  static Stream<Model> models() {
    return Stream.of(
        new Model("toy-decoder", Optional.empty(), EquivalenceContract.HIDDEN_TOLERANCE),
        new Model("layout-merged", Optional.empty(), EquivalenceContract.HIDDEN_TOLERANCE),
        new Model("layout-split", Optional.empty(), EquivalenceContract.HIDDEN_TOLERANCE),
        new Model("layout-fp16", Optional.of("fp16"), ExportLayoutTest.FP16_TOLERANCE));
  }

  /** What a scripted decoding did: each row's response, the cache's past length after each step, its trims. */
  record Run(List<int[]> responses, List<Integer> pastLengths, long trims, Optional<float[][]> features) {}

  @TempDir
  Path tmp;

  /** The fixture with the shipped model's tokenizer and no end-of-sequence id, prompts cut to the context's end. */
  private OnnxCausalLM load(Model model) {
    try {
      Path dir = ExportLayoutTest.copyFixture(model.fixture(), tmp.resolve(model.fixture()));
      Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": []}\n");
      OnnxCausalLM.Builder b = OnnxCausalLM.builder().modelDirectory(dir).promptTruncation(PromptTruncation.KEEP_END);
      model.variant().ifPresent(b::variant);
      OnnxCausalLM lm = b.build();
      assertThat(lm.contextLength()).isEqualTo(CONTEXT);
      return lm;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long[] seeds(int n, long base) {
    long[] s = new long[n];
    Arrays.setAll(s, i -> base + 31 * i);
    return s;
  }

  /**
   * The tokens forced on the forked rows: each row's most likely token, the next id for the second
   * copy of a row; ignored for finished rows.
   */
  private static int[] forkTokens(OnnxDecoding d, int vocabulary) {
    int[] tokens = new int[FORKS.length];
    for (int i = 0; i < tokens.length; i++) {
      if (!d.isFinished(i)) {
        int best = d.candidates(1).orElseThrow()[i].token(0);
        tokens[i] = i > 0 && FORKS[i] == FORKS[i - 1] ? (best + 1) % vocabulary : best;
      }
    }
    return tokens;
  }

  /**
   * Decodes {@code prompts} by the script (first tokens, the reorder {@code forks}, {@code forced},
   * then to the end), each row with stream seed {@code first[promptIndex]}, then {@code later[row]}.
   */
  private static Run decode(OnnxCausalLM lm, List<String> prompts, Sampling sampling, int[] forks, int[] forced,
      long[] first, long[] later) {
    try (OnnxDecoding d = (OnnxDecoding) lm.open(prompts, sampling, SEED)) {
      List<Integer> pasts = new ArrayList<>();
      Runnable record = () -> pasts.add(d.cachePastLength());
      d.extend(BEFORE_FORK, first, record);
      d.reorder(forks);
      d.force(forced);
      record.run();
      d.extend(sampling.maxNewTokens(), later, record);
      assertThat(d.allFinished()).isTrue();
      List<int[]> responses = new ArrayList<>();
      for (int r = 0; r < d.size(); r++) {
        responses.add(d.responseTokens(r));
      }
      return new Run(responses, pasts, d.cacheTrims(), d.features());
    }
  }

  /** The batch run of {@code prompts} by the script, and each of its rows run alone by the same script. */
  private static List<Run> batchAndAlone(OnnxCausalLM lm, List<String> prompts, Sampling sampling) {
    return batchAndAlone(lm, prompts, sampling, -1);
  }

  /** As {@link #batchAndAlone(OnnxCausalLM, List, Sampling)}, forcing {@link #STOP} on row {@code endRow} if it is one. */
  private static List<Run> batchAndAlone(OnnxCausalLM lm, List<String> prompts, Sampling sampling, int endRow) {
    long[] first = seeds(prompts.size(), 1000);
    long[] later = seeds(FORKS.length, 2000);
    int[] forced;
    try (OnnxDecoding d = (OnnxDecoding) lm.open(prompts, sampling, SEED)) {
      d.extend(BEFORE_FORK, first);
      d.reorder(FORKS);
      forced = forkTokens(d, lm.vocabularySize());
    }
    if (endRow >= 0) {
      forced[endRow] = STOP;
    }
    List<Run> runs = new ArrayList<>();
    runs.add(decode(lm, prompts, sampling, FORKS, forced, first, later));
    for (int i = 0; i < FORKS.length; i++) {
      runs.add(decode(lm, List.of(prompts.get(FORKS[i])), sampling, new int[] {0}, new int[] {forced[i]},
          new long[] {first[FORKS[i]]}, new long[] {later[i]}));
    }
    return runs;
  }

  private static void assertRowsAsAlone(List<Run> runs) {
    Run batch = runs.get(0);
    for (int i = 0; i < FORKS.length; i++) {
      assertThat(batch.responses().get(i)).as("row %s in the batch and alone", i)
          .containsExactly(runs.get(i + 1).responses().get(0));
    }
  }

  private static void assertWithinContextAndTrimmed(OnnxCausalLM lm, Run batch) {
    assertThat(batch.pastLengths()).as("positions fed to the graph at each step").allSatisfy(
        p -> assertThat(p).isLessThanOrEqualTo(CONTEXT));
    assertThat(batch.trims()).as("the padding was dropped, at most once per row").isPositive()
        .isLessThanOrEqualTo(FORKS.length);
    for (int i = 0; i < FORKS.length; i++) {
      int prompt = lm.encodePrompt(PROMPTS.get(FORKS[i])).length;
      assertThat(batch.responses().get(i)).as("row %s runs to the end of the context, padding aside", i)
          .hasSize(CONTEXT - prompt);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void greedyBatchStaysWithinTheContextAndMatchesTheNaivePassAndRowsAlone(Model model) {
    try (OnnxCausalLM lm = load(model)) {
      List<Run> runs = batchAndAlone(lm, PROMPTS, Sampling.greedy(CONTEXT));
      Run batch = runs.get(0);
      assertWithinContextAndTrimmed(lm, batch);
      assertRowsAsAlone(runs);
      for (int i = 0; i < FORKS.length; i++) {
        int[] prompt = lm.encodePrompt(PROMPTS.get(FORKS[i]));
        int[] response = batch.responses().get(i);
        int[] sequence = Reference.concat(prompt, response);
        float[][] logits = lm.logits(Arrays.copyOf(sequence, sequence.length - 1));
        for (int j = 0; j < response.length; j++) {
          if (j != BEFORE_FORK) {
            assertThat(response[j]).as("row %s token %s against the full pass", i, j)
                .isEqualTo(Reference.argmax(logits[prompt.length - 1 + j]));
          }
        }
        if (batch.features().isPresent()) {
          float[][] prefixes = lm.prefixFeatures(PROMPTS.get(FORKS[i]), response);
          assertThat(EquivalenceContract.maxAbsDifference(batch.features().get()[i],
              EquivalenceContract.toDoubles(prefixes[response.length])))
              .as("row %s's hidden state after its last token, fed at the context's last position", i)
              .isLessThan(model.hiddenTolerance());
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void sampledBatchStaysWithinTheContextAndMatchesRowsAlone(Model model) {
    try (OnnxCausalLM lm = load(model)) {
      List<Run> runs = batchAndAlone(lm, PROMPTS, SAMPLED);
      assertWithinContextAndTrimmed(lm, runs.get(0));
      assertRowsAsAlone(runs);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void batchBelowTheContextIsNeverTrimmed(Model model) {
    try (OnnxCausalLM lm = load(model)) {
      int longest = SHORT_PROMPTS.stream().mapToInt(p -> lm.encodePrompt(p).length).max().orElseThrow();
      assertThat(lm.encodePrompt(SHORT_PROMPTS.get(FORKS[LONGEST_SHORT_ROW]))).hasSize(longest);
      // The longest row ends at the fork: the gather that follows could drop padding, but the cache is far from full.
      List<Run> runs = batchAndAlone(lm, SHORT_PROMPTS,
          SAMPLED.toBuilder().maxNewTokens(24).stopTokenIds(Set.of(STOP)).build(), LONGEST_SHORT_ROW);
      Run batch = runs.get(0);
      assertThat(batch.responses().get(LONGEST_SHORT_ROW)).hasSize(BEFORE_FORK);
      assertThat(batch.trims()).isZero();
      // The callback also runs after the last call's final round, which feeds no row: drop repeats.
      List<Integer> distinct = new ArrayList<>();
      List<Integer> grown = new ArrayList<>();
      for (int p : batch.pastLengths()) {
        if (distinct.isEmpty() || distinct.get(distinct.size() - 1) != p) {
          distinct.add(p);
          grown.add(longest + grown.size() + 1);
        }
      }
      assertThat(distinct).as("the cache grows by one position a step, padding kept").isEqualTo(grown);
      assertThat(grown.get(grown.size() - 1)).isLessThan(CONTEXT);
      assertRowsAsAlone(runs);
    }
  }
}
