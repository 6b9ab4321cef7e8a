package ai.iro.onnx.lm;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import ai.iro.onnx.runtime.CudaUnavailableException;
import java.util.function.Supplier;

/**
 * Whether a GPU test runs, skips or fails. It skips only where CUDA cannot be used here (no CUDA
 * provider in the ONNX Runtime build, or {@link CudaUnavailableException} while loading); any other
 * failure is a failure. With {@code -Diro.gpu.required=true} (GPU CI) a skip is a failure too.
 */
final class GpuGate {
  /** The system property that turns skips into failures. */
  static final String REQUIRED_PROPERTY = "iro.gpu.required";

  private GpuGate() {}

  /** Whether {@value #REQUIRED_PROPERTY} is {@code true}. */
  static boolean required() {
    return Boolean.getBoolean(REQUIRED_PROPERTY);
  }

  /**
   * Loads what a GPU test needs, or skips (fails, when required) where CUDA cannot be used.
   *
   * @param providerPresent whether the ONNX Runtime build offers CUDA
   * @param required whether a skip must fail instead
   * @param load loads the model on the GPU
   */
  static <T> T load(boolean providerPresent, boolean required, Supplier<T> load) {
    if (!providerPresent) {
      return skip("this ONNX Runtime build has no CUDA provider (build with -Pcuda)", required);
    }
    try {
      return load.get();
    } catch (CudaUnavailableException e) {
      return skip("CUDA cannot be used here: " + e.getMessage(), required);
    }
  }

  private static <T> T skip(String why, boolean required) {
    if (required) {
      return fail("-D" + REQUIRED_PROPERTY + "=true, but " + why);
    }
    return abort(why);
  }
}
