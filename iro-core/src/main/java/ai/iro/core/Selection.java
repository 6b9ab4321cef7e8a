package ai.iro.core;

import com.google.common.base.Preconditions;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an alignment iteration keeps responses per prompt from its scored candidates (the
 * "reweight" step): the reward-best, a softmax draw, or all of them. Immutable.
 */
public final class Selection {
  private static final Pattern SOFTMAX = Pattern.compile("softmax\\(beta=([^)]+)\\)");
  private static final Selection BEST = new Selection(0);
  private static final Selection ALL = new Selection(-1);

  private final double beta;

  private Selection(double beta) {
    this.beta = beta;
  }

  /** Keeps the reward-best candidate (the paper's reference code). */
  public static Selection best() {
    return BEST;
  }

  /**
   * Keeps every candidate: the value function then estimates the plain Monte-Carlo value of the
   * sampling policy, without reweighting (one-shot guidance as in controlled decoding).
   */
  public static Selection all() {
    return ALL;
  }

  /**
   * Keeps one candidate drawn with probability {@code softmax(r / beta)}: the principled
   * reweighting.
   *
   * @param beta positive and finite
   */
  public static Selection softmax(double beta) {
    Preconditions.checkArgument(beta > 0 && Double.isFinite(beta), "selection beta must be positive and finite, found %s", beta);
    return new Selection(beta);
  }

  /** Parses {@link #spec()}: {@code best} or {@code softmax(beta=B)}. */
  public static Selection parse(String spec) {
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

  /** Picks the indices of the kept candidates among finite rewards. */
  int[] keep(double[] rewards, RandomGenerator random) {
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
    return o instanceof Selection && ((Selection) o).beta == beta;
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
