package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OnnxCausalLM.Builder#variant}: the files transformers.js and Optimum publish, chosen by
 * name. The variant files are copies of other graphs (the quantized ones are not quantized): the
 * tests check which file loads. Where it matters that the chosen graph, not only its name, is used,
 * the variant is the one-layer toy decoder next to the six-layer shipped model.
 */
class ModelVariantTest {
  @TempDir
  Path tmp;

  /** The shipped model in transformers.js's layout: onnx/model.onnx and onnx/model_{variant}.onnx copies of it. */
  private Path transformersJsLayout(String... variants) throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.createDirectories(dir.resolve("onnx"));
    Files.move(dir.resolve("model.onnx"), dir.resolve("onnx/model.onnx"));
    for (String v : variants) {
      Files.copy(dir.resolve("onnx/model.onnx"), dir.resolve("onnx/model_" + v + ".onnx"));
    }
    return dir;
  }

  @Test
  void variantPicksTransformersJsFile() throws IOException {
    Path dir = transformersJsLayout("quantized", "q4", "fp16");
    for (String v : new String[] {"quantized", "q4", "fp16"}) {
      try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(dir).variant(v).build()) {
        assertThat(lm.modelFile()).isEqualTo(dir.resolve("onnx/model_" + v + ".onnx"));
        assertThat(lm.variant()).contains(v);
        assertThat(lm.toBuilder().build().modelFile()).as("toBuilder keeps the variant")
            .isEqualTo(dir.resolve("onnx/model_" + v + ".onnx"));
      }
    }
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      assertThat(lm.modelFile()).as("default").isEqualTo(dir.resolve("onnx/model.onnx"));
      assertThat(lm.variant()).isEmpty();
    }
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(dir).variant(OnnxCausalLM.FP32_VARIANT).build()) {
      assertThat(lm.modelFile()).isEqualTo(dir.resolve("onnx/model.onnx"));
    }
  }

  @Test
  void variantLoadsTheChosenGraphInOptimumLayout() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.move(dir.resolve("model.onnx"), dir.resolve("decoder_model_merged.onnx"));
    Files.copy(ToyDecoderTest.FIXTURE.resolve("decoder_model_merged.onnx"), dir.resolve("decoder_model_merged_quantized.onnx"));
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      assertThat(lm.modelFile().getFileName()).hasToString("decoder_model_merged.onnx");
      assertThat(lm.layers()).isEqualTo(6);
    }
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(dir).variant("quantized").build()) {
      assertThat(lm.modelFile().getFileName()).hasToString("decoder_model_merged_quantized.onnx");
      assertThat(lm.layers()).isEqualTo(1);
    }
  }

  @Test
  void absentVariantListsTheDirectorysModels() throws IOException {
    Path dir = transformersJsLayout("q4");
    Files.writeString(dir.resolve("onnx/notes.txt"), "not a model");
    assertThatThrownBy(() -> OnnxCausalLM.builder().modelDirectory(dir).variant("int8").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("variant \"int8\"")
        .hasMessageContaining("onnx/model_int8.onnx")
        .hasMessageContaining("found [onnx/model.onnx, onnx/model_q4.onnx]");
  }

  @Test
  void directoryWithoutDefaultModelListsItsVariants() throws IOException {
    Path dir = transformersJsLayout("q4");
    Files.delete(dir.resolve("onnx/model.onnx"));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no ONNX model").hasMessageContaining("found [onnx/model_q4.onnx]");
  }

  @Test
  void variantNameMustNotBeAPath() {
    assertThatThrownBy(() -> OnnxCausalLM.builder().variant("../q4")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"../q4\"");
    assertThatThrownBy(() -> OnnxCausalLM.builder().variant("")).isInstanceOf(IllegalArgumentException.class);
  }
}
