package ai.iro.core;

import java.time.Duration;
import java.util.Objects;

/**
 * What one alignment iteration did. Immutable and thread safe.
 *
 * @param iteration the iteration, from 1
 * @param prompts the prompts it used
 * @param samples the candidate responses it scored with the reward model
 * @param meanSampleReward the mean reward of all candidates
 * @param maxSampleReward the highest reward of any candidate
 * @param meanKeptReward the mean reward of the kept responses
 * @param maxKeptReward the highest reward of a kept response
 * @param examples the prefix states the value function was trained on
 * @param valueLoss the value trainer's final loss
 * @param tokensSampled the tokens the base model generated in this iteration
 * @param wallTime the iteration's wall time
 */
public record IterationMetrics(
    int iteration,
    int prompts,
    int samples,
    double meanSampleReward,
    double maxSampleReward,
    double meanKeptReward,
    double maxKeptReward,
    long examples,
    double valueLoss,
    long tokensSampled,
    Duration wallTime) {
  /** Validates the fields. */
  public IterationMetrics {
    Objects.requireNonNull(wallTime, "wallTime");
  }
}
