package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.ValueExample;
import ai.iro.onnx.features.ModelFeatures;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OnnxCausalLM#features()}: the model's own features, named by the model file's content. */
class ModelFeaturesTest {
  private static final String PROMPT = "And the LORD spake";

  @TempDir
  Path tmp;

  /**
   * A copy of the shipped model whose model.onnx differs in one byte: the middle of the file, which
   * lies inside the raw data of a MatMul weight (checked with a protobuf walk of the file; the test
   * also checks that the copy loads and computes other logits).
   */
  private Path otherWeights() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("other"));
    Path copy = ShippedModel.copy(dir);
    try (RandomAccessFile file = new RandomAccessFile(copy.resolve("model.onnx").toFile(), "rw")) {
      long middle = file.length() / 2;
      file.seek(middle);
      int b = file.read();
      file.seek(middle);
      file.write(b ^ 0x01);
    }
    return copy;
  }

  private static SavableValueFunction trainHead(OnnxCausalLM lm) {
    List<ValueExample> examples = List.of(
        new ValueExample(PROMPT, lm.encode(" unto Moses"), " unto Moses", 1),
        new ValueExample(PROMPT, lm.encode(" and said"), " and said", 0));
    return (SavableValueFunction) MlpValueTrainer.builder().features(lm.features()).hiddenSizes(4).epochs(1).build()
        .train(examples, 3).function();
  }

  @Test
  void theIdIsTheSha256OfTheModelFileAndTheHiddenSize() throws IOException, NoSuchAlgorithmException {
    try (OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory())) {
      // The JDK's digest of the whole file read at once: independent of the library's streamed hash.
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(lm.modelFile()));
      String sha256 = HexFormat.of().formatHex(digest);
      ModelFeatures features = lm.features();
      assertThat(features.id()).isEqualTo("model:sha256-" + sha256 + ":last_hidden_state:" + lm.hiddenSize().orElseThrow());
      assertThat(features.dimension()).isEqualTo(lm.hiddenSize().orElseThrow());
      assertThat(features.modelName()).isEqualTo("sha256-" + sha256);
      assertThat(lm.features().id()).as("computed once, the same every call").isEqualTo(features.id());
      int[] response = lm.encode(" unto Moses");
      ValueExample example = new ValueExample(PROMPT, response, " unto Moses", 1);
      assertThat(features.prefixFeatures(List.of(example)).get(0)).isDeepEqualTo(lm.prefixFeatures(PROMPT, response));
    }
  }

  @Test
  void aHeadLoadsAgainstACopyOfTheSameModelAndNotAgainstOtherWeights() throws IOException {
    Path head = tmp.resolve("head");
    String trainedOn;
    float[][] logits;
    try (OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory())) {
      trainHead(lm).save(Files.createDirectories(head));
      trainedOn = lm.features().id();
      logits = lm.logits(lm.encodePrompt(PROMPT));
    }
    Path sameBytes = ShippedModel.copy(Files.createDirectories(tmp.resolve("same")));
    try (OnnxCausalLM copy = OnnxCausalLM.load(sameBytes)) {
      assertThat(copy.features().id()).as("the id ignores where the model lies").isEqualTo(trainedOn);
      assertThat(MlpValueHead.loader(copy.features()).load(head)).isInstanceOf(MlpValueHead.class);
    }
    try (OnnxCausalLM other = OnnxCausalLM.load(otherWeights())) {
      assertThat(other.logits(other.encodePrompt(PROMPT))).as("the changed byte is a weight").isNotEqualTo(logits);
      String otherId = other.features().id();
      assertThat(otherId).isNotEqualTo(trainedOn);
      assertThatThrownBy(() -> MlpValueHead.loader(other.features()).load(head))
          .isInstanceOf(InvalidPolicyException.class)
          .hasMessageContaining(head.resolve(MlpValueHead.METADATA_FILE).toString())
          .hasMessageContaining(trainedOn)
          .hasMessageContaining(otherId);
    }
  }

  @Test
  void aModelWithoutHiddenStateHasNoFeatures() throws IOException {
    Path toy = Files.createDirectories(tmp.resolve("toy"));
    for (String name : List.of("decoder_model_merged.onnx", "config.json", "generation_config.json")) {
      Files.copy(ToyDecoderTest.FIXTURE.resolve(name), toy.resolve(name));
    }
    Files.copy(ShippedModel.directory().resolve("tokenizer.json"), toy.resolve("tokenizer.json"));
    try (OnnxCausalLM lm = OnnxCausalLM.load(toy)) {
      assertThat(lm.hiddenSize()).isEmpty();
      assertThatThrownBy(lm::features).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining(lm.modelFile().toString())
          .hasMessageContaining("no hidden-state output")
          .hasMessageContaining("text encoder");
    }
  }

  @Test
  void featuresAfterCloseIsAnError() {
    OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory());
    lm.close();
    assertThatThrownBy(lm::features).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }
}
