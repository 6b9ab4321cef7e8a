package ai.iro.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RooflineTest {
  private static final double TOLERANCE = 1e-12;

  @Test
  void tokensPerSecondIsBandwidthOverWeightBytesPerToken() {
    // 500 MB of weights read per token at 10 GB/s: 20 tokens per second, whatever the arithmetic.
    assertThat(new Roofline(500_000_000L, 10e9).tokensPerSecond()).isCloseTo(20.0, within(TOLERANCE));
    assertThat(new Roofline(480_000_000L, 24e9).tokensPerSecond()).isCloseTo(50.0, within(TOLERANCE));
  }

  @Test
  void fractionIsTheMeasuredRateOverTheRoofline() {
    Roofline roofline = new Roofline(500_000_000L, 10e9);

    assertThat(roofline.fraction(5.0)).isCloseTo(0.25, within(TOLERANCE));
    assertThat(roofline.fraction(20.0)).isCloseTo(1.0, within(TOLERANCE));
    assertThat(roofline.fraction(0.0)).isZero();
  }

  @Test
  void rejectsWeightBytesThatAreNotPositive() {
    assertThatThrownBy(() -> new Roofline(0, 1e9))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("weightBytes must be positive, found 0");
  }

  @Test
  void rejectsBandwidthThatIsNotPositiveAndFinite() {
    for (double bad : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> new Roofline(1, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("bandwidthBytesPerSecond must be positive and finite, found " + bad);
    }
  }

  @Test
  void rejectsMeasuredRatesThatAreNegativeOrNotFinite() {
    Roofline roofline = new Roofline(1, 1e9);
    for (double bad : new double[] {-0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> roofline.fraction(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("measuredTokensPerSecond must be non-negative and finite, found " + bad);
    }
  }
}
