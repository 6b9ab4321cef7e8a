package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken model directories get exceptions that name the file and what was expected. */
class BadModelDirectoryTest {
  @TempDir
  Path tmp;

  @Test
  void missingDirectory() {
    assertThatThrownBy(() -> OnnxCausalLM.load(tmp.resolve("nowhere")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nowhere").hasMessageContaining("does not exist");
  }

  @Test
  void missingModelFile() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.delete(dir.resolve("model.onnx"));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.toString())
        .hasMessageContaining("model.onnx").hasMessageContaining("decoder_model_merged.onnx");
  }

  @Test
  void missingConfig() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.delete(dir.resolve("config.json"));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.resolve("config.json").toString());
  }

  @Test
  void missingTokenizer() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.delete(dir.resolve("tokenizer.json"));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.resolve("tokenizer.json").toString())
        .hasMessageContaining("expected a Hugging Face tokenizer.json");
  }

  @Test
  void tokenizerThatIsNotJson() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.resolve("tokenizer.json").toString())
        .hasMessageContaining("is not valid JSON");
  }

  @Test
  void truncatedModel() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Path model = dir.resolve("model.onnx");
    byte[] bytes = Files.readAllBytes(model);
    Files.write(model, Arrays.copyOf(bytes, bytes.length / 3));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(model.toString())
        .hasMessageContaining("expected a complete ONNX model file");
  }

  @Test
  void corruptModel() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    byte[] noise = new byte[4096];
    new SplittableRandom(1).nextBytes(noise);
    Files.write(dir.resolve("model.onnx"), noise);
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.resolve("model.onnx").toString());
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
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.resolve("model.onnx").toString())
        .hasMessageContaining("no output 'logits'").hasMessageContaining("scores");
  }

  @Test
  void tokenizerLargerThanTheLogits() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Path tokenizer = dir.resolve("tokenizer.json");
    StringBuilder extra = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      extra.append("{\"id\": ").append(2048 + i).append(", \"content\": \"<|extra").append(i).append("|>\", ")
          .append("\"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}, ");
    }
    String json = Files.readString(tokenizer);
    Files.writeString(tokenizer, json.replaceFirst("\"added_tokens\"\\s*:\\s*\\[", "\"added_tokens\": [" + extra));
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(tokenizer.toString())
        .hasMessageContaining("2148 token ids")
        .hasMessageContaining("2048 wide");
  }

  @Test
  void endOfSequenceIdThatIsNotAnInteger() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [\"</s>\"]}");
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eos_token_id").hasMessageContaining("</s>");
  }

  @Test
  void endOfSequenceIdOutsideTheVocabulary() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2047, 5000]}");
    assertThatThrownBy(() -> OnnxCausalLM.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eos_token_id 5000")
        .hasMessageContaining("[0, 2048)");
  }

  @Test
  void bosAskedForButNoneConfigured() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    String config = Files.readString(dir.resolve("config.json")).replaceAll("\"bos_token_id\"\\s*:\\s*\\d+", "\"bos_token_id\": null");
    Files.writeString(dir.resolve("config.json"), config);
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 2047}");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}");
    String tokenizer = Files.readString(dir.resolve("tokenizer.json"));
    int start = tokenizer.indexOf("\"post_processor\"");
    Files.writeString(dir.resolve("tokenizer.json"), tokenizer.substring(0, start) + "\"post_processor\": null,\n "
        + tokenizer.substring(tokenizer.indexOf("\"decoder\"", start)));
    assertThatThrownBy(() -> OnnxCausalLM.builder().modelDirectory(dir).prependBos(true).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bos_token_id");
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      org.assertj.core.api.Assertions.assertThat(lm.prependsBos()).as("no BOS configured, none prepended").isFalse();
    }
  }
}
