package ai.iro.core.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ValueTargetTest {
  private static final double TOLERANCE = 1e-12;
  /** A chunk tree: 0 and 1 share [5, 6], 2 shares [5] with them, 3 shares nothing. */
  private static final List<int[]> RESPONSES = List.of(new int[] {5, 6, 7}, new int[] {5, 6, 8}, new int[] {5, 9},
      new int[] {4});
  private static final double[] REWARDS = {1.0, 3.0, -2.0, 0.5};

  private static double soft(double beta, double... r) {
    double sum = 0;
    for (double x : r) {
      sum += Math.exp(x / beta);
    }
    return beta * Math.log(sum / r.length);
  }

  @Test
  void monteCarloGivesEveryPrefixTheReward() {
    assertThat(ValueTarget.monteCarlo().prefixTargets(RESPONSES, REWARDS, 1, 2.0)).containsExactly(3.0, 3.0, 3.0, 3.0);
  }

  @Test
  void softTargetsAverageExponentiallyOverTheResponsesSharingEachPrefix() {
    double temperature = 0.5;
    double scale = 2.0;
    double beta = temperature * scale;
    double[] t = ValueTarget.soft(temperature).prefixTargets(RESPONSES, REWARDS, 0, scale);
    assertThat(t).hasSize(4);
    assertThat(t[0]).isCloseTo(soft(beta, 1.0, 3.0, -2.0, 0.5), within(TOLERANCE));
    assertThat(t[1]).isCloseTo(soft(beta, 1.0, 3.0, -2.0), within(TOLERANCE));
    assertThat(t[2]).isCloseTo(soft(beta, 1.0, 3.0), within(TOLERANCE));
    assertThat(t[3]).isCloseTo(1.0, within(TOLERANCE));
    double[] lone = ValueTarget.soft(temperature).prefixTargets(RESPONSES, REWARDS, 3, scale);
    assertThat(lone[1]).isCloseTo(0.5, within(TOLERANCE));
  }

  @Test
  void softTargetsLieBetweenTheMeanAndTheBestAndApproachThem() {
    double[] cold = ValueTarget.soft(1e-3).prefixTargets(RESPONSES, REWARDS, 0, 1.0);
    double[] hot = ValueTarget.soft(1e4).prefixTargets(RESPONSES, REWARDS, 0, 1.0);
    assertThat(cold[0]).isCloseTo(3.0, within(0.01));
    assertThat(hot[0]).isCloseTo((1.0 + 3.0 - 2.0 + 0.5) / 4, within(0.01));
  }

  @Test
  void softTargetsStayFiniteForLargeRewards() {
    double[] t = ValueTarget.soft(0.01).prefixTargets(List.of(new int[] {1}, new int[] {1}), new double[] {1e6, 1e6 - 1},
        0, 1.0);
    assertThat(t[0]).isFinite().isCloseTo(1e6 + 0.01 * Math.log(0.5), within(1e-6));
  }

  @Test
  void parsesItsSpecAndRefusesBadSettings() {
    assertThat(ValueTarget.parse(ValueTarget.soft(0.5).spec())).isEqualTo(ValueTarget.soft(0.5));
    assertThat(ValueTarget.parse("monte-carlo")).isEqualTo(ValueTarget.monteCarlo());
    assertThatThrownBy(() -> ValueTarget.parse("td(0)")).hasMessageContaining("td(0)");
    assertThatThrownBy(() -> ValueTarget.soft(0)).hasMessageContaining("found 0");
    assertThatThrownBy(() -> ValueTarget.soft(1).prefixTargets(RESPONSES, new double[] {1}, 0, 1))
        .hasMessageContaining("4 responses but 1 rewards");
  }
}
