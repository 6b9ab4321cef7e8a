package ai.iro.core.value;

import com.google.common.base.Suppliers;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A search state: a prompt plus a response prefix, with the base model's features of it when the
 * model provides them. Immutable; a state made by {@link #lazy} computes its text on first use,
 * at most once, and is thread safe all the same.
 */
public final class State {
  private final String prompt;
  private final int[] responseTokens;
  private final Supplier<String> responseText;
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
    String text = Objects.requireNonNull(responseText, "responseText");
    this.responseText = () -> text;
    this.features = features.map(float[]::clone).orElse(null);
  }

  private State(String prompt, int[] responseTokens, Supplier<String> responseText, float[] features) {
    this.prompt = prompt;
    this.responseTokens = responseTokens;
    this.responseText = responseText;
    this.features = features;
  }

  /**
   * Creates a state whose response text is computed from its tokens only when first read: a
   * search whose value functions read only features never decodes text.
   *
   * @param prompt the prompt
   * @param responseTokens the response prefix as token ids (copied)
   * @param decoder turns the response tokens into text; called at most once, with a copy of them,
   *     and must not return null
   * @param features the model's features of this state, if any (copied)
   */
  public static State lazy(String prompt, int[] responseTokens, Function<int[], String> decoder,
      Optional<float[]> features) {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(decoder, "decoder");
    int[] tokens = responseTokens.clone();
    Supplier<String> text = Suppliers.memoize(() -> Objects.requireNonNull(decoder.apply(tokens.clone()),
        "the decoder returned null for the response tokens " + Arrays.toString(tokens)));
    return new State(prompt, tokens, text, features.map(float[]::clone).orElse(null));
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
    return responseText.get();
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
