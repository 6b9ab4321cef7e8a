package ai.iro.core.resample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.testing.ChiSquare;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The four survivor rules on hand-built cases, and the random ones by statistical checks. */
class ResamplersTest {
  /** Chi-square goodness-of-fit tests fail below this p-value. */
  private static final double SIGNIFICANCE = 0.001;
  /** A per-index mean may be off by this many standard errors. */
  private static final double MAX_STANDARD_ERRORS = 5.0;
  /** Repetitions of one selection for the statistical checks. */
  private static final int REPETITIONS = 20_000;
  /** Survivors per selection in the statistical checks. */
  private static final int SURVIVORS = 8;
  /** Target weights; SURVIVORS * w_i is never an integer, so floor and ceil differ. */
  private static final double[] WEIGHTS = {0.07, 0.13, 0.35, 0.45};

  private static List<String> texts(int n) {
    return Collections.nCopies(n, "same");
  }

  private static double[] logWeights() {
    return Arrays.stream(WEIGHTS).map(Math::log).toArray();
  }

  static Stream<Resampler> allRules() {
    return Stream.of(Resamplers.topW(), Resamplers.diversityFirst(), Resamplers.multinomial(0.5),
        Resamplers.systematic(2.0), Resamplers.standardized(Resamplers.systematic(0.5)),
        Resamplers.incremental(Resamplers.systematic(1.0)),
        Resamplers.standardized(Resamplers.incremental(Resamplers.multinomial(0.5))));
  }

  @Test
  void incrementalRulesSayTheyWeighIncrementsAndSelectAsTheirInnerRule() {
    Resampler inner = Resamplers.systematic(1.0);
    Resampler incremental = Resamplers.incremental(inner);
    assertThat(inner.weighsIncrements()).isFalse();
    assertThat(Resamplers.standardized(inner).weighsIncrements()).isFalse();
    assertThat(incremental.weighsIncrements()).isTrue();
    assertThat(Resamplers.standardized(incremental).weighsIncrements()).as("the wrapper passes it on").isTrue();
    assertThat(incremental.spec()).isEqualTo("incremental(systematic(tau=1.0))");
    double[] scores = {0.3, -1.0, 2.0, 0.5};
    assertThat(incremental.select(scores, texts(4), 6, new SplittableRandom(3)))
        .containsExactly(inner.select(scores, texts(4), 6, new SplittableRandom(3)));
    assertThat(Resamplers.parse("incremental(standardized(systematic(tau=0.5)))"))
        .isEqualTo(Resamplers.incremental(Resamplers.standardized(Resamplers.systematic(0.5))));
  }

  static Stream<Resampler> randomRules() {
    return Stream.of(Resamplers.multinomial(1.0), Resamplers.systematic(1.0));
  }

  /** Per-repetition survivor counts: counts[rep][index]. */
  private static int[][] survivorCounts(Resampler rule, double[] scores, int survivors, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<String> texts = texts(scores.length);
    int[][] counts = new int[REPETITIONS][scores.length];
    for (int rep = 0; rep < REPETITIONS; rep++) {
      int[] picked = rule.select(scores, texts, survivors, random);
      assertThat(picked).hasSize(survivors);
      for (int i : picked) {
        counts[rep][i]++;
      }
    }
    return counts;
  }

  private static long[] pooled(int[][] counts) {
    long[] total = new long[counts[0].length];
    for (int[] rep : counts) {
      for (int i = 0; i < rep.length; i++) {
        total[i] += rep[i];
      }
    }
    return total;
  }

  private static double mean(int[][] counts, int i) {
    double sum = 0;
    for (int[] rep : counts) {
      sum += rep[i];
    }
    return sum / counts.length;
  }

  private static double variance(int[][] counts, int i) {
    double m = mean(counts, i);
    double sum = 0;
    for (int[] rep : counts) {
      sum += (rep[i] - m) * (rep[i] - m);
    }
    return sum / (counts.length - 1);
  }

