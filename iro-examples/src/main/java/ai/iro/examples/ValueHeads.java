package ai.iro.examples;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.ValueFunctionLoader;
import ai.iro.core.value.ValueTrainer;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import java.util.List;

/** The value heads of the examples: an MLP on the base model's last hidden state. Stateless, thread safe. */
public final class ValueHeads {
  private ValueHeads() {}

  /**
   * The features of a model: its last hidden state, identified by the model file's content
   * ({@link OnnxCausalLM#features()}), so that a saved policy's heads load only against the same
   * weights.
   *
   * @throws IllegalArgumentException if the model exports no hidden state
   */
  public static FeatureSource features(OnnxCausalLM lm) {
    if (lm.hiddenSize().isEmpty()) {
      throw new IllegalArgumentException("model " + lm.directory()
          + " exports no hidden state; the examples need one for their value heads");
    }
    return lm.features();
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
