package ai.iro.onnx.value;

import com.google.common.base.Preconditions;
import java.util.SplittableRandom;

/**
 * The prefix states of one example that a training run keeps when at most {@code max} are kept per
 * example ({@link MlpValueTrainer.Builder#maxPrefixStates}), and their loss weights. An example of
 * {@code n <= max} states keeps all, each weighted 1. A longer one keeps its last state (the
 * complete response, whose target is the reward itself) with weight 1, and {@code max - 1} of the
 * other {@code n - 1} states drawn uniformly without replacement, each weighted
 * {@code (n - 1) / (max - 1)}: every other state is kept with probability {@code (max - 1) / (n - 1)},
 * so the weighted sum of any per-state quantity over the kept states is an unbiased estimate of its
 * sum over all {@code n} states, and the total weight is exactly {@code n}.
 *
 * @param states the kept states' indices (0 is the prompt alone, {@code n - 1} the full response), ascending
 * @param weights the weight of each kept state, in the order of {@code states}
 */
record PrefixSample(int[] states, double[] weights) {

  /**
   * Draws the kept states of an example of {@code n} states.
   *
   * @param n the example's prefix states, at least 1
   * @param max the most states kept, at least 2; {@link Integer#MAX_VALUE} keeps all
   * @param random the source of the draw, advanced only when {@code n > max}
   */
  static PrefixSample draw(int n, int max, SplittableRandom random) {
    Preconditions.checkArgument(n >= 1, "n must be at least 1, found %s", n);
    Preconditions.checkArgument(max >= 2, "max must be at least 2, found %s", max);
    if (n <= max) {
      int[] all = new int[n];
      double[] ones = new double[n];
      for (int j = 0; j < n; j++) {
        all[j] = j;
        ones[j] = 1;
      }
      return new PrefixSample(all, ones);
    }
    int[] kept = new int[max];
    double[] weights = new double[max];
    double weight = (double) (n - 1) / (max - 1);
    // Selection sampling (Knuth's algorithm S) over the first n - 1 states: ascending, no extra memory.
    int needed = max - 1;
    int k = 0;
    for (int j = 0; j < n - 1 && needed > 0; j++) {
      if (random.nextInt(n - 1 - j) < needed) {
        kept[k] = j;
        weights[k] = weight;
        k++;
        needed--;
      }
    }
    kept[k] = n - 1;
    weights[k] = 1;
    return new PrefixSample(kept, weights);
  }

  /** The number of states {@link #draw} keeps of an example of {@code n} states. */
  static int keptCount(int n, int max) {
    return Math.min(n, max);
  }
}
