package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.onnx.runtime.CudaUnavailableException;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The GPU tests' gate (guards against turning every IllegalStateException while loading into a
 * skip, which showed a real bug on a GPU machine as green).
 */
class GpuGateTest {
  @Test
  void aBugWhileLoadingOnTheGpuFailsInsteadOfSkipping() {
    assertThatThrownBy(() -> GpuGate.load(true, false, () -> {
      throw new IllegalStateException("a real bug");
    })).isExactlyInstanceOf(IllegalStateException.class).hasMessage("a real bug");
  }

  @Test
  void cudaUnavailableSkipsUnlessTheGpuIsRequired() {
    CudaUnavailableException unavailable = new CudaUnavailableException("no GPU 0", null);
    assertThatThrownBy(() -> GpuGate.load(true, false, () -> {
      throw unavailable;
    })).isInstanceOf(TestAbortedException.class).hasMessageContaining("no GPU 0");
    assertThatThrownBy(() -> GpuGate.load(true, true, () -> {
      throw unavailable;
    })).isInstanceOf(AssertionFailedError.class).hasMessageContaining("iro.gpu.required=true").hasMessageContaining("no GPU 0");
  }

  @Test
  void aBuildWithoutCudaSkipsUnlessTheGpuIsRequired() {
    assertThatThrownBy(() -> GpuGate.load(false, false, () -> "never loaded"))
        .isInstanceOf(TestAbortedException.class).hasMessageContaining("-Pcuda");
    assertThatThrownBy(() -> GpuGate.load(false, true, () -> "never loaded"))
        .isInstanceOf(AssertionFailedError.class).hasMessageContaining("-Pcuda");
  }

  @Test
  void aWorkingGpuLoads() {
    assertThat(GpuGate.load(true, true, () -> "model")).isEqualTo("model");
  }
}