  /**
   * The mean count of each index is within {@link #MAX_STANDARD_ERRORS} of N w_i, the standard
   * error taken from the binomial variance N w_i (1 - w_i) (an upper bound for systematic).
   */
  private static void assertMeanCountsProportionalToWeights(int[][] counts) {
    for (int i = 0; i < WEIGHTS.length; i++) {
      double expected = SURVIVORS * WEIGHTS[i];
      double standardError = Math.sqrt(SURVIVORS * WEIGHTS[i] * (1 - WEIGHTS[i]) / REPETITIONS);
      assertThat(Math.abs(mean(counts, i) - expected))
          .as("index %s: mean %s vs N w = %s (SE %s)", i, mean(counts, i), expected, standardError)
          .isLessThanOrEqualTo(MAX_STANDARD_ERRORS * standardError);
    }
  }

  // ---- top-W ----

  @Test
  void topWSelectsTheBestScoresInDescendingOrder() {
    double[] scores = {0.5, 2.0, -1.0, 9.0, 7.0};
    assertThat(Resamplers.topW().select(scores, texts(5), 3, new SplittableRandom(1))).containsExactly(3, 4, 1);
  }

  @Test
  void topWBreaksTiesTowardsTheLowerIndex() {
    double[] scores = {0.5, 2.0, -1.0, 2.0, 7.0, 2.0};
    assertThat(Resamplers.topW().select(scores, texts(6), 4, new SplittableRandom(1))).containsExactly(4, 1, 3, 5);
    assertThat(Resamplers.topW().select(new double[] {1, 1, 1}, texts(3), 2, new SplittableRandom(1)))
        .containsExactly(0, 1);
  }

  @Test
  void topWKeepsDuplicateTexts() {
    double[] scores = {3.0, 1.0, 2.0};
    List<String> texts = List.of("a", "b", "a");
    assertThat(Resamplers.topW().select(scores, texts, 2, new SplittableRandom(1))).containsExactly(0, 2);
  }

  @Test
  void topWCyclesTheRankingWhenCountExceedsCandidates() {
    double[] scores = {0.5, 2.0, -1.0};
    assertThat(Resamplers.topW().select(scores, texts(3), 7, new SplittableRandom(1)))
        .containsExactly(1, 0, 2, 1, 0, 2, 1);
  }

  @Test
  void topWDoesNotDependOnTheRandomSource() {
    double[] scores = {0.3, 0.1, 0.2, 0.4};
    assertThat(Resamplers.topW().select(scores, texts(4), 2, new SplittableRandom(1)))
        .containsExactly(Resamplers.topW().select(scores, texts(4), 2, new SplittableRandom(2)));
  }

  // ---- diversity-first ----

  @Test
  void diversityFirstPrefersUniqueTexts() {
    double[] scores = {5, 5, 3, 1};
    List<String> texts = List.of("a", "a", "b", "c");
    assertThat(Resamplers.diversityFirst().select(scores, texts, 2, new SplittableRandom(1))).containsExactly(0, 2);
  }

  @Test
  void diversityFirstPadsWithTheBestDuplicatesAfterAllUniqueTexts() {
    double[] scores = {5, 5, 3, 1};
    List<String> texts = List.of("a", "a", "b", "c");
    assertThat(Resamplers.diversityFirst().select(scores, texts, 4, new SplittableRandom(1)))
        .containsExactly(0, 2, 3, 1);
  }

  @Test
  void diversityFirstRepresentsATextByItsBestScoringCopyNotItsFirstOccurrence() {
    double[] scores = {1, 4, 9, 2};
    List<String> texts = List.of("a", "b", "a", "c");
    assertThat(Resamplers.diversityFirst().select(scores, texts, 3, new SplittableRandom(1)))
        .containsExactly(2, 1, 3);
    assertThat(Resamplers.diversityFirst().select(scores, texts, 4, new SplittableRandom(1)))
        .containsExactly(2, 1, 3, 0);
  }

