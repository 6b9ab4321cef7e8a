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
 * @param meanFinalRewards per prompt, the mean reward of every final the search ended with: the
 *     quality of the policy's samples, where {@code rewards} is that of its pick (copied in and
 *     out)
 */
public record MethodResult(String method, double meanReward, double winRate, long tokensSampled, Duration wallTime,
    double[] rewards, double[] meanFinalRewards) {
  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if the two reward arrays differ in length
   */
  public MethodResult {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(wallTime, "wallTime");
    if (rewards.length != meanFinalRewards.length) {
      throw new IllegalArgumentException(method + ": " + rewards.length + " rewards but " + meanFinalRewards.length
          + " mean final rewards; expected one of each per prompt");
    }
    rewards = rewards.clone();
    meanFinalRewards = meanFinalRewards.clone();
  }

  /** A result whose searches kept one final per prompt: the mean final reward is the answer's. */
  public MethodResult(String method, double meanReward, double winRate, long tokensSampled, Duration wallTime,
      double[] rewards) {
    this(method, meanReward, winRate, tokensSampled, wallTime, rewards, rewards);
  }

  /** Per prompt, the mean reward of the search's finals: a copy. */
  @Override
  public double[] meanFinalRewards() {
    return meanFinalRewards.clone();
  }

  /** The reward of its answer to each prompt, in prompt order: a copy. */
  @Override
  public double[] rewards() {
    return rewards.clone();
  }
}
