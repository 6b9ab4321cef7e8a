package ai.iro.core.value;

import ai.iro.core.data.Prompt;
import com.google.common.base.Preconditions;
import java.util.Objects;

/**
 * One kept response, its reward and its training weight. Every prefix of the response, from the
 * empty one to the whole, is a training state; prefix {@code j}'s target is {@link #target(int)},
 * which is the reward itself (the Monte-Carlo value target of IRO) unless the example was built
 * with per-prefix targets (such as {@link ValueTarget#soft soft values}). Trainers expand the
 * prefixes themselves, so that a model can compute the features of all of them in one pass.
 * Immutable and thread safe.
 */
public final class ValueExample {
  private final Prompt prompt;
  private final int[] responseTokens;
  private final String responseText;
  private final double target;
  private final double[] prefixTargets;
  private final double weight;

  /**
   * Creates an example.
   *
   * @param prompt the prompt
   * @param responseTokens the whole response (copied)
   * @param responseText the whole response as text
   * @param target the reward of the whole response; finite
   */
  public ValueExample(String prompt, int[] responseTokens, String responseText, double target) {
    this(Prompt.of(Objects.requireNonNull(prompt, "prompt")), responseTokens, responseText, target);
  }

  /**
   * Creates an example of a prompt record, whose conversation (when it is a chat) the model's
   * features are computed on.
   *
   * @param prompt the prompt
   * @param responseTokens the whole response (copied)
   * @param responseText the whole response as text
   * @param target the reward of the whole response; finite
   */
  public ValueExample(Prompt prompt, int[] responseTokens, String responseText, double target) {
    this(prompt, responseTokens, responseText, target, null, 1, false);
  }

  /**
   * Creates an example with a target per prefix state and a training weight.
   *
   * @param prompt the prompt
   * @param responseTokens the whole response (copied)
   * @param responseText the whole response as text
   * @param reward the reward of the whole response; finite
   * @param prefixTargets the target of prefix {@code j} at index {@code j}, {@code responseTokens.length
   *     + 1} finite values (copied)
   * @param weight the weight of each of its states in the loss; positive and finite
   */
  public ValueExample(String prompt, int[] responseTokens, String responseText, double reward, double[] prefixTargets,
      double weight) {
    this(Prompt.of(Objects.requireNonNull(prompt, "prompt")), responseTokens, responseText, reward, prefixTargets,
        weight);
  }

  /**
   * Creates an example of a prompt record with a target per prefix state and a training weight.
   *
   * @param prompt the prompt, with its conversation when it is a chat
   * @param responseTokens the whole response (copied)
   * @param responseText the whole response as text
   * @param reward the reward of the whole response; finite
   * @param prefixTargets the target of prefix {@code j} at index {@code j}, {@code responseTokens.length
   *     + 1} finite values (copied)
   * @param weight the weight of each of its states in the loss; positive and finite
   */
  public ValueExample(Prompt prompt, int[] responseTokens, String responseText, double reward, double[] prefixTargets,
      double weight) {
    this(prompt, responseTokens, responseText, reward, prefixTargets.clone(), weight, true);
  }

  private ValueExample(Prompt prompt, int[] responseTokens, String responseText, double target, double[] prefixTargets,
      double weight, boolean checkPrefixTargets) {
    Preconditions.checkArgument(Double.isFinite(target), "target must be finite, found %s", target);
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.responseTokens = responseTokens.clone();
    this.responseText = Objects.requireNonNull(responseText, "responseText");
    this.target = target;
    if (checkPrefixTargets) {
      checkPrefixTargets(prefixTargets, responseTokens.length, weight);
    }
    this.prefixTargets = prefixTargets;
    this.weight = weight;
  }

  private static void checkPrefixTargets(double[] prefixTargets, int responseLength, double weight) {
    Preconditions.checkArgument(prefixTargets.length == responseLength + 1,
        "prefixTargets has %s values for a response of %s tokens, expected %s", prefixTargets.length,
        responseLength, responseLength + 1);
    for (double t : prefixTargets) {
      Preconditions.checkArgument(Double.isFinite(t), "prefix targets must be finite, found %s", t);
    }
    Preconditions.checkArgument(weight > 0 && Double.isFinite(weight), "weight must be positive and finite, found %s", weight);
  }

  /** The prompt's text. */
  public String prompt() {
    return prompt.text();
  }

  /** The prompt record, with its conversation when it is a chat: what a model's features read. */
  public Prompt source() {
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

  /** The reward of the whole response: the target of every prefix state unless per-prefix targets were given. */
  public double target() {
    return target;
  }

  /**
   * The target of prefix state {@code j} (the first {@code j} response tokens).
   *
   * @param j in {@code [0, responseLength()]}
   */
  public double target(int j) {
    Objects.checkIndex(j, responseTokens.length + 1);
    return prefixTargets == null ? target : prefixTargets[j];
  }

  /** The weight of each of this example's states in the training loss; 1 unless given. */
  public double weight() {
    return weight;
  }
}
