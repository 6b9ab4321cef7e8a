package ai.iro.core.value;

import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a kept response's prefix states are trained toward. {@link #monteCarlo()} (the paper):
 * every prefix gets the response's reward. {@link #soft(double)}: prefix {@code p} gets the soft
 * value {@code beta * log mean exp(r / beta)} over the rewards of all the prompt's sampled
 * responses that begin with {@code p}: the value of a KL-regularised improvement step, estimated
 * from every answer below the state instead of one. The chunk tree of the search gives shared
 * prefixes for free; for the responses of Best-of-N only the empty prefix is shared. {@code beta}
 * is the temperature times the iteration's reward standard deviation. Immutable and thread safe.
 */
public final class ValueTarget {
  private static final Pattern SOFT = Pattern.compile("soft\\(temperature=([^)]+)\\)");
  private static final ValueTarget MONTE_CARLO = new ValueTarget(0);

  private final double temperature;

  private ValueTarget(double temperature) {
    this.temperature = temperature;
  }

  /** Every prefix state's target is its response's reward (the paper). */
  public static ValueTarget monteCarlo() {
    return MONTE_CARLO;
  }

  /**
   * Soft value targets over the responses that share each prefix.
   *
   * @param temperature positive and finite, in units of the iteration's reward standard deviation;
   *     large values give the mean reward of the responses below the prefix, small ones their best
   */
  public static ValueTarget soft(double temperature) {
    Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
        "soft target temperature must be positive and finite, found %s", temperature);
    return new ValueTarget(temperature);
  }

  /** Parses {@link #spec()}: {@code monte-carlo} or {@code soft(temperature=T)}. */
  public static ValueTarget parse(String spec) {
    if (spec.equals("monte-carlo")) {
      return monteCarlo();
    }
    Matcher m = SOFT.matcher(spec);
    if (m.matches()) {
      return soft(Double.parseDouble(m.group(1)));
    }
    throw new IllegalArgumentException("unknown value target '" + spec + "', expected monte-carlo or soft(temperature=T)");
  }

  /** The text form, for manifests. */
  public String spec() {
    return temperature == 0 ? "monte-carlo" : "soft(temperature=" + temperature + ")";
  }

  /** Whether this is {@link #monteCarlo()}. */
  public boolean isMonteCarlo() {
    return temperature == 0;
  }

  /**
   * The targets of every prefix state of response {@code k} of one prompt.
   *
   * @param responses the token ids of every sampled response of the prompt
   * @param rewards their rewards, finite
   * @param k the response whose prefixes are wanted
   * @param scale the iteration's reward standard deviation, positive and finite
   * @return {@code responses.get(k).length + 1} targets, prefix length 0 first
   */
  public double[] prefixTargets(List<int[]> responses, double[] rewards, int k, double scale) {
    Preconditions.checkArgument(responses.size() == rewards.length, "%s responses but %s rewards",
        responses.size(), rewards.length);
    Preconditions.checkArgument(scale > 0 && Double.isFinite(scale), "scale must be positive and finite, found %s", scale);
    int[] own = responses.get(k);
    double[] targets = new double[own.length + 1];
    if (isMonteCarlo()) {
      Arrays.fill(targets, rewards[k]);
      return targets;
    }
    double beta = temperature * scale;
    // Responses still sharing the prefix: the set only shrinks as the prefix grows.
    int n = rewards.length;
    int[] sharing = new int[n];
    for (int i = 0; i < n; i++) {
      sharing[i] = i;
    }
    int count = n;
    for (int j = 0; j <= own.length; j++) {
      if (j > 0) {
        int kept = 0;
        for (int c = 0; c < count; c++) {
          int[] other = responses.get(sharing[c]);
          if (other.length >= j && other[j - 1] == own[j - 1]) {
            sharing[kept++] = sharing[c];
          }
        }
        count = kept;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < count; c++) {
        max = Math.max(max, rewards[sharing[c]]);
      }
      double sum = 0;
      for (int c = 0; c < count; c++) {
        sum += Math.exp((rewards[sharing[c]] - max) / beta);
      }
      targets[j] = max + beta * Math.log(sum / count);
    }
    return targets;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ValueTarget && ((ValueTarget) o).temperature == temperature;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(temperature);
  }

  @Override
  public String toString() {
    return spec();
  }
}