  @Test
  void diversityFirstRanksDuplicatesAmongThemselvesByScore() {
    double[] scores = {1, 2, 3, 4, 5};
    List<String> texts = List.of("a", "a", "b", "b", "c");
    assertThat(Resamplers.diversityFirst().select(scores, texts, 5, new SplittableRandom(1)))
        .containsExactly(4, 3, 1, 2, 0);
  }

  @Test
  void diversityFirstCyclesWhenCountExceedsCandidates() {
    double[] scores = {3, 1, 2};
    List<String> texts = List.of("x", "y", "x");
    assertThat(Resamplers.diversityFirst().select(scores, texts, 7, new SplittableRandom(1)))
        .containsExactly(0, 1, 2, 0, 1, 2, 0);
  }

  @Test
  void diversityFirstWithAllTextsUniqueIsTopW() {
    double[] scores = {0.5, 2.0, -1.0, 2.0, 7.0};
    List<String> texts = List.of("a", "b", "c", "d", "e");
    for (int count = 1; count <= 7; count++) {
      assertThat(Resamplers.diversityFirst().select(scores, texts, count, new SplittableRandom(1)))
          .as("count %s", count)
          .containsExactly(Resamplers.topW().select(scores, texts, count, new SplittableRandom(1)));
    }
  }

  // ---- multinomial ----

  @Test
  void multinomialMeanSurvivorCountsAreProportionalToWeights() {
    int[][] counts = survivorCounts(Resamplers.multinomial(1.0), logWeights(), SURVIVORS, 20240601L);
    assertMeanCountsProportionalToWeights(counts);
  }

  @Test
  void multinomialPooledCountsPassChiSquareAgainstWeights() {
    int[][] counts = survivorCounts(Resamplers.multinomial(1.0), logWeights(), SURVIVORS, 77L);
    assertThat(ChiSquare.pValue(pooled(counts), WEIGHTS)).isGreaterThan(SIGNIFICANCE);
  }

  @Test
  void multinomialChiSquareRejectsTheWrongTarget() {
    // Power check: the same samples do not pass as uniform.
    int[][] counts = survivorCounts(Resamplers.multinomial(1.0), logWeights(), SURVIVORS, 77L);
    double[] uniform = {0.25, 0.25, 0.25, 0.25};
    assertThat(ChiSquare.pValue(pooled(counts), uniform)).isLessThan(SIGNIFICANCE);
  }

  // ---- systematic ----

  @Test
  void systematicMeanSurvivorCountsAreProportionalToWeights() {
    int[][] counts = survivorCounts(Resamplers.systematic(1.0), logWeights(), SURVIVORS, 20240602L);
    assertMeanCountsProportionalToWeights(counts);
  }

  @Test
  void systematicPooledCountsPassChiSquareAgainstWeights() {
    // Systematic counts vary less than multinomial ones, so the multinomial test is conservative.
    int[][] counts = survivorCounts(Resamplers.systematic(1.0), logWeights(), SURVIVORS, 78L);
    assertThat(ChiSquare.pValue(pooled(counts), WEIGHTS)).isGreaterThan(SIGNIFICANCE);
  }

  @Test
  void systematicCountsAreFloorOrCeilOfExpectedCount() {
    int[][] counts = survivorCounts(Resamplers.systematic(1.0), logWeights(), SURVIVORS, 79L);
    for (int i = 0; i < WEIGHTS.length; i++) {
      double expected = SURVIVORS * WEIGHTS[i];
      for (int[] rep : counts) {
        assertThat(rep[i]).as("index %s, N w = %s", i, expected)
            .isBetween((int) Math.floor(expected), (int) Math.ceil(expected));
      }
    }
  }

