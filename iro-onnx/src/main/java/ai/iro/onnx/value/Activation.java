package ai.iro.onnx.value;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The nonlinearity of an {@link MlpValueHead}'s hidden layers. */
public enum Activation {
  /** {@code max(0, z)}. */
  RELU,
  /** GELU in its tanh approximation: {@code 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))}. */
  GELU,
  /** {@code tanh(z)}. */
  TANH;

  private static final double GELU_K = Math.sqrt(2 / Math.PI);
  private static final double GELU_C = 0.044715;

  /** Writes the activation of pre-activations {@code z} into {@code out}, an array of the same shape. */
  void apply(INDArray z, INDArray out) {
    switch (this) {
      case RELU:
        Transforms.relu(out.assign(z), false);
        return;
      case TANH:
        Transforms.tanh(out.assign(z), false);
        return;
      case GELU:
        out.assign(geluTanh(z).addi(1).muli(z).muli(0.5));
        return;
      default:
        throw new IllegalStateException("unknown activation " + this);
    }
  }

  /**
   * Multiplies {@code gradient} (the loss gradient by the activations) in place by the derivative
   * at {@code z}, given the activations {@code a}; {@code scratch} is an array of the same shape
   * whose contents are overwritten.
   */
  void backward(INDArray z, INDArray a, INDArray gradient, INDArray scratch) {
    switch (this) {
      case RELU:
        gradient.muli(Transforms.step(scratch.assign(a), false));
        return;
      case TANH:
        gradient.muli(scratch.assign(a).muli(a).rsubi(1));
        return;
      case GELU:
        // d/dz = 0.5 (1 + t) + 0.5 z (1 - t^2) k (1 + 3 c z^2), with t = tanh(k (z + c z^3))
        INDArray t = geluTanh(z);
        INDArray inner = z.mul(z).muli(3 * GELU_C).addi(1).muli(z).muli(0.5 * GELU_K);
        scratch.assign(t).muli(t).rsubi(1).muli(inner).addi(t.addi(1).muli(0.5));
        gradient.muli(scratch);
        return;
      default:
        throw new IllegalStateException("unknown activation " + this);
    }
  }

  private static INDArray geluTanh(INDArray z) {
    INDArray u = z.mul(z).muli(GELU_C).addi(1).muli(z).muli(GELU_K);
    return Transforms.tanh(u, false);
  }
}
