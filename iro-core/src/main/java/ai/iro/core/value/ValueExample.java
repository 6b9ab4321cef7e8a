package ai.iro.core.value;

import com.google.common.base.Preconditions;
import java.util.Objects;

/**
 * One kept response and its reward. Every prefix of the response, from the empty one to the whole,
 * is a training state whose target is {@link #target()}: the Monte-Carlo value target of IRO.
 * Trainers expand the prefixes themselves, so that a model can compute the features of all of them
 * in one pass. Immutable and thread safe.
 */
public final class ValueExample {
  private final String prompt;
  private final int[] responseTokens;
  private final String responseText;
  private final double target;

  /**
   * Creates an example.
   *
   * @param prompt the prompt
   * @param responseTokens the whole response (copied)
   * @param responseText the whole response as text
   * @param target the reward of the whole response; finite
   */
  public ValueExample(String prompt, int[] responseTokens, String responseText, double target) {
    Preconditions.checkArgument(Double.isFinite(target), "target must be finite, found %s", target);
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.responseTokens = responseTokens.clone();
    this.responseText = Objects.requireNonNull(responseText, "responseText");
    this.target = target;
  }

  /** The prompt. */
  public String prompt() {
    return prompt;
  }

  /** A copy of the response's token ids. */
  public int[] responseTokens() {
    return responseTokens.clone();
  }

  /** The response length in tokens; the example holds {@code responseLength() + 1} prefix states. */
  public int responseLength() {
    return responseTokens.length;
  }

  /** The whole response as text. */
  public String responseText() {
    return responseText;
  }

  /** The target of every prefix state. */
  public double target() {
    return target;
  }
}
