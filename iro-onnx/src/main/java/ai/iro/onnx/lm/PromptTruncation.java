package ai.iro.onnx.lm;

/**
 * What {@link OnnxCausalLM} does with a prompt that leaves no room for a new token in the model's
 * context (its encoding has at least {@link OnnxCausalLM#contextLength()} tokens). Set with
 * {@link OnnxCausalLM.Builder#promptTruncation}.
 */
public enum PromptTruncation {
  /**
   * Refuse it: {@link OnnxCausalLM#open} throws an {@link IllegalArgumentException} naming the
   * prompt's index, its length and the context.
   */
  FAIL,
  /**
   * Keep its end: the special prefix ({@link OnnxCausalLM#promptPrefix()}, when the encoding starts
   * with it) and then the prompt's last tokens, {@code contextLength - 1} tokens in all, so that
   * the response has room for at least one token. The prompt's start is dropped: for a chat model,
   * the rendered conversation's start (a system message, the user's header) goes first, the
   * generation prompt at its end stays. {@link OnnxCausalLM#encodePrompt} returns the kept ids, and
   * {@link OnnxCausalLM#prefixFeatures} reads them, so that value features match the decoding's;
   * the prompt's text, as rewards see it, is unchanged.
   */
  KEEP_END
}
