package ai.iro.examples;

import ai.iro.core.value.ValueFunctionLoader;
import ai.iro.core.value.ValueTrainer;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.core.value.FeatureSource;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import ai.iro.onnx.features.ModelFeatures;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/** The value heads of the examples: an MLP on the base model's last hidden state. Stateless, thread safe. */
public final class ValueHeads {
  private ValueHeads() {}

  /** The features of a model: its last hidden state. */
  public static FeatureSource features(OnnxCausalLM lm) {
    int dimension = lm.hiddenSize().orElseThrow(() -> new IllegalArgumentException("model " + lm.directory()
        + " exports no hidden state; the examples need one for their value heads"));
    return new ModelFeatures(fingerprint(lm), dimension, lm::prefixFeatures);
  }

  /** Identifies the model file by its size and a hash of its first megabyte, wherever it lies. */
  private static String fingerprint(OnnxCausalLM lm) {
    try (InputStream in = Files.newInputStream(lm.modelFile())) {
      byte[] head = in.readNBytes(1 << 20);
      return "onnx-" + Files.size(lm.modelFile()) + "-" + Hashing.sha256().hashBytes(head).toString().substring(0, 12);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + lm.modelFile(), e);
    }
  }

  /** A trainer of MLP heads on the model's hidden state, with the library's defaults. */
  public static ValueTrainer trainer(OnnxCausalLM lm) {
    return MlpValueTrainer.builder().features(features(lm)).build();
  }

  /** The loaders that read those heads back. */
  public static List<ValueFunctionLoader> loaders(OnnxCausalLM lm) {
    return List.of(MlpValueHead.loader(features(lm)));
  }
}
