package ai.iro.examples.eval;

import ai.iro.core.Aligner;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.value.ConcatenatedFeatures;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.PrefixRewardFeatures;
import ai.iro.core.value.ValueTrainer;
import ai.iro.examples.ValueHeads;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.google.common.base.Preconditions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * How an evaluation learns value functions: what the heads read (the model's hidden features, with
 * the reward of the response so far next to them or not), a trainer on those features, and extra
 * aligner settings (for example {@code .reweighting(...)}). The trainer serves both IRO and the
 * one-shot value; the aligner settings apply to IRO only (the one-shot value always keeps every
 * sample). Immutable; as thread safe as its functions.
 *
 * @param name the name {@code iro eval --value} takes; letters, digits, {@code -} and {@code _}
 * @param trainer makes a fresh trainer on the given features ({@link #features(OnnxCausalLM, RewardModel)})
 * @param aligner adds settings to IRO's aligner builder and returns it
 * @param hiddenFeatures the hidden features the evaluation's model gives its heads
 * @param prefixReward whether the heads also read the task's reward of the response so far
 *     ({@link PrefixRewardFeatures})
 * @param iterations the iteration count the aligner settings are made for (one beta per
 *     iteration, say), if any; {@link EvalSettings} refuses another
 */
public record ValueRecipe(String name, Function<FeatureSource, ValueTrainer> trainer,
    UnaryOperator<Aligner.Builder> aligner, HiddenFeatures hiddenFeatures, boolean prefixReward,
    Optional<Integer> iterations) {
  /** Validates the fields. */
  public ValueRecipe {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(trainer, "trainer");
    Objects.requireNonNull(aligner, "aligner");
    Objects.requireNonNull(hiddenFeatures, "hiddenFeatures");
    Objects.requireNonNull(iterations, "iterations");
    Preconditions.checkArgument(name.matches("[A-Za-z0-9_-]+"),
        "a value recipe name is letters, digits, '-' and '_', found \"%s\"", name);
  }

  /** A recipe on the model's last hidden state ({@link HiddenFeatures#LAST}) alone. */
  public ValueRecipe(String name, Function<FeatureSource, ValueTrainer> trainer, UnaryOperator<Aligner.Builder> aligner) {
    this(name, trainer, aligner, HiddenFeatures.LAST, false);
  }

  /** A recipe for any iteration count. */
  public ValueRecipe(String name, Function<FeatureSource, ValueTrainer> trainer, UnaryOperator<Aligner.Builder> aligner,
      HiddenFeatures hiddenFeatures, boolean prefixReward) {
    this(name, trainer, aligner, hiddenFeatures, prefixReward, Optional.empty());
  }

  /**
   * What the heads read on {@code lm} (loaded with {@link #hiddenFeatures()}) for a task of reward
   * {@code reward}: the model's features, then the reward of the response so far when
   * {@link #prefixReward()}.
   *
   * @throws IllegalArgumentException if the model exports no hidden state or gives other hidden
   *     features than the recipe's, or (with the prefix reward) the reward has no id
   */
  public FeatureSource features(OnnxCausalLM lm, RewardModel reward) {
    Preconditions.checkArgument(lm.hiddenFeatures() == hiddenFeatures,
        "the value recipe %s needs a model built with hiddenFeatures(%s), found %s", name, hiddenFeatures,
        lm.hiddenFeatures());
    FeatureSource model = ValueHeads.features(lm);
    return prefixReward ? new ConcatenatedFeatures(List.of(model, new PrefixRewardFeatures(reward, lm::decode))) : model;
  }

  /** A fresh trainer for a task of reward {@code reward} on {@code lm}. */
  public ValueTrainer trainer(OnnxCausalLM lm, RewardModel reward) {
    return trainer.apply(features(lm, reward));
  }
}
