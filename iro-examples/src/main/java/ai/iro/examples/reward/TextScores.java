package ai.iro.examples.reward;

import com.google.common.base.Preconditions;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The scoring loop of rewards that read the response alone. Stateless. */
final class TextScores {
  private TextScores() {}

  /**
   * Scores each response by itself.
   *
   * @throws IllegalArgumentException if the lists differ in length
   */
  static double[] each(List<String> prompts, List<String> responses, ToDoubleFunction<String> score) {
    Preconditions.checkArgument(prompts.size() == responses.size(),
        "prompts and responses differ in length: %s vs %s", prompts.size(), responses.size());
    double[] out = new double[responses.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = score.applyAsDouble(responses.get(i));
    }
    return out;
  }
}
