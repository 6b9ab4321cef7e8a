package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The activations and their derivatives against naive double-precision references. */
class ActivationTest {
  /** Float32 evaluation against double references. */
  private static final double VALUE_TOLERANCE = 1e-5;
  /** Derivatives against central differences of the double reference, step 1e-4. */
  private static final double DERIVATIVE_TOLERANCE = 1e-4;
  private static final double STEP = 1e-4;

  /** The activation in double precision, written out from its definition. */
  static double reference(Activation a, double z) {
    switch (a) {
      case RELU:
        return Math.max(0, z);
      case TANH:
        return Math.tanh(z);
      case GELU:
        return 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
      default:
        throw new IllegalArgumentException();
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void valuesAndDerivativesMatchReferences(Activation activation) {
    float[] zs = new float[81];
    for (int i = 0; i < zs.length; i++) {
      zs[i] = -4.0f + 0.1f * i + 0.013f; // avoids ReLU's kink at 0
    }
    INDArray z = Nd4j.create(zs, new long[] {9, 9}, DataType.FLOAT);
    INDArray a = Nd4j.create(DataType.FLOAT, 9, 9);
    activation.apply(z, a);
    INDArray grad = Nd4j.ones(DataType.FLOAT, 9, 9);
    activation.backward(z, a, grad, Nd4j.create(DataType.FLOAT, 9, 9));
    float[] values = a.reshape(81).toFloatVector();
    float[] derivatives = grad.reshape(81).toFloatVector();

    for (int i = 0; i < zs.length; i++) {
      double x = zs[i];
      assertThat((double) values[i]).as("%s(%s)", activation, x).isCloseTo(reference(activation, x), within(VALUE_TOLERANCE));
      double numeric = (reference(activation, x + STEP) - reference(activation, x - STEP)) / (2 * STEP);
      assertThat((double) derivatives[i]).as("%s'(%s)", activation, x).isCloseTo(numeric, within(DERIVATIVE_TOLERANCE));
    }
    assertThat(z.reshape(81).toFloatVector()).as("apply and backward leave z alone").isEqualTo(zs);
  }
}
