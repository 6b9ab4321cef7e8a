package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken model directories get exceptions that name the file and what was expected. */
class BadModelDirectoryTest {
  @TempDir
  Path tmp;

  private Path copyOfShippedModel() throws IOException {
    Path dir = tmp.resolve("model");
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(ShippedModel.directory())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  @Test
  void missingDirectory() {
    assertThatThrownBy(() -> OnnxCausalLM.load(tmp.resolve("nowhere")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nowhere").hasMessageContaining("does not exist");
  }

  @Test
  void missingModelFile() throws IOException {
    Path dir = copyOfShippedModel();
    Files.delete(dir.resolve("model.onnx"));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.onnx").hasMessageContaining("decoder_model_merged.onnx");
  }

  @Test
  void missingTokenizer() throws IOException {
    Path dir = copyOfShippedModel();
    Files.delete(dir.resolve("tokenizer.json"));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.resolve("tokenizer.json").toString());
  }

  @Test
  void truncatedModel() throws IOException {
    Path dir = copyOfShippedModel();
    Path model = dir.resolve("model.onnx");
    byte[] bytes = Files.readAllBytes(model);
    Files.write(model, Arrays.copyOf(bytes, bytes.length / 3));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(model.toString()).hasMessageContaining("ONNX model");
  }

  @Test
  void corruptModel() throws IOException {
    Path dir = copyOfShippedModel();
    byte[] noise = new byte[4096];
    new SplittableRandom(1).nextBytes(noise);
    Files.write(dir.resolve("model.onnx"), noise);
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.onnx");
  }

  @Test
  void graphWithoutLogits() throws IOException {
    Path dir = tmp.resolve("no-logits");
    Files.createDirectories(dir);
    Path fixtures = Path.of("src/test/resources/fixtures/no-logits");
    Files.copy(fixtures.resolve("model.onnx"), dir.resolve("model.onnx"));
    Files.copy(fixtures.resolve("config.json"), dir.resolve("config.json"));
    Files.copy(ShippedModel.directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no output 'logits'").hasMessageContaining("scores");
  }

  @Test
  void tokenizerLargerThanTheLogits() throws IOException {
    Path dir = copyOfShippedModel();
    Path tokenizer = dir.resolve("tokenizer.json");
    String json = Files.readString(tokenizer);
    String extra = "{\"id\": 4095, \"content\": \"<|extra|>\", \"single_word\": false, \"lstrip\": false, "
        + "\"rstrip\": false, \"normalized\": false, \"special\": true}, ";
    Files.writeString(tokenizer, json.replaceFirst("\"added_tokens\"\\s*:\\s*\\[", "\"added_tokens\": [" + extra));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(tokenizer.toString())
        .hasMessageContaining("4096 token ids")
        .hasMessageContaining("2048 wide");
  }
}
