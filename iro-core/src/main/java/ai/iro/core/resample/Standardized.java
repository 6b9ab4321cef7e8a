package ai.iro.core.resample;

import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * {@link Resamplers#standardized}: the inner rule on the scores standardised among the candidates
 * (mean 0, standard deviation 1 over the finite scores; all 0 when they are equal).
 */
final class Standardized implements Resampler {
  static final String NAME = "standardized";

  private final Resampler inner;

  Standardized(Resampler inner) {
    this.inner = inner;
  }

  @Override
  public int[] select(double[] scores, List<String> texts, int count, RandomGenerator random) {
    Resamplers.check(scores, texts, count);
    double sum = 0;
    int finite = 0;
    for (double s : scores) {
      if (s != Double.NEGATIVE_INFINITY) {
        sum += s;
        finite++;
      }
    }
    double mean = finite == 0 ? 0 : sum / finite;
    double squares = 0;
    for (double s : scores) {
      if (s != Double.NEGATIVE_INFINITY) {
        squares += (s - mean) * (s - mean);
      }
    }
    double sd = finite == 0 ? 0 : Math.sqrt(squares / finite);
    if (!(sd > 1e-12 * Math.max(1.0, Math.abs(mean)))) {
      sd = 0;
    }
    double[] z = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      z[i] = scores[i] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY
          : sd > 0 ? (scores[i] - mean) / sd : 0;
    }
    return inner.select(z, texts, count, random);
  }

  @Override
  public boolean weighsIncrements() {
    return inner.weighsIncrements();
  }

  @Override
  public String spec() {
    return NAME + "(" + inner.spec() + ")";
  }

  @Override
  public String toString() {
    return spec();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Standardized other && other.inner.equals(inner);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Standardized.class, inner);
  }
}
