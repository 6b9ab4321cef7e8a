package ai.iro.core.reward;

import ai.iro.core.internal.Identities;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToDoubleBiFunction;

/**
 * Scores finished (prompt, response) pairs. Higher is better. The scores must be finite; the
 * alignment loop rejects NaN and infinities, naming the prompt.
 *
 * <p>Thread safety: an {@code AlignedPolicy} that picks its answers by reward calls {@link #score}
 * from every thread that generates with it, so a reward model shared that way must be thread safe.
 * {@link #of} is as thread safe as the function it wraps.
 *
 * <pre>{@code
 * RewardModel lengthPenalty = RewardModel.of((prompt, response) -> -response.length());
 * }</pre>
 */
public interface RewardModel {

  /**
   * Scores pairs in one batch.
   *
   * @param prompts the prompts
   * @param responses the responses, the same length as {@code prompts}
   * @return one score per pair, in order
   */
  double[] score(List<String> prompts, List<String> responses);

  /**
   * Identifies this reward model, so that a checkpointed run resumed with another reward is refused
   * instead of mixing value functions trained for different rewards. Override it when instances of
   * one class can score differently (a model file, a label, a version of a lexicon): include what
   * differs.
   *
   * <p>Default: the class name for a named class; empty for lambdas, anonymous and local classes,
   * whose class names are not stable from one run to the next. A checkpointed {@link
   * ai.iro.core.Aligner} needs an id: give a lambda one with {@link #of(String, ToDoubleBiFunction)}.
   */
  default Optional<String> id() {
    return Identities.ofClass(getClass());
  }

  /**
   * Wraps a function of (prompt, response) as a reward model that scores pairs one by one. It has
   * no {@link #id()}; {@link #of(String, ToDoubleBiFunction)} gives it one.
   */
  static RewardModel of(ToDoubleBiFunction<String, String> function) {
    Objects.requireNonNull(function, "function");
    return (prompts, responses) -> {
      double[] out = new double[prompts.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = function.applyAsDouble(prompts.get(i), responses.get(i));
      }
      return out;
    };
  }

  /**
   * Like {@link #of(ToDoubleBiFunction)}, with an {@link #id()}: name the reward and its version,
   * for example {@code "length-penalty-v2"}, and change the id when the function changes.
   *
   * @param id not blank
   */
  static RewardModel of(String id, ToDoubleBiFunction<String, String> function) {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("a reward model id must not be blank");
    }
    RewardModel plain = of(function);
    return new RewardModel() {
      @Override
      public double[] score(List<String> prompts, List<String> responses) {
        return plain.score(prompts, responses);
      }

      @Override
      public Optional<String> id() {
        return Optional.of(id);
      }

      @Override
      public String toString() {
        return "RewardModel{" + id + "}";
      }
    };
  }
}
