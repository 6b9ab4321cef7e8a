package ai.iro.core.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.testing.ChiSquare;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReweightingTest {
  /** Chi-square goodness-of-fit tests fail below this p-value. */
  private static final double SIGNIFICANCE = 0.001;
  private static final int DRAWS = 20_000;
  private static final double[] REWARDS = {0.0, 0.5, 1.0, -0.3, 0.8};
  private static final double BETA = 0.5;

  private static long[] pickCounts(Reweighting selection, double[] rewards, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] counts = new long[rewards.length];
    for (int i = 0; i < DRAWS; i++) {
      counts[selection.pick(rewards, random)]++;
    }
    return counts;
  }

  private static double[] softmax(double[] rewards, double beta) {
    double max = Double.NEGATIVE_INFINITY;
    for (double r : rewards) {
      max = Math.max(max, r);
    }
    double[] p = new double[rewards.length];
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp((rewards[i] - max) / beta);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  @Test
  void bestPicksTheArgmax() {
    SplittableRandom random = new SplittableRandom(3);
    assertThat(Reweighting.best().pick(REWARDS, random)).isEqualTo(2);
    assertThat(Reweighting.best().pick(new double[] {-5, -1, -3}, random)).isEqualTo(1);
    assertThat(Reweighting.best().pick(new double[] {7}, random)).isZero();
    assertThat(Reweighting.best().pick(new double[] {0, 0, 9}, random)).isEqualTo(2);
  }

  @Test
  void bestKeepsOneCandidate() {
    assertThat(Reweighting.best().keep(REWARDS, new SplittableRandom(3))).containsExactly(2);
  }

  @Test
  void allKeepsEveryCandidateInOrder() {
    assertThat(Reweighting.all().keep(REWARDS, new SplittableRandom(3))).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void softmaxKeepsOneCandidate() {
    assertThat(Reweighting.softmax(BETA).keep(REWARDS, new SplittableRandom(3))).hasSize(1);
  }

  @Test
  void softmaxFrequenciesMatchSoftmaxOfRewardsOverBeta() {
    long[] counts = pickCounts(Reweighting.softmax(BETA), REWARDS, 2024L);
    assertThat(ChiSquare.pValue(counts, softmax(REWARDS, BETA)))
        .as("chi-square p-value against softmax(r / beta)")
        .isGreaterThan(SIGNIFICANCE);
  }

  @Test
  void softmaxFrequenciesRejectTheWrongTemperature() {
    // Power check: the same draws do not pass as softmax(r / (2 beta)).
    long[] counts = pickCounts(Reweighting.softmax(BETA), REWARDS, 2024L);
    assertThat(ChiSquare.pValue(counts, softmax(REWARDS, 2 * BETA))).isLessThan(SIGNIFICANCE);
  }

  @Test
  void softmaxWithLargeRewardsDoesNotOverflow() {
    double[] shifted = {1000.0, 1000.5, 1001.0, 999.7, 1000.8};
    long[] counts = pickCounts(Reweighting.softmax(BETA), shifted, 7L);
    assertThat(ChiSquare.pValue(counts, softmax(REWARDS, BETA))).isGreaterThan(SIGNIFICANCE);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY})
  void softmaxBetaMustBePositiveAndFinite(double beta) {
    assertThatThrownBy(() -> Reweighting.softmax(beta))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found " + beta);
  }

  static Stream<Reweighting> selections() {
    return Stream.of(Reweighting.best(), Reweighting.all(), Reweighting.softmax(0.25), Reweighting.softmax(3));
  }

  @ParameterizedTest
  @MethodSource("selections")
  void parseOfSpecRoundTrips(Reweighting selection) {
    Reweighting parsed = Reweighting.parse(selection.spec());
    assertThat(parsed).isEqualTo(selection).hasSameHashCodeAs(selection);
    assertThat(parsed.spec()).isEqualTo(selection.spec());
  }

  @Test
  void specsHaveTheDocumentedForm() {
    assertThat(Reweighting.best().spec()).isEqualTo("best");
    assertThat(Reweighting.all().spec()).isEqualTo("all");
    assertThat(Reweighting.softmax(0.25).spec()).isEqualTo("softmax(beta=0.25)");
  }

  @Test
  void unknownSpecIsRejected() {
    assertThatThrownBy(() -> Reweighting.parse("greedy"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'greedy'");
    assertThatThrownBy(() -> Reweighting.parse("softmax(beta=0)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0.0");
  }

  @Test
  void bestBreaksTiesTowardsTheEarlierResponse() {
    assertThat(Reweighting.best().pick(new double[] {1, 9, 9, 9}, new SplittableRandom(1))).isEqualTo(1);
  }

  @Test
  void equalityFollowsTheRule() {
    assertThat(Reweighting.softmax(2)).isEqualTo(Reweighting.softmax(2)).hasSameHashCodeAs(Reweighting.softmax(2))
        .isNotEqualTo(Reweighting.softmax(3)).isNotEqualTo(Reweighting.best());
    assertThat(Reweighting.best()).isNotEqualTo(Reweighting.all()).isNotEqualTo("best");
    assertThat(Reweighting.softmax(0.25)).hasToString("softmax(beta=0.25)");
    assertThat(Reweighting.best().hashCode()).isNotEqualTo(Reweighting.softmax(2).hashCode());
  }

  @Test
  void weightedKeepsEveryResponseWithSoftmaxWeightsThatSumToOne() {
    double[] rewards = {1, 3, 2};
    int[] kept = Reweighting.weighted(0.5).keep(rewards, new SplittableRandom(1));
    assertThat(kept).containsExactly(0, 1, 2);
    double[] w = Reweighting.weighted(0.5).weights(rewards, kept, 2.0);
    double z = Math.exp(1 / 1.0) + Math.exp(3 / 1.0) + Math.exp(2 / 1.0);
    assertThat(w[0]).isCloseTo(Math.exp(1) / z, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(w[1]).isCloseTo(Math.exp(3) / z, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(w[0] + w[1] + w[2]).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(Reweighting.weighted(1e-6).weights(new double[] {1e6, 0}, new int[] {0, 1}, 1)).containsExactly(1, 0);
    assertThat(Reweighting.best().weights(rewards, new int[] {1}, 2.0)).containsExactly(1);
    assertThat(Reweighting.parse("weighted(temperature=0.5)")).isEqualTo(Reweighting.weighted(0.5));
    assertThat(Reweighting.weighted(0.5)).isNotEqualTo(Reweighting.softmax(0.5));
  }
}
