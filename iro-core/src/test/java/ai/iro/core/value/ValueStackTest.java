package ai.iro.core.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Direct tests of {@code sum_i V_i / beta_i} (guards against V * beta, a lost or reordered term, and
 * an empty stack that scores anything but 0).
 */
class ValueStackTest {
  private static final double EXACT = 1e-12;
  private static final StateBatch THREE = new StateBatch(List.of(
      State.of("p", new int[0], ""), State.of("p", new int[] {1}, "a"), State.of("q", new int[] {1, 2}, "ab")));

  /** Value = constant times (response length + 1): distinct per state and per function. */
  private static ValueFunction linear(double slope) {
    return states -> states.states().stream().mapToDouble(s -> slope * (s.responseLength() + 1)).toArray();
  }

  @Test
  void emptyStackScoresZero() {
    assertThat(ValueStack.empty().score(THREE)).containsExactly(0.0, 0.0, 0.0);
    assertThat(ValueStack.empty().isEmpty()).isTrue();
  }

  @Test
  void oneTermScoresValueOverBeta() {
    double[] s = ValueStack.empty().with(linear(3.0), 4.0).score(THREE);
    assertThat(s[0]).isCloseTo(3.0 / 4.0, within(EXACT));
    assertThat(s[1]).isCloseTo(6.0 / 4.0, within(EXACT));
    assertThat(s[2]).isCloseTo(9.0 / 4.0, within(EXACT));
  }

  @Test
  void termsAddEachDividedByItsOwnBeta() {
    ValueStack stack = ValueStack.empty().with(linear(1.0), 0.5).with(linear(-2.0), 2.0).with(linear(10.0), 8.0);
    double[] s = stack.score(THREE);
    for (int i = 0; i < 3; i++) {
      double n = i + 1;
      assertThat(s[i]).as("state %s", i).isCloseTo(n * 1.0 / 0.5 + n * -2.0 / 2.0 + n * 10.0 / 8.0, within(EXACT));
    }
  }

  @Test
  void termsKeepTheirOrderAndTheirBetas() {
    ValueFunction first = linear(1.0);
    ValueFunction second = linear(2.0);
    ValueStack stack = ValueStack.empty().with(first, 1.0).with(second, 2.5);
    assertThat(stack.terms()).extracting(ValueStack.Term::function).containsExactly(first, second);
    assertThat(stack.terms()).extracting(ValueStack.Term::beta).containsExactly(1.0, 2.5);
    assertThat(stack.size()).isEqualTo(2);
    assertThat(ValueStack.empty().with(first, 1.0).size()).as("with returns a new stack").isEqualTo(1);
  }

  @Test
  void aFunctionReturningTheWrongCountIsNamed() {
    ValueStack bad = ValueStack.empty().with(states -> new double[2], 1.0);
    assertThatThrownBy(() -> bad.score(THREE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("returned 2 values for 3 states");
  }

  @Test
  void betaMustBePositiveAndFinite() {
    for (double beta : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> ValueStack.empty().with(linear(1), beta))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("beta must be positive and finite");
    }
  }
}
