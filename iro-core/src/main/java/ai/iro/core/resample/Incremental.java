package ai.iro.core.resample;

import java.util.List;
import java.util.random.RandomGenerator;

/** {@link Resamplers#incremental}: the inner rule, told to weigh score increments. */
final class Incremental implements Resampler {
  static final String NAME = "incremental";

  private final Resampler inner;

  Incremental(Resampler inner) {
    this.inner = inner;
  }

  /** The scores are already increments: the search computes them ({@link #weighsIncrements}). */
  @Override
  public int[] select(double[] scores, List<String> texts, int count, RandomGenerator random) {
    return inner.select(scores, texts, count, random);
  }

  @Override
  public boolean weighsIncrements() {
    return true;
  }

  @Override
  public String spec() {
    return NAME + "(" + inner.spec() + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Incremental i && i.inner.equals(inner);
  }

  @Override
  public int hashCode() {
    return 31 * NAME.hashCode() + inner.hashCode();
  }

  @Override
  public String toString() {
    return spec();
  }
}
