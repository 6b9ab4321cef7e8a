package ai.iro.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.lm.ShippedModel;
import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;

class OrtRuntimeTest {
  @Test
  void cudaWhereItCannotLoadIsAClearError() {
    assumeThat(OrtRuntime.hasCudaProvider()).as("the CPU build of ONNX Runtime (the default, without -Pcuda)").isFalse();
    assertThatThrownBy(() -> OrtRuntime.open(ShippedModel.directory().resolve("model.onnx"), Device.cuda(0), 1))
        .isInstanceOf(CudaUnavailableException.class)
        .hasMessageContaining("CUDA execution provider")
        .hasMessageContaining("cuda:0")
        .hasMessageContaining("GPU 0")
        .hasMessageContaining(OrtRuntime.CUDA_REQUIREMENTS);
    assertThatThrownBy(() -> OnnxCausalLM.builder().modelDirectory(ShippedModel.directory())
        .execution(ExecutionOptions.allCores().withDevice(Device.cuda(1))).build())
        .isInstanceOf(CudaUnavailableException.class)
        .hasMessageContaining("cuda:1")
        .hasMessageContaining("build with -Pcuda and install CUDA 12 and cuDNN 9");
  }

  @Test
  void theEnvironmentIsLoadedOnceAndOffersTheCpu() {
    assertThat(OrtRuntime.environment()).isSameAs(OrtRuntime.environment());
    assertThat(OrtRuntime.availableProviders()).contains(OrtProvider.CPU);
  }

  @Test
  void sessionsCloseIdempotentlyAndRefuseUseAfterClose() {
    OnnxSession s = OrtRuntime.open(ShippedModel.directory().resolve("model.onnx"), Device.cpu(), 1);
    assertThat(s.session().getInputNames()).contains("input_ids");
    assertThat(s.device()).isEqualTo(Device.cpu());
    s.close();
    s.close();
    assertThat(s.isClosed()).isTrue();
    assertThatThrownBy(s::session).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void badFilesAndArgumentsAreNamed() {
    assertThatThrownBy(() -> OrtRuntime.open(ShippedModel.directory().resolve("missing.onnx"), Device.cpu(), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.onnx");
    assertThatThrownBy(() -> OrtRuntime.open(new byte[] {1, 2, 3}, "three bytes", Device.cpu(), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("three bytes");
    assertThatThrownBy(() -> OrtRuntime.open(ShippedModel.directory().resolve("model.onnx"), Device.cpu(), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found 0");
  }

  @Test
  void devicesParse() {
    assertThat(Device.parse("cpu")).isEqualTo(Device.cpu());
    assertThat(Device.parse("CUDA:1")).isEqualTo(Device.cuda(1));
    assertThat(Device.parse("cuda").toString()).isEqualTo("cuda:0");
    assertThatThrownBy(() -> Device.parse("tpu")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tpu");
    assertThatThrownBy(() -> Device.parse("cuda:x")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cuda:x");
    assertThatThrownBy(() -> Device.cuda(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }
}
