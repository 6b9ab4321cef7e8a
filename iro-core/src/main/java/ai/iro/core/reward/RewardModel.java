package ai.iro.core.reward;

import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleBiFunction;

/**
 * Scores finished (prompt, response) pairs. Higher is better. The scores must be finite; the
 * alignment loop rejects NaN and infinities, naming the prompt.
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

  /** Wraps a function of (prompt, response) as a reward model that scores pairs one by one. */
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
}
