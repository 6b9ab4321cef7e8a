package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sub-sampling of an example's prefix states: which are kept, and the weights that keep the loss unbiased. */
class PrefixSampleTest {

  @Test
  void aShortExampleKeepsEveryStateWithWeightOne() {
    PrefixSample sample = PrefixSample.draw(4, 4, new SplittableRandom(1));
    assertThat(sample.states()).containsExactly(0, 1, 2, 3);
    assertThat(sample.weights()).containsExactly(1.0, 1.0, 1.0, 1.0);
  }

  @Test
  void aLongExampleKeepsItsLastStateAndWeighsTheOthersByTheInverseOfTheirChance() {
    SplittableRandom random = new SplittableRandom(2);
    for (int draw = 0; draw < 100; draw++) {
      PrefixSample sample = PrefixSample.draw(10, 4, random);
      assertThat(sample.states()).hasSize(4).isSorted().doesNotHaveDuplicates();
      assertThat(sample.states()[3]).isEqualTo(9);
      assertThat(sample.states()[2]).isLessThan(9);
      // Each of the 9 earlier states is kept with chance 3 / 9.
      assertThat(sample.weights()).containsExactly(3.0, 3.0, 3.0, 1.0);
    }
  }

  @Test
  void everyEarlierStateIsKeptEquallyOften() {
    // n = 6, max = 3: each of states 0..4 is kept with chance 2/5. Chi-square over the 10 possible
    // pairs, each of probability 1/10; 9 degrees of freedom, 0.999 quantile 27.88.
    int n = 6;
    int draws = 20_000;
    long[][] pairs = new long[n - 1][n - 1];
    SplittableRandom random = new SplittableRandom(3);
    for (int d = 0; d < draws; d++) {
      int[] s = PrefixSample.draw(n, 3, random).states();
      pairs[s[0]][s[1]]++;
    }
    double chi = 0;
    double expected = draws / 10.0;
    for (int a = 0; a < n - 1; a++) {
      for (int b = a + 1; b < n - 1; b++) {
        chi += (pairs[a][b] - expected) * (pairs[a][b] - expected) / expected;
      }
    }
    assertThat(chi).isLessThan(27.88);
  }

  @Test
  void theWeightedLossOverKeptStatesIsAnUnbiasedEstimateOfTheFullLoss() {
    // Four states with losses 1, 2, 4, 8 (full sum 15); at most 2 kept: the last (weight 1) and one
    // of the first three (weight 3). The estimate is 3 l_j + 8 with j uniform over {0, 1, 2}:
    // mean 15, standard deviation 3 sqrt(14/9) = 3.742; over 40,000 draws the mean's standard error
    // is 0.0187, and 5 of them bound the gap.
    double[] loss = {1, 2, 4, 8};
    SplittableRandom random = new SplittableRandom(4);
    int draws = 40_000;
    double sum = 0;
    for (int d = 0; d < draws; d++) {
      PrefixSample sample = PrefixSample.draw(4, 2, random);
      for (int s = 0; s < sample.states().length; s++) {
        sum += sample.weights()[s] * loss[sample.states()[s]];
      }
    }
    assertThat(sum / draws).isCloseTo(15.0, within(5 * 0.0187));
  }

  @Test
  void theSameRandomStateDrawsTheSameStates() {
    assertThat(PrefixSample.draw(20, 5, new SplittableRandom(9)).states())
        .containsExactly(PrefixSample.draw(20, 5, new SplittableRandom(9)).states());
  }

  @Test
  void fewerThanTwoKeptStatesAreRefused() {
    assertThatThrownBy(() -> MlpValueTrainer.builder().maxPrefixStates(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPrefixStates must be 0 (all) or at least 2, found 1");
    assertThatThrownBy(() -> MlpValueTrainer.builder().memoryBudget(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("memoryBudget must be non-negative, found -1");
  }
}
