package ai.iro.onnx.lm;

import ai.iro.onnx.runtime.Device;

/** {@link EquivalenceContract} on the CPU. */
class CpuEquivalenceTest extends EquivalenceContract {
  /** Largest allowed |ONNX Runtime logit - PyTorch logit| on the CPU (both float32). */
  static final double GOLDEN_LOGIT_TOLERANCE = 1e-3;

  @Override
  Device device() {
    return Device.cpu();
  }

  @Override
  double goldenLogitTolerance() {
    return GOLDEN_LOGIT_TOLERANCE;
  }
}
