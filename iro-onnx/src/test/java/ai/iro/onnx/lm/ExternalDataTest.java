package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.onnx.runtime.ExecutionOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose weights live in an external-data file beside the graph: the toy decoder saved so by
 * make_fixtures.py (src/test/resources/fixtures/toy-decoder-external), against the same decoder
 * with its weights inline (toy-decoder).
 */
class ExternalDataTest {
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/toy-decoder-external");
  private static final String GRAPH = "decoder_model_merged.onnx";
  private static final String DATA = "decoder_model_merged.onnx_data";

  @TempDir
  Path tmp;

  private Path directory(Path fixture, String name, String... files) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String f : files) {
      Files.copy(fixture.resolve(f), dir.resolve(f));
    }
    Files.copy(fixture.resolve("config.json"), dir.resolve("config.json"));
    Files.copy(fixture.resolve("generation_config.json"), dir.resolve("generation_config.json"));
    Files.copy(ShippedModel.directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    return dir;
  }

  @Test
  void fixtureKeepsItsWeightsOutsideTheGraph() throws IOException {
    assertThat(Files.size(FIXTURE.resolve(GRAPH))).as("graph file").isLessThan(4096);
    assertThat(Files.size(FIXTURE.resolve(DATA))).as("data file").isGreaterThan(65_000);
  }

  @Test
  void externalDataModelGivesTheInlineModelsLogits() throws IOException {
    // Loaded from a directory other than the working directory: the data is found beside the graph.
    Path external = directory(FIXTURE, "external", GRAPH, DATA);
    Path inline = directory(ToyDecoderTest.FIXTURE, "inline", GRAPH);
    try (OnnxCausalLM ext = OnnxCausalLM.load(external); OnnxCausalLM in = OnnxCausalLM.load(inline)) {
      int[] ids = in.encodePrompt("And God said, Let there be light");
      float[][] expected = in.logits(ids);
      float[][] actual = ext.logits(ids);
      assertThat(actual.length).isEqualTo(ids.length);
      for (int i = 0; i < ids.length; i++) {
        assertThat(actual[i]).as("position %s", i).containsExactly(expected[i]);
      }
    }
  }

  @Test
  void weightHashCoversTheDataFile() throws IOException, NoSuchAlgorithmException {
    Path dir = directory(FIXTURE, "external", GRAPH, DATA);
    ModelDirectory files = ModelDirectory.read(dir, Optional.empty(), Optional.empty());
    assertThat(files.externalDataFiles()).containsExactly(dir.resolve(DATA));
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(Files.readAllBytes(dir.resolve(GRAPH)));
    sha.update(Files.readAllBytes(dir.resolve(DATA)));
    try (DecoderRuntime runtime = DecoderRuntime.open(files, ExecutionOptions.cpu(1))) {
      assertThat(runtime.spec().weightFiles()).containsExactly(dir.resolve(GRAPH), dir.resolve(DATA));
      assertThat(runtime.spec().weightsSha256()).isEqualTo(HexFormat.of().formatHex(sha.digest()));
    }
  }

  @Test
  void inlineModelHashIsTheGraphFilesAlone() throws IOException, NoSuchAlgorithmException {
    Path dir = directory(ToyDecoderTest.FIXTURE, "inline", GRAPH);
    ModelDirectory files = ModelDirectory.read(dir, Optional.empty(), Optional.empty());
    assertThat(files.externalDataFiles()).isEmpty();
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(GRAPH)));
    try (DecoderRuntime runtime = DecoderRuntime.open(files, ExecutionOptions.cpu(1))) {
      assertThat(runtime.spec().weightsSha256()).isEqualTo(HexFormat.of().formatHex(digest));
    }
  }

  @Test
  void findsEveryDataFileNamingConvention() throws IOException {
    // Only the file names matter here: ModelDirectory does not open the graph.
    Path dir = ShippedModel.copy(tmp);
    for (String name : new String[] {"model.onnx.data", "model.onnx_data_2", "model.onnx_data", "model.onnx_data_1",
        "model.onnx_data_4", "other.onnx_data"}) {
      Files.writeString(dir.resolve(name), name);
    }
    ModelDirectory files = ModelDirectory.read(dir, Optional.empty(), Optional.empty());
    assertThat(files.externalDataFiles()).as("_data, .data, then the chunks up to the first gap").containsExactly(
        dir.resolve("model.onnx_data"), dir.resolve("model.onnx.data"), dir.resolve("model.onnx_data_1"),
        dir.resolve("model.onnx_data_2"));
  }

  @Test
  void graphWithoutItsDataFileFailsNamingTheGraph() throws IOException {
    Path dir = directory(FIXTURE, "no-data", GRAPH);
    assertThatThrownBy(() -> OnnxCausalLM.load(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve(GRAPH).toString());
  }
}
