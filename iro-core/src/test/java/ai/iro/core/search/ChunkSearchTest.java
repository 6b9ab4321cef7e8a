package ai.iro.core.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.testing.ScriptedModel;
import ai.iro.core.testing.TabularProblem;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueStack;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Hand-built chunk-level search cases on {@link ScriptedModel}, where row r always appends "a" if r
 * is even and "b" if odd, so every survivor and final is known in advance.
 */
class ChunkSearchTest {
  private static final Sampling TWO_TOKENS = Sampling.builder().maxNewTokens(2).build();
  private static final Map<String, Double> TABLE = Map.of(
      "a", 1.0, "b", 2.0, "aa", 7.0, "ab", 0.0, "ba", 5.0, "bb", 3.0);
  private static final ValueFunction V = states -> {
    double[] out = new double[states.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = TABLE.getOrDefault(states.get(i).responseText(), 0.0);
    }
    return out;
  };
  private static final ValueStack STACK = ValueStack.empty().with(V, 1.0);

  private static Searcher cbs(ai.iro.core.resample.Resampler resampler) {
    return Searcher.builder().beamWidth(2).children(2).chunkLength(1).sampling(TWO_TOKENS).resampler(resampler).build();
  }

  private static List<String> finals(SearchResult r) {
    return r.finals().stream().map(Candidate::text).toList();
  }

  /** Top-W on whatever the search hands it, recording those scores; weighs increments or not. */
  private static final class Recording implements ai.iro.core.resample.Resampler {
    final List<double[]> seen = new java.util.ArrayList<>();
    final boolean increments;

    Recording(boolean increments) {
      this.increments = increments;
    }

    @Override
    public int[] select(double[] scores, List<String> texts, int count, java.util.random.RandomGenerator random) {
      seen.add(scores.clone());
      return Resamplers.topW().select(scores, texts, count, random);
    }

    @Override
    public boolean weighsIncrements() {
      return increments;
    }

    @Override
    public String spec() {
      return "recording";
    }
  }

  @Test
  void aRuleThatWeighsIncrementsGetsEachScoreMinusItsParents() {
    Sampling three = Sampling.builder().maxNewTokens(3).build();
    // Prompt q's states score 10 more than p's, so its parents' scores differ from p's.
    ValueStack byPrompt = ValueStack.empty().with(states -> {
      double[] out = V.values(states);
      for (int i = 0; i < out.length; i++) {
        out[i] += states.get(i).prompt().equals("q") ? 10 : 0;
      }
      return out;
    }, 1.0);
    for (boolean increments : new boolean[] {false, true}) {
      Recording rule = new Recording(increments);
      Searcher.builder().beamWidth(2).children(2).chunkLength(1).sampling(three).resampler(rule).build()
          .search(new ScriptedModel(), byPrompt, Optional.empty(), List.of("p", "q"), 1);
      // Chunk 1: a, b, a, b (1, 2, 1, 2 for p; 11, 12, 11, 12 for q; the prompt counts 0); top-W
      // keeps the two "b" rows, forked twice each. Chunk 2: ba, bb, ba, bb (5, 3, 5, 3 for p, 15,
      // 13, 15, 13 for q), each forked from "b" (2 for p, 12 for q).
      assertThat(rule.seen).hasSize(4);
      assertThat(rule.seen.get(0)).containsExactly(1, 2, 1, 2);
      assertThat(rule.seen.get(1)).containsExactly(11, 12, 11, 12);
      if (increments) {
        assertThat(rule.seen.get(2)).containsExactly(3, 1, 3, 1);
        assertThat(rule.seen.get(3)).containsExactly(3, 1, 3, 1);
      } else {
        assertThat(rule.seen.get(2)).containsExactly(5, 3, 5, 3);
        assertThat(rule.seen.get(3)).containsExactly(15, 13, 15, 13);
      }
    }
  }

  @Test
  void topWKeepsTheTwoBestRowsEvenWhenTheyAreTheSameText() {
    // After chunk 1 the rows are a, b, a, b (scores 1, 2, 1, 2): top-W keeps rows 1 and 3 ("b", "b").
    SearchResult r = cbs(Resamplers.topW()).search(new ScriptedModel(), STACK, Optional.empty(), List.of("p"), 1)
        .results().get(0);
    assertThat(finals(r)).containsExactly("ba", "bb", "ba", "bb");
    assertThat(r.text()).isEqualTo("ba");
    assertThat(r.best().score()).isEqualTo(5.0);
  }

  @Test
  void diversityFirstKeepsTheBestUniqueTexts() {
    // Unique texts ranked by best score: "b" (row 1), then "a" (row 0).
    SearchResult r = cbs(Resamplers.diversityFirst())
        .search(new ScriptedModel(), STACK, Optional.empty(), List.of("p"), 1).results().get(0);
    assertThat(finals(r)).containsExactly("ba", "bb", "aa", "ab");
    assertThat(r.text()).isEqualTo("aa");
  }

  @Test
  void finalPickUsesTheRewardModelWhenGiven() {
    RewardModel reward = RewardModel.of((p, y) -> y.equals("bb") ? 10 : 0);
    SearchResult r = cbs(Resamplers.topW()).search(new ScriptedModel(), STACK, Optional.of(reward), List.of("p"), 1)
        .results().get(0);
    assertThat(r.text()).isEqualTo("bb");
    assertThat(r.best().reward()).hasValue(10.0);
  }

