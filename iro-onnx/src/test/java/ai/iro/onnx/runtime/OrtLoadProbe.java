package ai.iro.onnx.runtime;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link NativeLoadingTest}. Mode {@code direct} loads ONNX Runtime the plain
 * way, {@code OrtEnvironment.getEnvironment()} on the calling thread; mode {@code safe} leaves that to
 * {@link OrtRuntime}. Both then load the model directory given as the second argument and decode a few
 * tokens on the calling thread, printing {@code decoded: ...}.
 */
public final class OrtLoadProbe {
  private OrtLoadProbe() {}

  /** Entry point: {@code direct|safe modelDirectory}. */
  public static void main(String[] args) {
    if (args[0].equals("direct")) {
      OrtEnvironment.getEnvironment();
    }
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(Path.of(args[1])).execution(ExecutionOptions.cpu(1)).build();
         Decoding d = lm.open(List.of("And God said", "Blessed"), Sampling.greedy(8), 1)) {
      d.reorder(new int[] {0, 1, 1});
      d.extend(8);
      System.out.println("decoded: " + d.responseText(0));
    }
  }
}
