package ai.iro.examples;

import ai.iro.core.reward.RewardModel;
import ai.iro.core.value.ConcatenatedFeatures;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.PrefixRewardFeatures;
import ai.iro.core.value.ValueFunctionLoader;
import ai.iro.core.value.ValueTrainer;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import java.util.List;
import java.util.Optional;

/**
 * The value heads of the examples: an MLP on the base model's features (its last hidden state, or
 * last and mean with {@code --pooled-features}), with the reward of the response so far next to
 * them with {@code --prefix-reward}. Stateless, thread safe.
 */
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

  /**
   * The model's features ({@link #features(OnnxCausalLM)}), followed by the reward of the response
   * so far ({@link PrefixRewardFeatures}) when {@code prefixReward} is present.
   *
   * @throws IllegalArgumentException if the model exports no hidden state, or the reward has no id
   */
  public static FeatureSource features(OnnxCausalLM lm, Optional<RewardModel> prefixReward) {
    FeatureSource model = features(lm);
    return prefixReward.<FeatureSource>map(r -> new ConcatenatedFeatures(List.of(model,
        new PrefixRewardFeatures(r, lm::decode)))).orElse(model);
  }

  /** A trainer of MLP heads on the model's hidden state, with the library's defaults. */
  public static ValueTrainer trainer(OnnxCausalLM lm) {
    return MlpValueTrainer.builder().features(features(lm)).build();
  }

  /** The loaders that read those heads back. */
  public static List<ValueFunctionLoader> loaders(OnnxCausalLM lm) {
    return List.of(MlpValueHead.loader(features(lm)));
  }

  /** The loaders of heads on {@link #features(OnnxCausalLM, Optional)}. */
  public static List<ValueFunctionLoader> loaders(OnnxCausalLM lm, Optional<RewardModel> prefixReward) {
    return List.of(MlpValueHead.loader(features(lm, prefixReward)));
  }
}
