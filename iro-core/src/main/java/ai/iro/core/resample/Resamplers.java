package ai.iro.core.resample;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The four selection rules of chunk-level beam search, and a wrapper that standardises scores.
 *
 * <ul>
 *   <li>{@link #topW()}: the best scores (original CBS, weak-to-strong search);
 *   <li>{@link #diversityFirst()}: the paper default; unique texts ranked by their best score,
 *       padded with the best duplicates when fewer than {@code count} texts are unique;
 *   <li>{@link #multinomial(double)}: draws with replacement with probability
 *       {@code softmax(score / tau)}, the unbiased "reweight" step of a particle filter;
 *   <li>{@link #systematic(double)}: the same target with lower variance;
 *   <li>{@link #standardized(Resampler)}: any of them on the scores standardised among the
 *       candidates, so that a temperature reads in standard deviations;
 *   <li>{@link #incremental(Resampler)}: any of them on each score's rise since the parent prefix.
 * </ul>
 *
 * <p>Ties between equal scores go to the lower index, so the deterministic rules are stable. Every
 * rule is immutable and thread safe.
 */
public final class Resamplers {
  private static final Pattern RANDOM_SPEC =
      Pattern.compile("(multinomial|systematic)\\(tau=([^)]+)\\)");

  private Resamplers() {}

  /** Keeps the {@code count} best scores. */
  public static Resampler topW() {
    return TopW.INSTANCE;
  }

  /** Keeps the best unique texts first, then the best duplicates. The paper default. */
  public static Resampler diversityFirst() {
    return DiversityFirst.INSTANCE;
  }

  /**
   * Draws survivors with replacement, each with probability {@code softmax(score / tau)}.
   *
   * @param tau the temperature, positive and finite
   */
  public static Resampler multinomial(double tau) {
    return new Multinomial(tau);
  }

  /**
   * Systematic (low-variance) resampling on {@code softmax(score / tau)}: one uniform draw, then
   * {@code count} evenly spaced points on the cumulative weights.
   *
   * @param tau the temperature, positive and finite
   */
  public static Resampler systematic(double tau) {
    return new Systematic(tau);
  }

  /**
   * {@code inner} applied to the scores standardised among the candidates of the selection:
   * {@code (score - mean) / sd} over the finite scores (negative infinity stays "never pick"; scores
   * whose spread is below 1e-12 of their magnitude, rounding noise, all become 0 and are picked
   * alike). A random rule's temperature then reads in standard deviations of the
   * scores, whatever the scale of the reward and values: {@code standardized(systematic(0.5))}
   * weighs candidates by {@code exp(2 z)} for a reward of any range. Rankings, and so
   * {@link #topW()} and {@link #diversityFirst()}, are unchanged by it.
   *
   * @param inner the rule that picks on the standardised scores
   */
  public static Resampler standardized(Resampler inner) {
    return new Standardized(Objects.requireNonNull(inner, "inner"));
  }

  /**
   * {@code inner} on each candidate's score minus that of the prefix it was forked from
   * ({@link Resampler#weighsIncrements}): a random rule is then sequential Monte Carlo's resampling
   * step, and {@code systematic(tau)} with the base model proposing each chunk approximates (a
   * particle per row; rows join the finals as they finish, so the rise of the chunk a row finishes
   * in is never weighed) the base model tilted by
   * {@code exp(score / tau)}, not a tilt compounding the whole score at every chunk. Wrapped in
   * {@link #standardized}, the increments are standardised among the live candidates before the rule
   * weighs them (a tilt per chunk in the increments' own spread, whatever the reward's scale; no
   * longer a fixed target). A token-level search refuses it.
   *
   * @param inner the rule that picks on the increments
   */
  public static Resampler incremental(Resampler inner) {
    return new Incremental(Objects.requireNonNull(inner, "inner"));
  }

  /**
   * Parses a {@link Resampler#spec()}: {@code top-w}, {@code diversity-first},
   * {@code multinomial(tau=T)}, {@code systematic(tau=T)}, {@code standardized(S)} or
   * {@code incremental(S)} with S one of these.
   *
   * @throws IllegalArgumentException for any other text
   */
  public static Resampler parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    switch (spec) {
      case "top-w":
        return topW();
      case "diversity-first":
        return diversityFirst();
      default:
        if (spec.startsWith(Standardized.NAME + "(") && spec.endsWith(")")) {
          return standardized(parse(spec.substring(Standardized.NAME.length() + 1, spec.length() - 1)));
        }
        if (spec.startsWith(Incremental.NAME + "(") && spec.endsWith(")")) {
          return incremental(parse(spec.substring(Incremental.NAME.length() + 1, spec.length() - 1)));
        }
        Matcher m = RANDOM_SPEC.matcher(spec);
        if (m.matches()) {
          double tau;
          try {
            tau = Double.parseDouble(m.group(2));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("resampler spec '" + spec + "' has a bad tau", e);
          }
          return m.group(1).equals("multinomial") ? multinomial(tau) : systematic(tau);
        }
        throw new IllegalArgumentException("unknown resampler '" + spec
            + "', expected one of top-w, diversity-first, multinomial(tau=T), systematic(tau=T), standardized(R), incremental(R)");
    }
  }

  static void check(double[] scores, List<String> texts, int count) {
    Preconditions.checkArgument(scores.length > 0, "no candidates to select from");
    Preconditions.checkArgument(count >= 1, "count must be at least 1, found %s", count);
    Preconditions.checkArgument(texts.size() == scores.length,
        "texts and scores differ in length: %s vs %s", texts.size(), scores.length);
    for (int i = 0; i < scores.length; i++) {
      Preconditions.checkArgument(!Double.isNaN(scores[i]) && scores[i] != Double.POSITIVE_INFINITY,
          "score %s is %s; scores must be finite or negative infinity", (Object) i, scores[i]);
    }
  }

  /** Indices sorted by descending score, ties by index. */
  private static Integer[] byScore(double[] scores) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
    return order;
  }

  /** Fills {@code count} slots from a ranked list, cycling when it is shorter. */
  private static int[] take(List<Integer> ranked, int count) {
    Preconditions.checkArgument(!ranked.isEmpty(), "every score is negative infinity: nothing can be picked");
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = ranked.get(i % ranked.size());
    }
    return out;
  }

  private static final class TopW implements Resampler {
    static final TopW INSTANCE = new TopW();

    @Override
    public int[] select(double[] scores, List<String> texts, int count, RandomGenerator random) {
      check(scores, texts, count);
      List<Integer> ranked = new ArrayList<>();
      for (int i : byScore(scores)) {
        if (scores[i] != Double.NEGATIVE_INFINITY) {
          ranked.add(i);
        }
      }
      return take(ranked, count);
    }

    @Override
    public String spec() {
      return "top-w";
    }

    @Override
    public String toString() {
      return spec();
    }
  }

  private static final class DiversityFirst implements Resampler {
    static final DiversityFirst INSTANCE = new DiversityFirst();

    @Override
    public int[] select(double[] scores, List<String> texts, int count, RandomGenerator random) {
      check(scores, texts, count);
      Map<String, Boolean> seen = new HashMap<>();
      List<Integer> unique = new ArrayList<>();
      List<Integer> duplicates = new ArrayList<>();
      for (int i : byScore(scores)) {
        if (scores[i] == Double.NEGATIVE_INFINITY) {
          continue;
        }
        if (seen.putIfAbsent(texts.get(i), Boolean.TRUE) == null) {
          unique.add(i);
        } else {
          duplicates.add(i);
        }
      }
      List<Integer> ranked = new ArrayList<>(unique);
      ranked.addAll(duplicates);
      return take(ranked, count);
    }

    @Override
    public String spec() {
      return "diversity-first";
    }

    @Override
    public String toString() {
      return spec();
    }
  }

  /** Shared by the two random rules: normalised softmax weights. */
  private abstract static class Weighted implements Resampler {
    final double tau;

    Weighted(double tau) {
      Preconditions.checkArgument(tau > 0 && Double.isFinite(tau), "tau must be positive and finite, found %s", tau);
      this.tau = tau;
    }

    /** Cumulative softmax(score / tau), the last entry exactly 1. */
    double[] cumulative(double[] scores) {
      double max = Double.NEGATIVE_INFINITY;
      for (double s : scores) {
        max = Math.max(max, s);
      }
      Preconditions.checkArgument(max != Double.NEGATIVE_INFINITY,
          "every score is negative infinity: nothing can be picked");
      double[] cdf = new double[scores.length];
      double sum = 0;
      for (int i = 0; i < scores.length; i++) {
        sum += Math.exp((scores[i] - max) / tau);
        cdf[i] = sum;
      }
      for (int i = 0; i < cdf.length; i++) {
        cdf[i] /= sum;
      }
      cdf[cdf.length - 1] = 1.0;
      return cdf;
    }

    /** The first index whose cumulative weight exceeds {@code u}, skipping zero-weight entries. */
    static int locate(double[] cdf, double u) {
      int lo = 0;
      int hi = cdf.length - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] > u) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo;
    }

    abstract String name();

    @Override
    public String spec() {
      return name() + "(tau=" + tau + ")";
    }

    @Override
    public String toString() {
      return spec();
    }

    @Override
    public boolean equals(Object o) {
      return o != null && o.getClass() == getClass() && ((Weighted) o).tau == tau;
    }

    @Override
    public int hashCode() {
      return Objects.hash(getClass(), tau);
    }
  }

  private static final class Multinomial extends Weighted {
    Multinomial(double tau) {
      super(tau);
    }

    @Override
    public int[] select(double[] scores, List<String> texts, int count, RandomGenerator random) {
      check(scores, texts, count);
      double[] cdf = cumulative(scores);
      int[] out = new int[count];
      for (int i = 0; i < count; i++) {
        out[i] = locate(cdf, random.nextDouble());
      }
      return out;
    }

    @Override
    String name() {
      return "multinomial";
    }
  }

  private static final class Systematic extends Weighted {
    Systematic(double tau) {
      super(tau);
    }

    @Override
    public int[] select(double[] scores, List<String> texts, int count, RandomGenerator random) {
      check(scores, texts, count);
      double[] cdf = cumulative(scores);
      double start = random.nextDouble() / count;
      int[] out = new int[count];
      for (int i = 0; i < count; i++) {
        out[i] = locate(cdf, Math.min(start + (double) i / count, Math.nextDown(1.0)));
      }
      return out;
    }

    @Override
    String name() {
      return "systematic";
    }
  }
}
