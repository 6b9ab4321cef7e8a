package ai.iro.examples.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {
  private static final double EXACT = 1e-12;

  @Test
  void constantValuesGiveAPointInterval() {
    Interval i = new Bootstrap(1_000, 0.95, 1).mean(new double[] {2.5, 2.5, 2.5, 2.5});
    assertThat(i.estimate()).isEqualTo(2.5);
    assertThat(i.lower()).isEqualTo(2.5);
    assertThat(i.upper()).isEqualTo(2.5);
  }

  @Test
  void aSingleValueGivesAPointInterval() {
    assertThat(new Bootstrap(100, 0.95, 1).mean(new double[] {-3})).isEqualTo(new Interval(-3, -3, -3));
  }

  /**
   * The bootstrap distribution of the mean of n zeros and ones with k ones is Binomial(n, k/n) / n
   * exactly; its 2.5 % and 97.5 % quantiles come from the binomial distribution function, computed
   * here independently. The resampled quantiles may differ by Monte Carlo error and interpolation:
   * at most one step 1/n at 10,000 resamples.
   */
  @Test
  void binaryDataMatchTheExactBinomialQuantiles() {
    int n = 100;
    int k = 30;
    double[] x = new double[n];
    Arrays.fill(x, 0, k, 1);
    Interval i = new Bootstrap(10_000, 0.95, 7).mean(x);
    assertThat(i.estimate()).isCloseTo(0.3, within(EXACT));
    assertThat(i.lower()).isCloseTo(binomialQuantile(n, k / (double) n, 0.025) / n, within(1.0 / n));
    assertThat(i.upper()).isCloseTo(binomialQuantile(n, k / (double) n, 0.975) / n, within(1.0 / n));
    assertThat(i.upper() - i.lower()).as("about 2 x 1.96 x sqrt(0.3 x 0.7 / 100)").isCloseTo(0.18, within(0.025));
  }

  private static double binomialQuantile(int n, double p, double q) {
    double cdf = 0;
    for (int j = 0; j <= n; j++) {
      cdf += Math.exp(logChoose(n, j) + j * Math.log(p) + (n - j) * Math.log1p(-p));
      if (cdf >= q) {
        return j;
      }
    }
    return n;
  }

  private static double logChoose(int n, int j) {
    double s = 0;
    for (int i = 1; i <= j; i++) {
      s += Math.log(n - j + i) - Math.log(i);
    }
    return s;
  }

  /**
   * Coverage: for 1,000 seeded samples of 100 normal values, the 95 % interval holds the true mean
   * in 95 % of them. With 1,000 trials the count's standard deviation is 0.7 %, so [92.5 %, 97.5 %]
   * (3.4 standard deviations) rejects a 90 % or a 99 % interval passed off as 95 %.
   */
  @Test
  void ninetyFivePercentIntervalsCoverTheTrueMeanNinetyFivePercentOfTheTime() {
    SplittableRandom data = new SplittableRandom(2024);
    int trials = 1_000;
    int covered = 0;
    for (int t = 0; t < trials; t++) {
      double[] x = new double[100];
      for (int i = 0; i < x.length; i++) {
        x[i] = 1 + data.nextGaussian();
      }
      if (new Bootstrap(500, 0.95, t).mean(x).contains(1)) {
        covered++;
      }
    }
    assertThat(covered / (double) trials).isBetween(0.925, 0.975);
  }

  @Test
  void pairedDifferenceRemovesWhatThePairsShare() {
    SplittableRandom r = new SplittableRandom(3);
    double[] b = new double[50];
    double[] a = new double[50];
    for (int i = 0; i < b.length; i++) {
      b[i] = 10 * r.nextGaussian();
      a[i] = b[i] + 0.5;
    }
    Interval d = new Bootstrap(1_000, 0.95, 1).meanDifference(a, b);
    assertThat(d.estimate()).isCloseTo(0.5, within(1e-9));
    assertThat(d.lower()).isCloseTo(0.5, within(1e-9));
    assertThat(d.upper()).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void pairedDifferenceIsTheIntervalOfTheDifferences() {
    double[] a = {3, 1, 4, 1, 5, 9, 2, 6};
    double[] b = {2, 7, 1, 8, 2, 8, 1, 8};
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    Bootstrap bootstrap = new Bootstrap(2_000, 0.9, 11);
    assertThat(bootstrap.meanDifference(a, b)).isEqualTo(bootstrap.mean(d));
  }

  @Test
  void theSameSeedGivesTheSameIntervalAndAnotherSeedAnother() {
    double[] x = {0.1, 0.7, 0.3, 0.9, 0.2, 0.4};
    assertThat(new Bootstrap(1_000, 0.95, 5).mean(x)).isEqualTo(new Bootstrap(1_000, 0.95, 5).mean(x));
    assertThat(new Bootstrap(1_000, 0.95, 5).mean(x)).isNotEqualTo(new Bootstrap(1_000, 0.95, 6).mean(x));
  }

  @Test
  void quantileInterpolatesBetweenOrderStatistics() {
    double[] sorted = {0, 10, 20, 30, 40};
    assertThat(Bootstrap.quantile(sorted, 0)).isEqualTo(0);
    assertThat(Bootstrap.quantile(sorted, 1)).isEqualTo(40);
    assertThat(Bootstrap.quantile(sorted, 0.5)).isEqualTo(20);
    assertThat(Bootstrap.quantile(sorted, 0.3)).isCloseTo(12, within(EXACT));
  }

  @Test
  void refusesEmptyNonFiniteOrUnpairedValuesAndBadSettings() {
    Bootstrap b = new Bootstrap(100, 0.95, 1);
    assertThatThrownBy(() -> b.mean(new double[0])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.mean(new double[] {1, Double.NaN})).hasMessageContaining("value 1 is NaN");
    assertThatThrownBy(() -> b.mean(new double[] {Double.POSITIVE_INFINITY})).hasMessageContaining("Infinity");
    assertThatThrownBy(() -> b.meanDifference(new double[2], new double[3])).hasMessageContaining("2 vs 3");
    assertThatThrownBy(() -> new Bootstrap(0, 0.95, 1)).hasMessageContaining("found 0");
    assertThatThrownBy(() -> new Bootstrap(100, 1, 1)).hasMessageContaining("found 1");
  }

  @Test
  void averagesEachPromptOverSeeds() {
    double[] avg = Statistics.averageOverSeeds(java.util.List.of(new double[] {1, 2}, new double[] {3, 6}));
    assertThat(avg).containsExactly(2, 4);
    assertThatThrownBy(() -> Statistics.averageOverSeeds(java.util.List.of(new double[1], new double[2])))
        .hasMessageContaining("different numbers of prompts");
  }
}
