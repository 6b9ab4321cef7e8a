package ai.iro.core;

import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchResult;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.ValueExample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What one alignment iteration collects from its search batches: the reward of every final, the
 * responses the {@link Reweighting} keeps as value examples, and the statistics of its
 * {@link IterationMetrics}. Used by one iteration, not thread safe.
 */
final class IterationSamples {
  private final int iteration;
  private final RewardModel reward;
  private final Reweighting reweighting;
  private final List<ValueExample> examples = new ArrayList<>();
  private int samples;
  private int kept;
  private double sampleSum;
  private double sampleMax = Double.NEGATIVE_INFINITY;
  private double keptSum;
  private double keptMax = Double.NEGATIVE_INFINITY;
  private long tokens;

  IterationSamples(int iteration, RewardModel reward, Reweighting reweighting) {
    this.iteration = iteration;
    this.reward = reward;
    this.reweighting = reweighting;
  }

  /**
   * Scores every final of every prompt of one search batch and keeps the reweighting's choice of
   * each prompt's finals as training examples.
   *
   * @throws IllegalStateException if the reward model returns the wrong number of scores or a
   *     score that is not finite (the message names the prompt, response and iteration)
   */
  void add(SearchOutcome outcome, RandomGenerator random) {
    tokens += outcome.tokensGenerated();
    List<String> prompts = new ArrayList<>();
    List<String> responses = new ArrayList<>();
    for (SearchResult r : outcome.results()) {
      for (Candidate c : r.finals()) {
        prompts.add(r.prompt());
        responses.add(c.text());
      }
    }
    double[] rewards = reward.score(prompts, responses);
    if (rewards.length != responses.size()) {
      throw new IllegalStateException("reward model returned " + rewards.length + " scores for "
          + responses.size() + " responses in iteration " + iteration);
    }
    for (int i = 0; i < rewards.length; i++) {
      if (!Double.isFinite(rewards[i])) {
        throw new IllegalStateException("reward model returned " + rewards[i] + " in iteration " + iteration
            + " for prompt \"" + prompts.get(i) + "\" and response \"" + responses.get(i)
            + "\"; rewards must be finite");
      }
    }
    int offset = 0;
    for (SearchResult r : outcome.results()) {
      int n = r.finals().size();
      double[] own = Arrays.copyOfRange(rewards, offset, offset + n);
      offset += n;
      for (double x : own) {
        sampleSum += x;
        sampleMax = Math.max(sampleMax, x);
        samples++;
      }
      for (int k : reweighting.keep(own, random)) {
        Candidate chosen = r.finals().get(k);
        keptSum += own[k];
        keptMax = Math.max(keptMax, own[k]);
        kept++;
        examples.add(new ValueExample(r.prompt(), chosen.tokens(), chosen.text(), own[k]));
      }
    }
  }

  /** The kept examples so far, in the order of their prompts. */
  List<ValueExample> examples() {
    return examples;
  }

  /** The iteration's metrics once every batch is added and the value function trained. */
  IterationMetrics metrics(int prompts, double loss, Duration wallTime) {
    long states = examples.stream().mapToLong(e -> e.responseLength() + 1L).sum();
    return new IterationMetrics(iteration, prompts, samples, sampleSum / samples, sampleMax, keptSum / kept, keptMax,
        states, loss, tokens, wallTime);
  }
}
