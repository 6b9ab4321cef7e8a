package ai.iro.examples.eval;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile-bootstrap confidence intervals of a mean, and of a mean paired difference. Each call
 * resamples with a fresh generator from the seed, so a result does not depend on what was computed
 * before, and intervals of different methods on the same prompts use the same resamples. Immutable
 * and thread safe.
 *
 * <pre>{@code
 * Interval ci = new Bootstrap(10_000, 0.95, 7).mean(rewards);
 * Interval diff = new Bootstrap(10_000, 0.95, 7).meanDifference(iro, bestOf16);   // paired by prompt
 * }</pre>
 */
public final class Bootstrap {
  /** Default resamples: 10,000. */
  public static final int DEFAULT_RESAMPLES = 10_000;
  /** Default confidence level: 0.95. */
  public static final double DEFAULT_LEVEL = 0.95;

  private final int resamples;
  private final double level;
  private final long seed;

  /**
   * @param resamples bootstrap resamples, at least 1
   * @param level the confidence level, in (0, 1)
   * @param seed the seed of the resampling
   */
  public Bootstrap(int resamples, double level, long seed) {
    Preconditions.checkArgument(resamples >= 1, "resamples must be at least 1, found %s", resamples);
    Preconditions.checkArgument(level > 0 && level < 1, "level must be in (0, 1), found %s", level);
    this.resamples = resamples;
    this.level = level;
    this.seed = seed;
  }

  /** The resamples. */
  public int resamples() {
    return resamples;
  }

  /** The confidence level. */
  public double level() {
    return level;
  }

  /**
   * The mean of {@code x} with a percentile-bootstrap interval: the {@code (1 - level) / 2} and
   * {@code (1 + level) / 2} quantiles (linear interpolation) of the means of resamples of
   * {@code x.length} values drawn with replacement.
   *
   * @throws IllegalArgumentException if {@code x} is empty or holds NaN or an infinity
   */
  public Interval mean(double[] x) {
    Preconditions.checkArgument(x.length > 0, "no values to bootstrap");
    for (int i = 0; i < x.length; i++) {
      Preconditions.checkArgument(Double.isFinite(x[i]), "value %s is %s: every value must be finite", (Object) i, x[i]);
    }
    int n = x.length;
    double[] means = new double[resamples];
    SplittableRandom random = new SplittableRandom(seed);
    for (int b = 0; b < resamples; b++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += x[random.nextInt(n)];
      }
      means[b] = sum / n;
    }
    Arrays.sort(means);
    double alpha = (1 - level) / 2;
    return new Interval(Statistics.mean(x), quantile(means, alpha), quantile(means, 1 - alpha));
  }

  /**
   * The mean of {@code a[i] - b[i]} with a paired-bootstrap interval: pairs are resampled together.
   *
   * @throws IllegalArgumentException if the arrays differ in length or are empty, or hold NaN or infinities
   */
  public Interval meanDifference(double[] a, double[] b) {
    Preconditions.checkArgument(a.length == b.length, "paired values differ in length: %s vs %s", a.length, b.length);
    double[] d = new double[a.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = a[i] - b[i];
    }
    return mean(d);
  }

  /** The p-quantile of sorted values, interpolating linearly between order statistics. */
  static double quantile(double[] sorted, double p) {
    double at = p * (sorted.length - 1);
    int lo = (int) Math.floor(at);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
  }
}
