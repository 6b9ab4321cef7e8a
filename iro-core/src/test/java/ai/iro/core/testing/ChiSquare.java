package ai.iro.core.testing;

/** Pearson's chi-square goodness-of-fit test, with the regularised upper incomplete gamma function. */
public final class ChiSquare {
  private static final int MAX_ITERATIONS = 10_000;
  private static final double EPSILON = 1e-15;

  private ChiSquare() {}

  /**
   * The p-value of observed counts against expected probabilities (which sum to 1); categories
   * with zero probability must have zero counts. Degrees of freedom: categories with positive
   * probability minus one.
   */
  public static double pValue(long[] observed, double[] expectedProbabilities) {
    if (observed.length != expectedProbabilities.length) {
      throw new IllegalArgumentException("observed and expected differ in length");
    }
    long n = 0;
    for (long o : observed) {
      n += o;
    }
    double stat = 0;
    int categories = 0;
    for (int i = 0; i < observed.length; i++) {
      double e = n * expectedProbabilities[i];
      if (e == 0) {
        if (observed[i] != 0) {
          return 0;
        }
        continue;
      }
      categories++;
      double d = observed[i] - e;
      stat += d * d / e;
    }
    return upperTail(stat, categories - 1);
  }

  /** P(X >= chiSquare) for X chi-square distributed with the given degrees of freedom. */
  public static double upperTail(double chiSquare, int degreesOfFreedom) {
    return regularizedGammaQ(degreesOfFreedom / 2.0, chiSquare / 2.0);
  }

  /** Q(a, x) = Gamma(a, x) / Gamma(a), as in Numerical Recipes (series or continued fraction). */
  static double regularizedGammaQ(double a, double x) {
    if (x <= 0) {
      return 1;
    }
    if (x < a + 1) {
      double sum = 1 / a;
      double term = sum;
      for (int n = 1; n < MAX_ITERATIONS; n++) {
        term *= x / (a + n);
        sum += term;
        if (Math.abs(term) < Math.abs(sum) * EPSILON) {
          break;
        }
      }
      return 1 - sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
    }
    double b = x + 1 - a;
    double c = 1 / Double.MIN_NORMAL;
    double d = 1 / b;
    double h = d;
    for (int i = 1; i < MAX_ITERATIONS; i++) {
      double an = -i * (i - a);
      b += 2;
      d = an * d + b;
      if (Math.abs(d) < Double.MIN_NORMAL) {
        d = Double.MIN_NORMAL;
      }
      c = b + an / c;
      if (Math.abs(c) < Double.MIN_NORMAL) {
        c = Double.MIN_NORMAL;
      }
      d = 1 / d;
      double delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < EPSILON) {
        break;
      }
    }
    return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
  }

  /** Lanczos approximation of log Gamma(x), x > 0. */
  static double logGamma(double x) {
    double[] g = {76.18009172947146, -86.50532032941677, 24.01409824083091,
        -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5};
    double y = x;
    double tmp = x + 5.5;
    tmp -= (x + 0.5) * Math.log(tmp);
    double ser = 1.000000000190015;
    for (double c : g) {
      ser += c / ++y;
    }
    return -tmp + Math.log(2.5066282746310005 * ser / x);
  }
}
