package ai.iro.core.data;

/** Which prompts each alignment iteration uses. */
public enum PromptSplit {
  /**
   * The dataset is cut into T equal consecutive slices (the remainder is unused) and iteration t
   * uses slice t: every iteration sees fresh prompts, as in the paper.
   */
  FRESH_SLICES,
  /** Every iteration uses the whole dataset. */
  REUSE
}