  @Test
  void systematicCountsVaryLessThanMultinomialCounts() {
    int[][] systematic = survivorCounts(Resamplers.systematic(1.0), logWeights(), SURVIVORS, 80L);
    int[][] multinomial = survivorCounts(Resamplers.multinomial(1.0), logWeights(), SURVIVORS, 80L);
    double systematicTotal = 0;
    double multinomialTotal = 0;
    for (int i = 0; i < WEIGHTS.length; i++) {
      // Floor-or-ceil counts are Bernoulli shifted: variance at most 1/4 each.
      assertThat(variance(systematic, i)).as("systematic variance of index %s", i).isLessThanOrEqualTo(0.25);
      assertThat(variance(systematic, i)).as("index %s", i).isLessThan(variance(multinomial, i));
      systematicTotal += variance(systematic, i);
      multinomialTotal += variance(multinomial, i);
    }
    assertThat(systematicTotal).isLessThan(multinomialTotal);
  }

  // ---- temperature and special scores ----

  @Test
  void largeTauMakesMultinomialApproximatelyUniform() {
    double[] scores = {0, 1, 2, 3};
    long[] counts = pooled(survivorCounts(Resamplers.multinomial(1e6), scores, SURVIVORS, 81L));
    double[] uniform = {0.25, 0.25, 0.25, 0.25};
    assertThat(ChiSquare.pValue(counts, uniform)).isGreaterThan(SIGNIFICANCE);
    // At tau = 1 the same scores are far from uniform.
    long[] sharp = pooled(survivorCounts(Resamplers.multinomial(1.0), scores, SURVIVORS, 81L));
    assertThat(ChiSquare.pValue(sharp, uniform)).isLessThan(SIGNIFICANCE);
  }

  @ParameterizedTest
  @MethodSource("randomRules")
  void tauDividesTheScores(Resampler unitTau) {
    // Halved scores at tau 1 are the same target as the scores at tau 2; the values are exact in binary.
    double[] scores = {0, 1, 2, 3};
    double[] halved = {0, 0.5, 1, 1.5};
    Resampler tauTwo = Resamplers.parse(unitTau.spec().replace("tau=1.0", "tau=2.0"));
    for (long seed = 0; seed < 100; seed++) {
      assertThat(tauTwo.select(scores, texts(4), SURVIVORS, new SplittableRandom(seed)))
          .containsExactly(unitTau.select(halved, texts(4), SURVIVORS, new SplittableRandom(seed)));
    }
  }

  @ParameterizedTest
  @MethodSource("randomRules")
  void negativeInfinityScoreIsNeverPicked(Resampler rule) {
    double ninf = Double.NEGATIVE_INFINITY;
    double[] scores = {ninf, 0.0, ninf, 1.0, ninf};
    long[] counts = pooled(survivorCounts(rule, scores, SURVIVORS, 82L));
    assertThat(counts[0]).isZero();
    assertThat(counts[2]).isZero();
    assertThat(counts[4]).isZero();
    assertThat(counts[1] + counts[3]).isEqualTo((long) REPETITIONS * SURVIVORS);
  }

  @Test
  void deterministicRulesRankNegativeInfinityLast() {
    double ninf = Double.NEGATIVE_INFINITY;
    double[] scores = {ninf, 0.0, ninf, 1.0};
    List<String> texts = List.of("a", "b", "c", "d");
    assertThat(Resamplers.topW().select(scores, texts, 2, new SplittableRandom(1))).containsExactly(3, 1);
    assertThat(Resamplers.diversityFirst().select(scores, texts, 2, new SplittableRandom(1))).containsExactly(3, 1);
  }

  @Test
  void systematicNeverPicksANegativeInfinityLastScoreEvenForTheLargestUniform() {
    RandomGenerator largestUniform = () -> -1L; // nextDouble() == Math.nextDown(1.0)
    double[] scores = {0.0, Double.NEGATIVE_INFINITY};
    assertThat(Resamplers.systematic(1.0).select(scores, texts(2), 2, largestUniform)).containsExactly(0, 0);
  }

  @Test
  void diversityFirstPrefersAFiniteDuplicateToANegativeInfinityUniqueText() {
    double[] scores = {5, 5, Double.NEGATIVE_INFINITY};
    List<String> texts = List.of("a", "a", "b");
    assertThat(Resamplers.diversityFirst().select(scores, texts, 2, new SplittableRandom(1))).containsExactly(0, 1);
  }

