package ai.iro.core.search;

/** How a search grows its survivors between selections. Constants, thread safe. */
public enum Expansion {
  /**
   * Each survivor becomes K children, each extended by up to L sampled tokens: chunk-level beam
   * search. Works with any base model.
   */
  SAMPLE,
  /**
   * Each survivor becomes one child per likely next token (L = 1), and a child's score adds the
   * base model's log-probability of that token. With a multinomial resampler at tau 1 and width 1
   * this samples exactly from {@code pi_0 * exp(sum_i V_i / beta_i)}, normalised per step
   * (token-level guided decoding in the style of ARGS and controlled decoding). Needs a base model
   * that exposes {@link ai.iro.core.model.Decoding#candidates}.
   */
  ENUMERATE
}
