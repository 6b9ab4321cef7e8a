package ai.iro.core;

import ai.iro.core.data.Prompt;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchResult;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What one alignment iteration collects from its search batches: the reward of every final, the
 * responses the {@link Reweighting} keeps, and the statistics of its {@link IterationMetrics}.
 * Once every batch is in, {@link #examples()} weighs the kept responses and gives their prefixes
 * their {@link ValueTarget}s, both of which may depend on the whole iteration's reward spread.
 * Used by one iteration, not thread safe.
 */
final class IterationSamples {
  private final int iteration;
  private final RewardModel reward;
  private final Reweighting reweighting;
  private final ValueTarget target;
  private final List<PromptFinals> finals = new ArrayList<>();
  private List<ValueExample> examples;
  private double sumOfSquares;
  private int samples;
  private int kept;
  private double sampleSum;
  private double sampleMax = Double.NEGATIVE_INFINITY;
  private double keptSum;
  private double keptMax = Double.NEGATIVE_INFINITY;
  private long tokens;

  /** One prompt's finals, their rewards and the kept indices. */
  private record PromptFinals(Prompt prompt, List<Candidate> candidates, double[] rewards, int[] kept) {}

  IterationSamples(int iteration, RewardModel reward, Reweighting reweighting, ValueTarget target) {
    this.iteration = iteration;
    this.reward = reward;
    this.reweighting = reweighting;
    this.target = target;
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
        sumOfSquares += x * x;
        sampleMax = Math.max(sampleMax, x);
        samples++;
      }
      int[] keep = reweighting.keep(own, random);
      for (int k : keep) {
        keptSum += own[k];
        keptMax = Math.max(keptMax, own[k]);
        kept++;
      }
      finals.add(new PromptFinals(r.source(), r.finals(), own, keep));
    }
  }

  /**
   * The value examples of every batch added, in the order of their prompts: each kept response
   * with its reweighting weight and its prefix targets. Call once every batch is added.
   */
  List<ValueExample> examples() {
    if (examples == null) {
      double scale = scale();
      examples = new ArrayList<>();
      for (PromptFinals p : finals) {
        List<int[]> tokens = p.candidates().stream().map(Candidate::tokens).toList();
        double[] weights = reweighting.weights(p.rewards(), p.kept(), scale);
        for (int i = 0; i < p.kept().length; i++) {
          int k = p.kept()[i];
          Candidate c = p.candidates().get(k);
          examples.add(target.isMonteCarlo() && weights[i] == 1
              ? new ValueExample(p.prompt(), tokens.get(k), c.text(), p.rewards()[k])
              : new ValueExample(p.prompt(), tokens.get(k), c.text(), p.rewards()[k],
                  target.prefixTargets(tokens, p.rewards(), k, scale), weights[i]));
        }
      }
    }
    return examples;
  }

  /** The standard deviation of every reward of the iteration, or 1 when they are all equal. */
  private double scale() {
    double mean = sampleSum / samples;
    double variance = Math.max(0, sumOfSquares / samples - mean * mean);
    double sd = Math.sqrt(variance);
    return sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
  }

  /** The iteration's metrics once every batch is added and the value function trained. */
  IterationMetrics metrics(int prompts, double loss, Duration wallTime) {
    long states = examples().stream().mapToLong(e -> e.responseLength() + 1L).sum();
    return new IterationMetrics(iteration, prompts, samples, sampleSum / samples, sampleMax, keptSum / kept, keptMax,
        states, loss, tokens, wallTime);
  }
}