  @ParameterizedTest
  @MethodSource("randomRules")
  void allNegativeInfinityScoresAreRejected(Resampler rule) {
    double[] scores = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
    assertThatThrownBy(() -> rule.select(scores, texts(2), 1, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative infinity");
  }

  @ParameterizedTest
  @MethodSource("allRules")
  void nanScoreIsRejectedNamingItsIndex(Resampler rule) {
    double[] scores = {0.1, 0.2, Double.NaN, 0.3};
    assertThatThrownBy(() -> rule.select(scores, texts(4), 2, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("score 2")
        .hasMessageContaining("NaN");
  }

  @ParameterizedTest
  @MethodSource("allRules")
  void positiveInfinityScoreIsRejectedNamingItsIndex(Resampler rule) {
    double[] scores = {0.1, Double.POSITIVE_INFINITY, 0.3};
    assertThatThrownBy(() -> rule.select(scores, texts(3), 2, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("score 1");
  }

  @ParameterizedTest
  @MethodSource("allRules")
  void mismatchedLengthsAreRejected(Resampler rule) {
    assertThatThrownBy(() -> rule.select(new double[] {1, 2}, texts(3), 1, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 vs 2");
  }

  @ParameterizedTest
  @MethodSource("allRules")
  void emptyScoresAreRejected(Resampler rule) {
    assertThatThrownBy(() -> rule.select(new double[0], List.of(), 1, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no candidates");
  }

  @ParameterizedTest
  @MethodSource("allRules")
  void countBelowOneIsRejected(Resampler rule) {
    assertThatThrownBy(() -> rule.select(new double[] {1, 2}, texts(2), 0, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY})
  void tauMustBePositiveAndFinite(double tau) {
    assertThatThrownBy(() -> Resamplers.multinomial(tau))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found " + tau);
    assertThatThrownBy(() -> Resamplers.systematic(tau))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found " + tau);
  }

  // ---- specs ----

  @ParameterizedTest
  @MethodSource("allRules")
  void parseOfSpecRoundTrips(Resampler rule) {
    Resampler parsed = Resamplers.parse(rule.spec());
    assertThat(parsed).isEqualTo(rule);
    assertThat(parsed.spec()).isEqualTo(rule.spec());
  }

  @Test
  void specsHaveTheDocumentedForm() {
    assertThat(Resamplers.topW().spec()).isEqualTo("top-w");
    assertThat(Resamplers.diversityFirst().spec()).isEqualTo("diversity-first");
    assertThat(Resamplers.multinomial(0.5).spec()).isEqualTo("multinomial(tau=0.5)");
    assertThat(Resamplers.systematic(2).spec()).isEqualTo("systematic(tau=2.0)");
  }

  @Test
  void equalityDependsOnRuleAndTau() {
    assertThat(Resamplers.multinomial(0.5)).isEqualTo(Resamplers.multinomial(0.5))
        .hasSameHashCodeAs(Resamplers.multinomial(0.5))
        .isNotEqualTo(Resamplers.multinomial(0.25))
        .isNotEqualTo(Resamplers.systematic(0.5));
  }

  // ---- standardized ----

  @Test
  void standardizedFeedsTheInnerRuleZScores() {
    double[] scores = {1.0, 3.0, Double.NEGATIVE_INFINITY, 8.0};
    // mean 4, sd sqrt((9 + 1 + 16) / 3) over the finite scores
    double sd = Math.sqrt(26.0 / 3);
    double[] z = {-3 / sd, -1 / sd, Double.NEGATIVE_INFINITY, 4 / sd};
    Resampler inner = Resamplers.systematic(0.5);
    for (long seed = 0; seed < 50; seed++) {
      assertThat(Resamplers.standardized(inner).select(scores, texts(4), 6, new SplittableRandom(seed)))
          .isEqualTo(inner.select(z, texts(4), 6, new SplittableRandom(seed)));
    }
  }

  @Test
  void standardizedIgnoresTheScoresScaleAndOffset() {
    double[] scores = {0.1, 0.4, 0.2, 0.9, 0.3};
    double[] scaled = Arrays.stream(scores).map(s -> 250 * s - 40).toArray();
    Resampler rule = Resamplers.standardized(Resamplers.multinomial(0.5));
    Resampler raw = Resamplers.multinomial(0.5);
    boolean rawDiffers = false;
    for (long seed = 0; seed < 50; seed++) {
      assertThat(rule.select(scaled, texts(5), 8, new SplittableRandom(seed)))
          .isEqualTo(rule.select(scores, texts(5), 8, new SplittableRandom(seed)));
      rawDiffers |= !Arrays.equals(raw.select(scaled, texts(5), 8, new SplittableRandom(seed)),
          raw.select(scores, texts(5), 8, new SplittableRandom(seed)));
    }
    assertThat(rawDiffers).as("without standardising, the scale changes the picks").isTrue();
  }

  @Test
  void standardizedEqualScoresAreUniform() {
    int[] picked = Resamplers.standardized(Resamplers.systematic(0.5)).select(new double[] {2, 2, 2, 2}, texts(4), 4,
        new SplittableRandom(3));
    assertThat(picked).containsExactlyInAnyOrder(0, 1, 2, 3);
    int[] noisy = Resamplers.standardized(Resamplers.systematic(0.5)).select(
        new double[] {1e6, 1e6 + 1e-9, 1e6 - 1e-9, 1e6}, texts(4), 4, new SplittableRandom(3));
    assertThat(noisy).as("rounding noise is not a spread").containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  @Test
  void standardizedSpecNestsTheInnerSpec() {
    assertThat(Resamplers.standardized(Resamplers.systematic(0.5)).spec()).isEqualTo("standardized(systematic(tau=0.5))");
    assertThat(Resamplers.parse("standardized(top-w)")).isEqualTo(Resamplers.standardized(Resamplers.topW()))
        .isNotEqualTo(Resamplers.topW());
    assertThatThrownBy(() -> Resamplers.parse("standardized(beam)")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'beam'");
  }

  @Test
  void unknownSpecIsRejectedListingTheKnownRules() {
    assertThatThrownBy(() -> Resamplers.parse("beam"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'beam'")
        .hasMessageContaining("top-w")
        .hasMessageContaining("diversity-first")
        .hasMessageContaining("multinomial(tau=T)")
        .hasMessageContaining("systematic(tau=T)");
  }

  @Test
  void badTauInSpecIsRejected() {
    assertThatThrownBy(() -> Resamplers.parse("multinomial(tau=hot)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad tau");
    assertThatThrownBy(() -> Resamplers.parse("systematic(tau=0)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0.0");
  }

  @ParameterizedTest
  @MethodSource("randomRules")
  void hugeScoresKeepTheirRelativeWeights(Resampler rule) {
    // Guards the max-shift of the softmax: exp(1000) overflows, exp(1000 - max) does not.
    double[] shifted = Arrays.stream(logWeights()).map(x -> x + 1000).toArray();
    long[] counts = pooled(survivorCounts(rule, shifted, SURVIVORS, 99));
    long[] reference = pooled(survivorCounts(rule, logWeights(), SURVIVORS, 99));
    assertThat(counts).as("%s with every score shifted by 1000", rule).containsExactly(reference);
  }

  @ParameterizedTest
  @MethodSource("allRules")
  void onlyNegativeInfinityIsRejectedByEveryRule(Resampler rule) {
    double ninf = Double.NEGATIVE_INFINITY;
    assertThatThrownBy(() -> rule.select(new double[] {ninf, ninf, ninf}, texts(3), 2, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("every score is negative infinity");
  }

  @ParameterizedTest
  @MethodSource("allRules")
  void equalRulesHaveEqualHashesAndTheirSpecAsText(Resampler rule) {
    Resampler again = Resamplers.parse(rule.spec());
    assertThat(again).isEqualTo(rule).hasSameHashCodeAs(rule);
    assertThat(rule.toString()).isEqualTo(rule.spec());
  }
}
