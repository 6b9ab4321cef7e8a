package ai.iro.core.search;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resampler;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.testing.EarlyEndModel;
import ai.iro.core.testing.ScriptedModel;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueStack;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Rows that finish early leave the beam for a per-prompt pool of finals (guards against finished
 * rows being scored, resampled and forked like live rows, which put K copies of one answer among
 * the finals).
 */
class FinishedRowsTest {
  private static final int W = 4;
  private static final int K = 4;
  private static final int MAX_NEW_TOKENS = 24;
  private static final Sampling SAMPLING = Sampling.builder().maxNewTokens(MAX_NEW_TOKENS).build();
  private static final List<String> PROMPTS = IntStream.range(0, 12).mapToObj(i -> "prompt " + i).toList();
  /** Prefers longer responses, so finished (shorter) rows would often survive a resampling. */
  private static final ValueStack BY_LENGTH = ValueStack.empty().with(states -> {
    double[] out = new double[states.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = -states.get(i).responseLength();
    }
    return out;
  }, 1.0);

  private static Searcher cbs(Resampler resampler) {
    return Searcher.builder().beamWidth(W).children(K).chunkLength(4).sampling(SAMPLING).resampler(resampler).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"top-w", "diversity-first", "multinomial(tau=1.0)"})
  void noFinalIsAForkOfAnotherAndEveryPromptGetsWTimesKFinishedFinals(String resampler) {
    EarlyEndModel model = new EarlyEndModel(0.15);
    for (long seed = 1; seed <= 5; seed++) {
      SearchOutcome out = cbs(Resamplers.parse(resampler)).search(model, BY_LENGTH, Optional.empty(), PROMPTS, seed);
      for (SearchResult r : out.results()) {
        Set<List<Integer>> distinct = new HashSet<>();
        for (Candidate c : r.finals()) {
          distinct.add(Arrays.stream(c.tokens()).boxed().toList());
          assertThat(c.finishReason()).as("every final has finished").isPresent();
        }
        assertThat(r.finals()).as("finals of %s, seed %s", r.prompt(), seed).hasSize(W * K);
        assertThat(distinct).as("token-for-token distinct finals of %s, seed %s", r.prompt(), seed).hasSize(W * K);
      }
    }
  }

  @Test
  void tokensStayWithinTheBudgetOfBestOfWTimesK() {
    // Every chunk holds at most W * K rows per prompt, each at most maxNewTokens long in the end.
    for (double end : new double[] {0.0, 0.05, 0.3, 0.9}) {
      EarlyEndModel model = new EarlyEndModel(end);
      for (long seed = 1; seed <= 3; seed++) {
        for (String prompt : PROMPTS.subList(0, 3)) {
          SearchOutcome out = cbs(Resamplers.diversityFirst()).search(model, BY_LENGTH, Optional.empty(),
              List.of(prompt), seed);
          assertThat(out.tokensGenerated()).as("end probability %s, seed %s", end, seed)
              .isLessThanOrEqualTo((long) W * K * MAX_NEW_TOKENS);
        }
      }
    }
  }

  @Test
  void withoutEarlyEndsTheSearchSpendsExactlyTheBestOfWTimesKBudget() {
    SearchOutcome out = cbs(Resamplers.topW()).search(new EarlyEndModel(0.0), BY_LENGTH, Optional.empty(), PROMPTS, 3);
    assertThat(out.tokensGenerated()).isEqualTo((long) PROMPTS.size() * W * K * MAX_NEW_TOKENS);
    assertThat(out.results()).allSatisfy(r -> assertThat(r.finals()).allSatisfy(c ->
        assertThat(c.finishReason()).hasValue(FinishReason.LENGTH)));
  }

  @Test
  void finishedRowsEnterThePoolAndWhenTooManyFinishTheHighestScoresEnterFirst() {
    // ScriptedModel ending on "b": row r appends "a" if r is even, "b" if odd.
    // Chunk 1: rows a, b, a, b; the two "b" rows finish and enter the pool; top-W keeps the live
    // rows 0 and 2 and forks each twice. Chunk 2: aa, ab, aa, ab all finish (length 2); the pool
    // has room for 2: the "aa" rows (score 7) enter before the "ab" rows (score 0).
    Map<String, Double> table = Map.of("a", 1.0, "b", 2.0, "aa", 7.0, "ab", 0.0);
    ValueFunction v = states -> states.states().stream()
        .mapToDouble(s -> table.getOrDefault(s.responseText(), 0.0)).toArray();
    Searcher s = Searcher.builder().beamWidth(2).children(2).chunkLength(1)
        .sampling(Sampling.builder().maxNewTokens(2).build()).resampler(Resamplers.topW()).build();
    SearchOutcome out = s.search(ScriptedModel.endingOn(1), ValueStack.empty().with(v, 1.0), Optional.empty(),
        List.of("p"), 1);
    SearchResult r = out.results().get(0);
    assertThat(r.finals()).extracting(Candidate::text).containsExactly("b", "b", "aa", "aa");
    assertThat(r.finals()).extracting(Candidate::score).containsExactly(2.0, 2.0, 7.0, 7.0);
    assertThat(r.finals()).extracting(c -> c.finishReason().orElseThrow())
        .containsExactly(FinishReason.END_OF_SEQUENCE, FinishReason.END_OF_SEQUENCE, FinishReason.LENGTH,
            FinishReason.LENGTH);
    assertThat(r.text()).isEqualTo("aa");
    assertThat(out.tokensGenerated()).isEqualTo(4 + 4);
  }

  @Test
  void aPromptStopsWhenItsPoolIsFullEvenWithRowsStillLive() {
    // ScriptedModel ending on "b", W = K = 2, L = 1, up to 5 tokens. Chunk 1: a, b, a, b (pool: b, b);
    // chunk 2 from rows 0 and 2 forked twice: aa, ab, aa, ab (pool: b, b, ab, ab, full). The two
    // live "aa" rows are dropped: 8 tokens in all, not 4 more per chunk up to the length limit.
    Searcher s = Searcher.builder().beamWidth(2).children(2).chunkLength(1)
        .sampling(Sampling.builder().maxNewTokens(5).build()).resampler(Resamplers.topW()).build();
    SearchOutcome out = s.search(ScriptedModel.endingOn(1), ValueStack.empty(), Optional.empty(), List.of("p"), 1);
    assertThat(out.results().get(0).finals()).extracting(Candidate::text).containsExactly("b", "b", "ab", "ab");
    assertThat(out.tokensGenerated()).isEqualTo(8);
  }
}
