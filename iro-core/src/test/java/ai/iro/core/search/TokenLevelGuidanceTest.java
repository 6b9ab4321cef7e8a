package ai.iro.core.search;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.model.Sampling;
import ai.iro.core.testing.ChiSquare;
import ai.iro.core.testing.TabularProblem;
import ai.iro.core.value.ValueStack;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Token-level guided sampling (L = 1, exact expansion) against the analytic distribution
 * {@code pi_0 * prod_i exp(V_i / beta_i)}, normalised per step, on the tabular problem.
 */
class TokenLevelGuidanceTest {
  private static final double SIGNIFICANCE = 0.001;
  private static final int SAMPLES = 24_000;
  private static final int PROMPTS_PER_CALL = 1_000;
  private static final Sampling PLAIN = Sampling.builder().temperature(1).topK(0).topP(1)
      .maxNewTokens(TabularProblem.HORIZON).build();

  private final TabularProblem problem = new TabularProblem(7);

  private ValueStack randomStack() {
    SplittableRandom random = new SplittableRandom(11);
    return ValueStack.empty()
        .with(TabularProblem.randomValue(random, 2.0), 1.0)
        .with(TabularProblem.randomValue(random, 2.0), 2.0)
        .with(TabularProblem.randomValue(random, 2.0), 2.5);
  }

  private long[] sampleCounts(ValueStack stack, long seed) {
    Searcher searcher = Searcher.tokenLevel(TabularProblem.VOCAB, PLAIN);
    Map<String, Long> counts = new HashMap<>();
    List<String> prompts = Collections.nCopies(PROMPTS_PER_CALL, "x");
    for (int call = 0; call < SAMPLES / PROMPTS_PER_CALL; call++) {
      SearchOutcome out = searcher.search(problem.model(), stack, Optional.empty(), prompts, seed + call);
      for (SearchResult r : out.results()) {
        counts.merge(r.text(), 1L, Long::sum);
      }
    }
    List<String> responses = TabularProblem.responses();
    assertThat(counts.keySet()).isSubsetOf(responses);
    long[] observed = new long[responses.size()];
    for (int i = 0; i < observed.length; i++) {
      observed[i] = counts.getOrDefault(responses.get(i), 0L);
    }
    return observed;
  }

  private static double[] probabilities(Map<String, Double> distribution) {
    return TabularProblem.responses().stream().mapToDouble(distribution::get).toArray();
  }

  @Test
  void guidedSamplesFollowTheAnalyticDistribution() {
    ValueStack stack = randomStack();
    long[] observed = sampleCounts(stack, 1234);
    double p = ChiSquare.pValue(observed, probabilities(problem.guidedDistribution(stack)));
    assertThat(p).as("chi-square p-value against pi_0 * exp(sum V_i / beta_i)").isGreaterThan(SIGNIFICANCE);
  }

  @Test
  void theTestRejectsTheUnguidedDistribution() {
    ValueStack stack = randomStack();
    long[] observed = sampleCounts(stack, 1234);
    double p = ChiSquare.pValue(observed, probabilities(problem.guidedDistribution(ValueStack.empty())));
    assertThat(p).as("guided samples must not pass as pi_0: the test has power").isLessThan(SIGNIFICANCE);
  }

  @Test
  void unguidedSamplesFollowTheBasePolicy() {
    long[] observed = sampleCounts(ValueStack.empty(), 99);
    double p = ChiSquare.pValue(observed, probabilities(problem.guidedDistribution(ValueStack.empty())));
    assertThat(p).isGreaterThan(SIGNIFICANCE);
  }

  @Test
  void sameSeedGivesSameSamples() {
    ValueStack stack = randomStack();
    Searcher searcher = Searcher.tokenLevel(TabularProblem.VOCAB, PLAIN);
    List<String> prompts = Collections.nCopies(50, "x");
    SearchOutcome a = searcher.search(problem.model(), stack, Optional.empty(), prompts, 5);
    SearchOutcome b = searcher.search(problem.model(), stack, Optional.empty(), prompts, 5);
    SearchOutcome c = searcher.search(problem.model(), stack, Optional.empty(), prompts, 6);
    assertThat(a.results().stream().map(SearchResult::text).toList())
        .isEqualTo(b.results().stream().map(SearchResult::text).toList())
        .isNotEqualTo(c.results().stream().map(SearchResult::text).toList());
  }
}
