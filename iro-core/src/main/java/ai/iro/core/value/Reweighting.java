package ai.iro.core.value;

import com.google.common.base.Preconditions;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "reweight" step of an alignment iteration: which of a prompt's scored final responses are
 * kept as training examples for the next value function (the reward-best, a softmax draw, or all
 * of them). Not to be confused with a {@link ai.iro.core.resample.Resampler}, which picks the
 * beams that survive a step of the search. Immutable and thread safe.
 */
public final class Reweighting {
  private static final Pattern SOFTMAX = Pattern.compile("softmax\\(beta=([^)]+)\\)");
  private static final Reweighting BEST = new Reweighting(0);
  private static final Reweighting ALL = new Reweighting(-1);

  private final double beta;

  private Reweighting(double beta) {
    this.beta = beta;
  }

  /** Keeps the reward-best candidate (the paper's reference code). */
  public static Reweighting best() {
    return BEST;
  }

  /**
   * Keeps every candidate: the value function then estimates the plain Monte-Carlo value of the
   * sampling policy, without reweighting (one-shot guidance as in controlled decoding).
   */
  public static Reweighting all() {
    return ALL;
  }

  /**
   * Keeps one candidate drawn with probability {@code softmax(r / beta)}: the principled
   * reweighting.
   *
   * @param beta positive and finite
   */
  public static Reweighting softmax(double beta) {
    Preconditions.checkArgument(beta > 0 && Double.isFinite(beta), "selection beta must be positive and finite, found %s", beta);
    return new Reweighting(beta);
  }

  /** Parses {@link #spec()}: {@code best} or {@code softmax(beta=B)}. */
  public static Reweighting parse(String spec) {
    if (spec.equals("best")) {
      return best();
    }
    if (spec.equals("all")) {
      return all();
    }
    Matcher m = SOFTMAX.matcher(spec);
    if (m.matches()) {
      return softmax(Double.parseDouble(m.group(1)));
    }
    throw new IllegalArgumentException("unknown selection '" + spec + "', expected best, all or softmax(beta=B)");
  }

  /** The text form, for manifests. */
  public String spec() {
    return beta == 0 ? "best" : beta < 0 ? "all" : "softmax(beta=" + beta + ")";
  }

  /**
   * Picks the indices of the kept responses of one prompt.
   *
   * @param rewards the rewards of the prompt's responses, all finite
   * @param random the source of the softmax draw (unused by {@code best} and {@code all})
   * @return the kept indices, in increasing order for {@code all}
   */
  public int[] keep(double[] rewards, RandomGenerator random) {
    if (beta < 0) {
      int[] all = new int[rewards.length];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    return new int[] {pick(rewards, random)};
  }

  /** Picks the index of one kept candidate among finite rewards. */
  int pick(double[] rewards, RandomGenerator random) {
    int best = 0;
    for (int i = 1; i < rewards.length; i++) {
      if (rewards[i] > rewards[best]) {
        best = i;
      }
    }
    if (beta == 0) {
      return best;
    }
    double sum = 0;
    double[] w = new double[rewards.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.exp((rewards[i] - rewards[best]) / beta);
      sum += w[i];
    }
    double u = random.nextDouble() * sum;
    for (int i = 0; i < w.length; i++) {
      u -= w[i];
      if (u < 0) {
        return i;
      }
    }
    return w.length - 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reweighting && ((Reweighting) o).beta == beta;
  }

  @Override
  public int hashCode() {
    return Objects.hash(beta);
  }

  @Override
  public String toString() {
    return spec();
  }
}
