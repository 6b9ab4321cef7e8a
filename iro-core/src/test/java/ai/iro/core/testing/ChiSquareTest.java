package ai.iro.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The chi-square helper against published quantiles and hand-computed statistics. */
class ChiSquareTest {
  /** Published quantiles have three decimals; at the 0.999 quantile that moves the tail by ~1e-7. */
  private static final double TAIL_TOLERANCE_AT_0_999 = 2e-6;
  /** Around the bulk of the distribution three decimals move the tail by up to ~1e-4. */
  private static final double TAIL_TOLERANCE_IN_BULK = 2e-4;
  /** Closed forms are matched to floating-point accuracy. */
  private static final double EXACT = 1e-12;

  @Test
  void upperTailAtPublishedZeroPointNineNineNineQuantilesIsOnePerMille() {
    // Continued-fraction branch (x / 2 >= df / 2 + 1).
    assertThat(ChiSquare.upperTail(54.052, 26)).isCloseTo(0.001, within(TAIL_TOLERANCE_AT_0_999));
    assertThat(ChiSquare.upperTail(13.816, 2)).isCloseTo(0.001, within(TAIL_TOLERANCE_AT_0_999));
    assertThat(ChiSquare.upperTail(10.828, 1)).isCloseTo(0.001, within(TAIL_TOLERANCE_AT_0_999));
    assertThat(ChiSquare.upperTail(29.588, 10)).isCloseTo(0.001, within(TAIL_TOLERANCE_AT_0_999));
  }

  @Test
  void upperTailAtPublishedQuantilesInTheBulk() {
    // Series branch (x / 2 < df / 2 + 1): the 0.05 and 0.5 quantiles of chi2(10).
    assertThat(ChiSquare.upperTail(3.940, 10)).isCloseTo(0.95, within(TAIL_TOLERANCE_IN_BULK));
    assertThat(ChiSquare.upperTail(9.342, 10)).isCloseTo(0.50, within(TAIL_TOLERANCE_IN_BULK));
    // Continued-fraction branch: the 0.95 quantile of chi2(10) and of chi2(26).
    assertThat(ChiSquare.upperTail(18.307, 10)).isCloseTo(0.05, within(TAIL_TOLERANCE_IN_BULK));
    assertThat(ChiSquare.upperTail(38.885, 26)).isCloseTo(0.05, within(TAIL_TOLERANCE_IN_BULK));
  }

  @Test
  void upperTailWithTwoDegreesOfFreedomIsExponential() {
    for (double x : new double[] {0.1, 0.5, 1.0, 2.0, 3.9, 4.1, 10.0, 40.0}) {
      assertThat(ChiSquare.upperTail(x, 2)).as("x = %s", x).isCloseTo(Math.exp(-x / 2), within(EXACT));
    }
  }

  @Test
  void upperTailOfZeroIsOne() {
    assertThat(ChiSquare.upperTail(0, 5)).isEqualTo(1.0);
  }

  @Test
  void pValueOfCountsEqualToExpectationIsOne() {
    long[] observed = {25, 25, 50};
    double[] probabilities = {0.25, 0.25, 0.5};
    assertThat(ChiSquare.pValue(observed, probabilities)).isCloseTo(1.0, within(EXACT));
  }

  @Test
  void pValueUsesPearsonsStatisticWithCategoriesMinusOneDegreesOfFreedom() {
    // Expected 20 each: statistic (100 + 0 + 100) / 20 = 10 with 2 degrees of freedom.
    long[] observed = {10, 20, 30};
    double third = 1.0 / 3;
    assertThat(ChiSquare.pValue(observed, new double[] {third, third, third}))
        .isCloseTo(Math.exp(-5), within(EXACT));
  }

  @Test
  void zeroProbabilityCategoriesAreIgnoredWhenEmptyAndFatalWhenNot() {
    double[] probabilities = {1.0 / 3, 0, 1.0 / 3, 1.0 / 3};
    assertThat(ChiSquare.pValue(new long[] {10, 0, 20, 30}, probabilities)).isCloseTo(Math.exp(-5), within(EXACT));
    assertThat(ChiSquare.pValue(new long[] {10, 1, 20, 30}, probabilities)).isZero();
  }

  @Test
  void pValueRejectsMismatchedLengths() {
    assertThatThrownBy(() -> ChiSquare.pValue(new long[] {1, 2}, new double[] {1.0}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
