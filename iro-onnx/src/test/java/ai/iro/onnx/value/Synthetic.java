package ai.iro.onnx.value;

import java.util.SplittableRandom;

/** Seeded synthetic regression data: y = w . x + b + noise with standard normal features. */
final class Synthetic {
  final float[][] x;
  final double[] y;
  /** The noiseless targets. */
  final double[] signal;

  private Synthetic(float[][] x, double[] y, double[] signal) {
    this.x = x;
    this.y = y;
    this.signal = signal;
  }

  /**
   * Draws {@code n} rows of {@code d} features; the weights are drawn from {@code seed} too, so
   * two calls with one seed and different {@code rowSeed}s share the function.
   */
  static Synthetic linear(int n, int d, double noiseSd, long seed, long rowSeed) {
    SplittableRandom wr = new SplittableRandom(seed);
    double[] w = new double[d];
    for (int j = 0; j < d; j++) {
      w[j] = gaussian(wr) / Math.sqrt(d);
    }
    double bias = 3.0;
    SplittableRandom r = new SplittableRandom(rowSeed);
    float[][] x = new float[n][d];
    double[] y = new double[n];
    double[] signal = new double[n];
    for (int i = 0; i < n; i++) {
      double s = bias;
      for (int j = 0; j < d; j++) {
        // Features of mixed scale and offset, so that the standardisation matters.
        x[i][j] = (float) (gaussian(r) * (1 + j % 4) + j % 3);
        s += w[j] * (x[i][j] - j % 3) / (1 + j % 4);
      }
      signal[i] = s;
      y[i] = s + noiseSd * gaussian(r);
    }
    return new Synthetic(x, y, signal);
  }

  static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The coefficient of determination of predictions against targets. */
  static double rSquared(double[] predicted, double[] actual) {
    double mean = 0;
    for (double a : actual) {
      mean += a;
    }
    mean /= actual.length;
    double ssRes = 0;
    double ssTot = 0;
    for (int i = 0; i < actual.length; i++) {
      ssRes += (predicted[i] - actual[i]) * (predicted[i] - actual[i]);
      ssTot += (actual[i] - mean) * (actual[i] - mean);
    }
    return 1 - ssRes / ssTot;
  }
}
