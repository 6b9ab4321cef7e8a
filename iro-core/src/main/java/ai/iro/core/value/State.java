package ai.iro.core.value;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A search state: a prompt plus a response prefix, with the base model's features of it when the
 * model provides them. Immutable.
 */
public final class State {
  private final String prompt;
  private final int[] responseTokens;
  private final String responseText;
  private final float[] features;

  /**
   * Creates a state.
   *
   * @param prompt the prompt
   * @param responseTokens the response prefix as token ids (copied)
   * @param responseText the response prefix as text
   * @param features the model's features of this state, if any (copied)
   */
  public State(String prompt, int[] responseTokens, String responseText, Optional<float[]> features) {
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.responseTokens = responseTokens.clone();
    this.responseText = Objects.requireNonNull(responseText, "responseText");
    this.features = features.map(float[]::clone).orElse(null);
  }

  /** Creates a state without model features. */
  public static State of(String prompt, int[] responseTokens, String responseText) {
    return new State(prompt, responseTokens, responseText, Optional.empty());
  }

  /** The prompt. */
  public String prompt() {
    return prompt;
  }

  /** A copy of the response prefix's token ids. */
  public int[] responseTokens() {
    return responseTokens.clone();
  }

  /** The length of the response prefix in tokens. */
  public int responseLength() {
    return responseTokens.length;
  }

  /** The response token at {@code i}. */
  public int responseToken(int i) {
    return responseTokens[i];
  }

  /** The response prefix as text. */
  public String responseText() {
    return responseText;
  }

  /** A copy of the base model's features of this state, if it has them. */
  public Optional<float[]> features() {
    return features == null ? Optional.empty() : Optional.of(features.clone());
  }

  @Override
  public String toString() {
    return "State{prompt=" + prompt + ", response=" + Arrays.toString(responseTokens) + "}";
  }
}
