package ai.iro.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.iro.onnx.lm.ShippedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's native load overflows small thread stacks (with ND4J's every-platform jars it
 * overflows the default 1 MB one). A child JVM with a 256 KB main-thread stack reproduces the crash
 * with a direct load and must survive a load through {@link OrtRuntime}.
 */
class NativeLoadingTest {
  private static final String SMALL_STACK = "-Xss256k";

  private static int probe(String mode) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), SMALL_STACK, "-cp", System.getProperty("java.class.path"),
        OrtLoadProbe.class.getName(), mode, ShippedModel.directory().resolve("model.onnx").toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    System.out.println("child JVM (" + mode + ", " + SMALL_STACK + ") exit " + p.exitValue() + ": "
        + out.lines().findFirst().orElse(""));
    return p.exitValue();
  }

  @Test
  void loadingThroughOrtRuntimeSurvivesASmallThreadStack() throws Exception {
    assertThat(probe("safe")).as("exit code of a %s JVM loading through OrtRuntime", SMALL_STACK).isZero();
  }

  @Test
  void aDirectLoadOnTheSameStackCrashesWhichIsWhyOrtRuntimeExists() throws Exception {
    int direct = probe("direct");
    assumeThat(direct).as("a direct load crashed on this machine (SIGSEGV is 139)").isNotZero();
    assertThat(direct).isEqualTo(128 + 11);
  }

  @Test
  void cudaOnACpuBuildIsAClearError() {
    assumeThat(OrtRuntime.availableProviders()).as("the CPU build of ONNX Runtime").doesNotContain(ai.onnxruntime.OrtProvider.CUDA);
    assertThatThrownBy(() -> OrtRuntime.open(ShippedModel.directory().resolve("model.onnx"), Device.cuda(0), 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cuda:0")
        .hasMessageContaining("-Pcuda")
        .hasMessageContaining("CUDA 12");
  }

  @Test
  void devicesParse() {
    assertThat(Device.parse("cpu")).isEqualTo(Device.cpu());
    assertThat(Device.parse("CUDA:1")).isEqualTo(Device.cuda(1));
    assertThat(List.of(Device.parse("cuda").toString())).containsExactly("cuda:0");
    assertThatThrownBy(() -> Device.parse("tpu")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tpu");
  }
}