  @Test
  void promptsInOneBatchAreSearchedIndependently() {
    SearchOutcome out = cbs(Resamplers.diversityFirst())
        .search(new ScriptedModel(), STACK, Optional.empty(), List.of("p", "q"), 1);
    assertThat(out.results()).extracting(SearchResult::prompt).containsExactly("p", "q");
    for (SearchResult r : out.results()) {
      assertThat(finals(r)).containsExactly("ba", "bb", "aa", "ab");
    }
    assertThat(out.tokensGenerated()).isEqualTo(2 * 4 * 2);
  }

  @Test
  void bestOfNSamplesNIndependentRowsAndPicksByReward() {
    Searcher bon = Searcher.bestOfN(4, TWO_TOKENS);
    RewardModel reward = RewardModel.of((p, y) -> y.equals("bb") ? 1 : 0);
    SearchResult r = bon.search(new ScriptedModel(), ValueStack.empty(), Optional.of(reward), List.of("p"), 3)
        .results().get(0);
    assertThat(finals(r)).containsExactly("aa", "bb", "aa", "bb");
    assertThat(r.chosenIndex()).isEqualTo(1);
  }

  @Test
  void enumerationNeedsAModelThatExposesCandidates() {
    Searcher token = Searcher.tokenLevel(2, TWO_TOKENS);
    assertThatThrownBy(() -> token.search(new ScriptedModel(), STACK, Optional.empty(), List.of("p"), 1))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("candidates");
  }

  @Test
  void sameSeedSameOutcomeOnASampledModel() {
    TabularProblem problem = new TabularProblem(3);
    Searcher s = Searcher.builder().beamWidth(2).children(3).chunkLength(1)
        .sampling(Sampling.builder().maxNewTokens(3).build()).build();
    List<String> prompts = List.of("x", "y", "z");
    SearchOutcome a = s.search(problem.model(), STACK, Optional.empty(), prompts, 17);
    SearchOutcome b = s.search(problem.model(), STACK, Optional.empty(), prompts, 17);
    for (int i = 0; i < prompts.size(); i++) {
      assertThat(finals(a.results().get(i))).isEqualTo(finals(b.results().get(i)));
    }
  }

  @Test
  void valueFunctionReturningTheWrongCountIsReported() {
    ValueStack bad = ValueStack.empty().with(states -> new double[1], 1.0);
    assertThatThrownBy(() -> cbs(Resamplers.topW()).search(new ScriptedModel(), bad, Optional.empty(), List.of("p"), 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("returned 1 values for 4 states");
  }

  @Test
  void decodingIsClosedAfterTheSearch() {
    CountingModel model = new CountingModel();
    cbs(Resamplers.topW()).search(model, STACK, Optional.empty(), List.of("p"), 1);
    assertThat(model.closed).isTrue();
  }

  /**
   * A ScriptedModel that counts text decodes (model.decode calls and Decoding.responseText calls)
   * and notes when its decoding is closed.
   */
  private static final class CountingModel implements BaseModel {
    final ScriptedModel inner = new ScriptedModel();
    int modelDecodes;
    int rowDecodes;
    boolean closed;

    @Override
    public Decoding open(List<String> prompts, Sampling sampling, long seed) {
      Decoding d = inner.open(prompts, sampling, seed);
      return (Decoding) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {Decoding.class}, (proxy, method, args) -> {
            if (method.getName().equals("responseText")) {
              rowDecodes++;
            } else if (method.getName().equals("close")) {
              closed = true;
            }
            try {
              return method.invoke(d, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
    }

    @Override
    public String decode(int[] tokens) {
      modelDecodes++;
      return inner.decode(tokens);
    }
  }

  @Test
  void textIsDecodedOnlyWhenReadAndAtMostOncePerRowAndChunk() {
    // Two chunks of 4 rows; the final texts (4) are decoded once for the results.
    ValueStack blind = ValueStack.empty().with(states -> new double[states.size()], 1.0);
    CountingModel model = new CountingModel();
    cbs(Resamplers.topW()).search(model, blind, Optional.empty(), List.of("p"), 1);
    assertThat(model.modelDecodes).as("a text-blind value function and top-W never need text").isZero();
    assertThat(model.rowDecodes).as("only the finals").isEqualTo(4);

    model = new CountingModel();
    SearchResult r = cbs(Resamplers.diversityFirst()).search(model, STACK, Optional.empty(), List.of("p"), 1)
        .results().get(0);
    assertThat(finals(r)).containsExactly("ba", "bb", "aa", "ab");
    // Chunk 1: V reads 4 texts, the resampler reuses them; the final scoring reuses the finals' texts.
    assertThat(model.modelDecodes + model.rowDecodes).isEqualTo(4 + 4);

    model = new CountingModel();
    Searcher.bestOfN(4, TWO_TOKENS).search(model, ValueStack.empty(), Optional.empty(), List.of("p"), 3);
    assertThat(model.modelDecodes + model.rowDecodes).as("best-of-N without values: only the finals").isEqualTo(4);
  }

  @Test
  void timingsHaveNoSamplingShareWhenTheModelDoesNotMeasureIt() {
    SearchTimings t = cbs(Resamplers.topW()).search(new ScriptedModel(), STACK, Optional.empty(), List.of("p"), 1)
        .timings();
    assertThat(t.samplingNanos()).isZero();
    assertThat(t.forwardNanos()).isEqualTo(t.modelNanos());
    assertThat(t.totalNanos()).isGreaterThanOrEqualTo(t.modelNanos() + t.valueNanos() + t.resampleNanos()
        + t.reorderNanos() + t.rewardNanos());
  }
}
