package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.OrtProvider;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The equivalence tests on CUDA: runs with {@code mvn -Pcuda verify} on a machine with a GPU,
 * CUDA 12 and cuDNN 9; skipped where the CUDA provider cannot start. Excluded from the default
 * (CPU) build by its tag.
 */
@Tag("gpu")
class CudaEquivalenceTest {
  private static final List<String> PROMPTS = List.of("In the beginning God created", "Blessed", "And the LORD said unto Moses");
  private static final int TOKENS = 30;

  private static OnnxCausalLM cudaModelOrSkip() {
    assumeTrue(OrtRuntime.availableProviders().contains(OrtProvider.CUDA), "this ONNX Runtime build has no CUDA provider");
    try {
      return OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).device(Device.cuda(0)).build();
    } catch (IllegalStateException e) {
      assumeTrue(false, "CUDA unavailable here: " + e.getMessage());
      throw e;
    }
  }

  private static int[][] greedy(OnnxCausalLM lm, List<String> prompts) {
    try (Decoding d = lm.open(prompts, Sampling.greedy(TOKENS), 1)) {
      d.extend(5);
      d.reorder(new int[] {0, 1, 2});
      d.extend(TOKENS);
      int[][] out = new int[prompts.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = d.responseTokens(i);
      }
      return out;
    }
  }

  @Test
  void cudaGreedyMatchesCpuAndRecomputation() {
    try (OnnxCausalLM gpu = cudaModelOrSkip(); OnnxCausalLM cpu = OnnxCausalLM.load(ShippedModel.directory())) {
      int[][] onGpu = greedy(gpu, PROMPTS);
      int[][] onCpu = greedy(cpu, PROMPTS);
      for (int i = 0; i < PROMPTS.size(); i++) {
        assertThat(onGpu[i]).as(PROMPTS.get(i)).containsExactly(onCpu[i]);
        try (Decoding single = gpu.open(List.of(PROMPTS.get(i)), Sampling.greedy(TOKENS), 1)) {
          single.extend(TOKENS);
          assertThat(single.responseTokens(0)).containsExactly(onGpu[i]);
        }
      }
    }
  }
}
