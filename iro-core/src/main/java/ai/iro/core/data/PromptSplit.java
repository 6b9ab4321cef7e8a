package ai.iro.core.data;

/** Which prompts each alignment iteration uses. Constants, thread safe. */
public enum PromptSplit {
  /**
   * The dataset is shuffled once with the run's seed and cut into T equal slices (the remainder is
   * unused); iteration t uses slice t: every iteration sees fresh prompts, as in the paper, drawn
   * from the whole dataset even when it is sorted by topic.
   */
  FRESH_SLICES,
  /** Every iteration uses the whole dataset. */
  REUSE
}
