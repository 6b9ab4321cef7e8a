package ai.iro.onnx.lm;

import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.OrtRuntime;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * {@link EquivalenceContract} on CUDA GPU 0: runs with {@code mvn -Pcuda test} (the onnxruntime_gpu
 * build) on a machine with a GPU, CUDA 12 and cuDNN 9; skipped only where CUDA cannot be used (see
 * {@link GpuGate}), and failed instead with {@code -Diro.gpu.required=true}. Excluded from the
 * default (CPU) build by its tag.
 */
@Tag("gpu")
class CudaEquivalenceTest extends EquivalenceContract {
  /** Largest allowed |ONNX Runtime logit - PyTorch logit| on a GPU (other kernels, other summation order). */
  static final double GOLDEN_LOGIT_TOLERANCE = 5e-3;

  @Override
  Device device() {
    return Device.cuda(0);
  }

  @Override
  double goldenLogitTolerance() {
    return GOLDEN_LOGIT_TOLERANCE;
  }

  @Override
  OnnxCausalLM load(Path directory) {
    return GpuGate.load(OrtRuntime.hasCudaProvider(), GpuGate.required(), () -> super.load(directory));
  }
}
