package ai.iro.core.value;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "reweight" step of an alignment iteration: which of a prompt's scored final responses are
 * kept as training examples for the next value function, and with what weight: the reward-best
 * (the paper), a softmax draw, all of them unweighted, or all of them with self-normalised weights
 * {@code softmax(r / beta)}. Not to be confused with a {@link ai.iro.core.resample.Resampler},
 * which picks the beams that survive a step of the search. Immutable and thread safe.
 *
 * <p>The weighted rule is an importance-weighted estimate of the same reward-tilted target that
 * keeping the best approximates, from every sampled answer instead of one in sixteen. Its
 * temperature is in units of the iteration's reward standard deviation, so that one setting fits
 * rewards of any scale.
 */
public final class Reweighting {
  private static final Pattern SOFTMAX = Pattern.compile("softmax\\(beta=([^)]+)\\)");
  private static final Pattern WEIGHTED = Pattern.compile("weighted\\(temperature=([^)]+)\\)");
  private static final Reweighting BEST = new Reweighting(Mode.BEST, 0);
  private static final Reweighting ALL = new Reweighting(Mode.ALL, 0);

  private enum Mode { BEST, ALL, SOFTMAX, WEIGHTED }

  private final Mode mode;
  private final double beta;

  private Reweighting(Mode mode, double beta) {
    this.mode = mode;
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
   * @param beta positive and finite, in reward units
   */
  public static Reweighting softmax(double beta) {
    Preconditions.checkArgument(beta > 0 && Double.isFinite(beta), "selection beta must be positive and finite, found %s", beta);
    return new Reweighting(Mode.SOFTMAX, beta);
  }

  /**
   * Keeps every candidate with weight {@code softmax(r / (temperature * sd))} over the prompt's
   * candidates, where {@code sd} is the standard deviation of every reward of the iteration: the
   * weights of one prompt sum to 1, as the one example of {@link #best()} does.
   *
   * @param temperature positive and finite; small values approach {@link #best()}, large ones
   *     {@link #all()}
   */
  public static Reweighting weighted(double temperature) {
    Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
        "weighted temperature must be positive and finite, found %s", temperature);
    return new Reweighting(Mode.WEIGHTED, temperature);
  }

  /** Parses {@link #spec()}: {@code best}, {@code all}, {@code softmax(beta=B)} or {@code weighted(temperature=T)}. */
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
    Matcher w = WEIGHTED.matcher(spec);
    if (w.matches()) {
      return weighted(Double.parseDouble(w.group(1)));
    }
    throw new IllegalArgumentException("unknown selection '" + spec
        + "', expected best, all, softmax(beta=B) or weighted(temperature=T)");
  }

  /** The text form, for manifests. */
  public String spec() {
    return switch (mode) {
      case BEST -> "best";
      case ALL -> "all";
      case SOFTMAX -> "softmax(beta=" + beta + ")";
      case WEIGHTED -> "weighted(temperature=" + beta + ")";
    };
  }

  /**
   * Picks the indices of the kept responses of one prompt.
   *
   * @param rewards the rewards of the prompt's responses, all finite
   * @param random the source of the softmax draw (unused by the other rules)
   * @return the kept indices, in increasing order for {@code all} and {@code weighted}
   */
  public int[] keep(double[] rewards, RandomGenerator random) {
    if (mode == Mode.ALL || mode == Mode.WEIGHTED) {
      int[] all = new int[rewards.length];
      Arrays.setAll(all, i -> i);
      return all;
    }
    return new int[] {pick(rewards, random)};
  }

  /**
   * The training weights of the kept responses {@code kept} of one prompt: 1 each, except for
   * {@link #weighted}, whose weights are {@code softmax(r / (temperature * scale))} and sum to 1.
   *
   * @param rewards the rewards of all the prompt's responses, finite
   * @param kept what {@link #keep} returned for them
   * @param scale the iteration's reward standard deviation, positive and finite
   */
  public double[] weights(double[] rewards, int[] kept, double scale) {
    Preconditions.checkArgument(scale > 0 && Double.isFinite(scale), "scale must be positive and finite, found %s", scale);
    double[] w = new double[kept.length];
    if (mode != Mode.WEIGHTED) {
      Arrays.fill(w, 1);
      return w;
    }
    double t = beta * scale;
    double max = Double.NEGATIVE_INFINITY;
    for (int k : kept) {
      max = Math.max(max, rewards[k]);
    }
    double sum = 0;
    for (int i = 0; i < kept.length; i++) {
      w[i] = Math.exp((rewards[kept[i]] - max) / t);
      sum += w[i];
    }
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    return w;
  }

  /** Picks the index of one kept candidate among finite rewards. */
  int pick(double[] rewards, RandomGenerator random) {
    int best = 0;
    for (int i = 1; i < rewards.length; i++) {
      if (rewards[i] > rewards[best]) {
        best = i;
      }
    }
    if (mode != Mode.SOFTMAX) {
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
    return o instanceof Reweighting && ((Reweighting) o).mode == mode && ((Reweighting) o).beta == beta;
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, beta);
  }

  @Override
  public String toString() {
    return spec();
  }
}
