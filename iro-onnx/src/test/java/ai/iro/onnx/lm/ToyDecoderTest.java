package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The toy fixture (src/test/resources/fixtures, made by make_fixtures.py): a merged-layout bigram
 * decoder without a hidden-state output, with two end-of-sequence ids.
 */
class ToyDecoderTest {
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/toy-decoder");

  @TempDir
  Path tmp;

  private Path toyDirectory(String modelPath) throws IOException {
    Path dir = tmp.resolve("toy");
    Files.createDirectories(dir.resolve(modelPath).getParent());
    Files.copy(FIXTURE.resolve("decoder_model_merged.onnx"), dir.resolve(modelPath));
    Files.copy(FIXTURE.resolve("config.json"), dir.resolve("config.json"));
    Files.copy(FIXTURE.resolve("generation_config.json"), dir.resolve("generation_config.json"));
    Files.copy(ShippedModel.directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    return dir;
  }

  /** The bigram's greedy chain: each token's successor is the arg max of its own logits. */
  private static int[] bigramGreedy(OnnxCausalLM lm, int last, int tokens) {
    int[] out = new int[tokens];
    int n = 0;
    while (n < tokens) {
      int next = Reference.argmax(lm.logits(new int[] {last})[0]);
      if (lm.eosTokenIds().contains(next)) {
        break;
      }
      out[n++] = next;
      last = next;
    }
    return java.util.Arrays.copyOf(out, n);
  }

  @Test
  void mergedDecoderWithoutHiddenStateDecodes() throws IOException {
    try (OnnxCausalLM lm = OnnxCausalLM.load(toyDirectory("decoder_model_merged.onnx"))) {
      assertThat(lm.modelFile().getFileName().toString()).isEqualTo("decoder_model_merged.onnx");
      assertThat(lm.layers()).isEqualTo(1);
      assertThat(lm.keyValueHeads()).isEqualTo(2);
      assertThat(lm.headSize()).isEqualTo(4);
      assertThat(lm.hiddenSize()).isEmpty();
      assertThat(lm.hiddenOutput()).isEmpty();
      assertThat(lm.eosTokenIds()).containsExactlyInAnyOrder(2047, 13);
      assertThatThrownBy(() -> lm.prefixFeatures("And", new int[] {1})).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("hidden-state output");
      List<String> prompts = List.of("And God said", "Blessed");
      try (Decoding d = lm.open(prompts, Sampling.greedy(12), 1)) {
        assertThat(d.features()).isEmpty();
        d.extend(4);
        d.reorder(new int[] {1, 0, 1});
        d.extend(12);
        for (int r = 0; r < d.size(); r++) {
          int[] prompt = lm.encodePrompt(d.prompt(r));
          assertThat(d.responseTokens(r)).as("row %s", r).containsExactly(bigramGreedy(lm, prompt[prompt.length - 1], 12));
        }
        assertThat(d.features()).isEmpty();
      }
    }
  }

  @Test
  void everyEndOfSequenceIdOfTheListEndsARow() throws IOException {
    try (OnnxCausalLM lm = OnnxCausalLM.load(toyDirectory("decoder_model_merged.onnx"));
         Decoding d = lm.open(List.of("And", "And", "And"), Sampling.greedy(5), 1)) {
      d.force(new int[] {13, 2047, 14});
      assertThat(d.finishReason(0)).hasValue(FinishReason.END_OF_SEQUENCE);
      assertThat(d.finishReason(1)).hasValue(FinishReason.END_OF_SEQUENCE);
      assertThat(d.isFinished(2)).isFalse();
      d.extend(5);
      assertThat(d.responseTokens(2)[0]).isEqualTo(14);
    }
  }

  @Test
  void findsOnnxSlashModelOnnx() throws IOException {
    try (OnnxCausalLM lm = OnnxCausalLM.load(toyDirectory("onnx/model.onnx"))) {
      assertThat(tmp.relativize(lm.modelFile()).toString()).isEqualTo("toy/onnx/model.onnx");
      assertThat(Set.copyOf(lm.eosTokenIds())).contains(13);
    }
  }
}
