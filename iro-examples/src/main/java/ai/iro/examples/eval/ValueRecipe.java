package ai.iro.examples.eval;

import ai.iro.core.Aligner;
import ai.iro.core.value.ValueTrainer;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.google.common.base.Preconditions;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * How an evaluation learns value functions: the model's hidden features the heads read, a trainer
 * for a model, and extra aligner settings (for example {@code .reweighting(...)}). The trainer serves both IRO and the one-shot value;
 * the aligner settings apply to IRO only (the one-shot value always keeps every sample).
 * Immutable; as thread safe as its functions.
 *
 * @param name the name {@code iro eval --value} takes; letters, digits, {@code -} and {@code _}
 * @param trainer makes a fresh trainer for a model
 * @param aligner adds settings to IRO's aligner builder and returns it
 * @param features the hidden features the evaluation's model gives its heads
 */
public record ValueRecipe(String name, Function<OnnxCausalLM, ValueTrainer> trainer,
    UnaryOperator<Aligner.Builder> aligner, HiddenFeatures features) {
  /** Validates the fields. */
  public ValueRecipe {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(trainer, "trainer");
    Objects.requireNonNull(aligner, "aligner");
    Preconditions.checkArgument(name.matches("[A-Za-z0-9_-]+"),
        "a value recipe name is letters, digits, '-' and '_', found \"%s\"", name);
  }

  /** A recipe on the model's last hidden state ({@link HiddenFeatures#LAST}). */
  public ValueRecipe(String name, Function<OnnxCausalLM, ValueTrainer> trainer, UnaryOperator<Aligner.Builder> aligner) {
    this(name, trainer, aligner, HiddenFeatures.LAST);
  }
}
