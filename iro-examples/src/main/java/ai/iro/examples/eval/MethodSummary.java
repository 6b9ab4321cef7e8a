package ai.iro.examples.eval;

import java.util.List;

/**
 * One method on one task over all seeds. Immutable and thread safe.
 *
 * @param method the method's name
 * @param mean the mean over prompts of each prompt's reward averaged over seeds, with its bootstrap interval
 * @param seedMeans each seed's own mean reward, in seed order
 * @param tokensPerPrompt tokens sampled per prompt, averaged over seeds
 * @param wallSeconds its wall time on all prompts, averaged over seeds
 */
public record MethodSummary(String method, Interval mean, List<Double> seedMeans, double tokensPerPrompt,
    double wallSeconds) {
  /** Copies the list. */
  public MethodSummary {
    seedMeans = List.copyOf(seedMeans);
  }
}
