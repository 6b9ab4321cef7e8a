package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.iro.onnx.value.Mlp.StepArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Mlp#backward}'s gradients against central finite differences of the loss, for every
 * parameter of every layer, each activation and each loss. The network runs in float64 here, and
 * the differences come from a naive double-precision forward pass and loss written out in this
 * test, not from {@link Mlp}.
 */
class MlpGradientCheckTest {
  /** Input, three hidden layers, output: the first, middle and last layers all get checked. */
  private static final int[] SIZES = {3, 5, 4, 3, 1};
  private static final int ROWS = 16;
  /** The central-difference step; its truncation error is of order STEP^2, its rounding 1e-16 / STEP. */
  private static final double STEP = 1e-6;
  /** Analytic against numeric gradient: {@code |a - n| <= TOLERANCE * (1 + |n|)}. */
  private static final double TOLERANCE = 1e-6;
  /** The network's output from Mlp.forward against the naive forward pass, both in float64. */
  private static final double FORWARD_TOLERANCE = 1e-12;
  /**
   * Every layer's largest numeric gradient exceeds this, so that a layer whose analytic gradient
   * is left at zero cannot pass.
   */
  private static final double MIN_LAYER_GRADIENT = 1e-3;
  /**
   * ReLU pre-activations stay this far from the kink: one parameter moved by STEP moves a
   * pre-activation by STEP times an input or activation of order 1, so no difference crosses it.
   */
  private static final double KINK_MARGIN = 1e-5;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Activation activation : Activation.values()) {
      for (Loss loss : Loss.values()) {
        cases.add(Arguments.of(activation, loss));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void backwardMatchesFiniteDifferencesInEveryLayer(Activation activation, Loss loss) {
    SplittableRandom random = new SplittableRandom(1234 + 10L * activation.ordinal() + loss.ordinal());
    int layers = SIZES.length - 1;
    double[][] params = new double[2 * layers][];
    for (int l = 0; l < layers; l++) {
      params[2 * l] = gaussian(SIZES[l] * SIZES[l + 1], 1.0 / Math.sqrt(SIZES[l]), random);
      params[2 * l + 1] = gaussian(SIZES[l + 1], 0.5, random);
    }
    double[] x = gaussian(ROWS * SIZES[0], 1.0, random);
    double[] y = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = loss == Loss.BCE ? random.nextDouble() : 2 * random.nextDouble() - 1;
    }
    if (activation == Activation.RELU) {
      assertThat(minAbsHiddenPreActivation(params, x, activation))
          .as("no pre-activation near ReLU's kink").isGreaterThan(KINK_MARGIN);
    }

    INDArray[] weights = new INDArray[layers];
    INDArray[] biases = new INDArray[layers];
    for (int l = 0; l < layers; l++) {
      weights[l] = Nd4j.create(params[2 * l], new long[] {SIZES[l], SIZES[l + 1]}, DataType.DOUBLE);
      biases[l] = Nd4j.create(params[2 * l + 1], new long[] {1, SIZES[l + 1]}, DataType.DOUBLE);
    }
    float[] zeros = new float[SIZES[0]];
    float[] ones = new float[SIZES[0]];
    Arrays.fill(ones, 1f);
    Mlp mlp = new Mlp(SIZES, activation, zeros, ones, weights, biases);
    INDArray[] gradients = mlp.newGradients();
    try (StepArrays s = new StepArrays(ROWS, SIZES, DataType.DOUBLE)) {
      s.x.assign(Nd4j.create(x, new long[] {ROWS, SIZES[0]}, DataType.DOUBLE));
      s.target.assign(Nd4j.create(y, new long[] {ROWS, 1}, DataType.DOUBLE));
      mlp.forward(s);
      mlp.backward(s, loss, gradients);

      double[] out = s.output().toDoubleVector();
      double[] naive = outputs(params, x, activation);
      for (int i = 0; i < ROWS; i++) {
        assertThat(out[i]).as("output %s", i).isCloseTo(naive[i], within(FORWARD_TOLERANCE));
      }
      double[] largest = new double[layers];
      for (int p = 0; p < params.length; p++) {
        double[] analytic = gradients[p].dup('c').data().asDouble();
        for (int k = 0; k < params[p].length; k++) {
          double keep = params[p][k];
          params[p][k] = keep + STEP;
          double up = meanLoss(params, x, y, activation, loss);
          params[p][k] = keep - STEP;
          double down = meanLoss(params, x, y, activation, loss);
          params[p][k] = keep;
          double numeric = (up - down) / (2 * STEP);
          largest[p / 2] = Math.max(largest[p / 2], Math.abs(numeric));
          assertThat(Math.abs(analytic[k] - numeric))
              .as("%s of layer %s, element %s: analytic %s, numeric %s", p % 2 == 0 ? "weight" : "bias", p / 2, k,
                  analytic[k], numeric)
              .isLessThanOrEqualTo(TOLERANCE * (1 + Math.abs(numeric)));
        }
      }
      for (int l = 0; l < layers; l++) {
        assertThat(largest[l]).as("the check of layer %s is not vacuous", l).isGreaterThan(MIN_LAYER_GRADIENT);
      }
    } finally {
      for (INDArray g : gradients) {
        g.close();
      }
      mlp.close();
    }
  }

  /** The mean loss over the rows: {@code 0.5 (z - y)^2}, or the cross-entropy of {@code sigmoid(z)}. */
  private static double meanLoss(double[][] params, double[] x, double[] y, Activation activation, Loss loss) {
    double[] z = outputs(params, x, activation);
    double sum = 0;
    for (int i = 0; i < ROWS; i++) {
      if (loss == Loss.MSE) {
        sum += 0.5 * (z[i] - y[i]) * (z[i] - y[i]);
      } else {
        double p = 1 / (1 + Math.exp(-z[i]));
        sum += -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
      }
    }
    return sum / ROWS;
  }

  /** The naive forward pass of every row: row-major weights {@code in x out}, loops in double. */
  private static double[] outputs(double[][] params, double[] x, Activation activation) {
    return forward(params, x, activation, z -> {});
  }

  /** The smallest |pre-activation| of any hidden unit on any row. */
  private static double minAbsHiddenPreActivation(double[][] params, double[] x, Activation activation) {
    double[] min = {Double.POSITIVE_INFINITY};
    forward(params, x, activation, z -> min[0] = Math.min(min[0], Math.abs(z)));
    return min[0];
  }

  /** The naive forward pass, showing each hidden pre-activation to {@code hidden}. */
  private static double[] forward(double[][] params, double[] x, Activation activation, DoubleConsumer hidden) {
    double[] out = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      double[] a = Arrays.copyOfRange(x, i * SIZES[0], (i + 1) * SIZES[0]);
      for (int l = 0; l + 1 < SIZES.length; l++) {
        double[] w = params[2 * l];
        int outs = SIZES[l + 1];
        double[] z = params[2 * l + 1].clone();
        for (int j = 0; j < outs; j++) {
          for (int k = 0; k < a.length; k++) {
            z[j] += a[k] * w[k * outs + j];
          }
          if (l + 2 < SIZES.length) {
            hidden.accept(z[j]);
            z[j] = ActivationTest.reference(activation, z[j]);
          }
        }
        a = z;
      }
      out[i] = a[0];
    }
    return out;
  }

  private static double[] gaussian(int n, double sd, SplittableRandom random) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = sd * Synthetic.gaussian(random);
    }
    return values;
  }
}
