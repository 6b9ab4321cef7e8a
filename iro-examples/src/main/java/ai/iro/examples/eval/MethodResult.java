package ai.iro.examples.eval;

import java.time.Duration;
import java.util.Objects;

/**
 * How one decoding method did on the evaluation prompts. Immutable and thread safe.
 *
 * @param method the method's name, e.g. {@code "best-of-16"}
 * @param meanReward the mean reward of its answers
 * @param winRate the fraction of prompts where its answer beats the base sample (ties count half)
 * @param tokensSampled the tokens the base model generated for it, over all prompts
 * @param wallTime its total wall time
 * @param rewards the reward of its answer to each prompt, in prompt order (copied in and out)
 */
public record MethodResult(String method, double meanReward, double winRate, long tokensSampled, Duration wallTime,
    double[] rewards) {
  /** Validates the fields. */
  public MethodResult {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(wallTime, "wallTime");
    rewards = rewards.clone();
  }

  /** The reward of its answer to each prompt, in prompt order: a copy. */
  @Override
  public double[] rewards() {
    return rewards.clone();
  }
}
