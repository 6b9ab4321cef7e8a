package ai.iro.examples.eval;

import com.google.common.base.Preconditions;

/**
 * An estimate with a confidence interval. Immutable and thread safe.
 *
 * @param estimate the point estimate (the sample mean)
 * @param lower the interval's lower end, at most the upper
 * @param upper the interval's upper end
 */
public record Interval(double estimate, double lower, double upper) {
  /** Validates the fields. */
  public Interval {
    Preconditions.checkArgument(lower <= upper, "lower %s is above upper %s", lower, upper);
  }

  /** Whether the interval holds a value (ends included). */
  public boolean contains(double value) {
    return lower <= value && value <= upper;
  }

  /** Whether the whole interval is above zero. */
  public boolean aboveZero() {
    return lower > 0;
  }
}
