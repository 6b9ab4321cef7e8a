package ai.iro.examples.eval;

import com.google.common.base.Preconditions;
import java.util.List;

/** Plain statistics of per-prompt rewards. Stateless. */
public final class Statistics {
  private Statistics() {}

  /**
   * The mean of values.
   *
   * @throws IllegalArgumentException if there are none
   */
  public static double mean(double[] x) {
    Preconditions.checkArgument(x.length > 0, "the mean of no values");
    double sum = 0;
    for (double v : x) {
      sum += v;
    }
    return sum / x.length;
  }

  /**
   * The per-prompt average over seeds: {@code out[i]} is the mean of {@code perSeed.get(s)[i]} over s.
   *
   * @throws IllegalArgumentException if there are no seeds or the seeds cover different numbers of prompts
   */
  public static double[] averageOverSeeds(List<double[]> perSeed) {
    Preconditions.checkArgument(!perSeed.isEmpty(), "no seeds to average");
    int n = perSeed.get(0).length;
    double[] out = new double[n];
    for (double[] seed : perSeed) {
      Preconditions.checkArgument(seed.length == n, "seeds cover different numbers of prompts: %s vs %s", seed.length, n);
      for (int i = 0; i < n; i++) {
        out[i] += seed[i];
      }
    }
    for (int i = 0; i < n; i++) {
      out[i] /= perSeed.size();
    }
    return out;
  }
}
