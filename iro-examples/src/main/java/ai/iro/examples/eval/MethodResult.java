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
 */
public record MethodResult(String method, double meanReward, double winRate, long tokensSampled, Duration wallTime) {
  /** Validates the fields. */
  public MethodResult {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(wallTime, "wallTime");
  }
}
