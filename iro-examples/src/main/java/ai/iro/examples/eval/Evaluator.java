package ai.iro.examples.eval;

import ai.iro.core.model.BaseModel;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchResult;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ValueStack;
import com.google.common.base.Preconditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs decoding methods on held-out prompts and compares their rewards with a base sample, at the
 * same seed for every method. Call {@link #base} first: win rates are against its answers. Not
 * thread safe: it keeps the base answers between calls; use one per thread.
 */
public final class Evaluator {
  private final BaseModel model;
  private final RewardModel reward;
  private final List<String> prompts;
  private final int batchSize;
  private final long seed;
  private double[] baseRewards;

  /**
   * @param model the base model
   * @param reward the reward that judges answers
   * @param prompts the evaluation prompts, at least one
   * @param batchSize prompts per search call, at least 1
   * @param seed the seed of every method's search
   */
  public Evaluator(BaseModel model, RewardModel reward, List<String> prompts, int batchSize, long seed) {
    Preconditions.checkArgument(!prompts.isEmpty(), "no evaluation prompts");
    Preconditions.checkArgument(batchSize >= 1, "batchSize must be at least 1, found %s", batchSize);
    this.model = Objects.requireNonNull(model, "model");
    this.reward = Objects.requireNonNull(reward, "reward");
    this.prompts = List.copyOf(prompts);
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** One plain sample per prompt: the reference of the win rates. */
  public MethodResult base(String name, Searcher oneSample) {
    Run run = run(oneSample, ValueStack.empty(), false);
    baseRewards = run.rewards;
    return run.result(name, baseRewards);
  }

  /**
   * Evaluates a method.
   *
   * @param searcher its search settings
   * @param values its guiding value stack (empty for none)
   * @param rewardPick whether the reward model picks the final answer among the finals
   */
  public MethodResult method(String name, Searcher searcher, ValueStack values, boolean rewardPick) {
    Preconditions.checkState(baseRewards != null, "evaluate the base method first");
    return run(searcher, values, rewardPick).result(name, baseRewards);
  }

  private Run run(Searcher searcher, ValueStack values, boolean rewardPick) {
    long start = System.nanoTime();
    long tokens = 0;
    List<String> answers = new ArrayList<>();
    double[] means = new double[prompts.size()];
    int at = 0;
    for (int from = 0, batch = 0; from < prompts.size(); from += batchSize, batch++) {
      List<String> slice = prompts.subList(from, Math.min(prompts.size(), from + batchSize));
      SearchOutcome out = searcher.search(model, values, rewardPick ? Optional.of(reward) : Optional.empty(),
          slice, seed + batch);
      tokens += out.tokensGenerated();
      for (SearchResult r : out.results()) {
        answers.add(r.text());
        means[at++] = meanFinalReward(r);
      }
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    double[] rewards = reward.score(prompts, answers);
    return new Run(rewards, means, tokens, wall);
  }

  /**
   * The mean reward of the search's finals: the rewards the search gave them when it picked by
   * reward, else this evaluator's reward of each.
   */
  private double meanFinalReward(SearchResult result) {
    List<Candidate> finals = result.finals();
    double[] scores = finals.stream().allMatch(c -> c.reward().isPresent())
        ? finals.stream().mapToDouble(c -> c.reward().getAsDouble()).toArray()
        : reward.score(Collections.nCopies(finals.size(), result.prompt()), finals.stream().map(Candidate::text).toList());
    return Arrays.stream(scores).average().orElseThrow();
  }

  private static final class Run {
    final double[] rewards;
    final double[] finalMeans;
    final long tokens;
    final Duration wall;

    Run(double[] rewards, double[] finalMeans, long tokens, Duration wall) {
      this.rewards = rewards;
      this.finalMeans = finalMeans;
      this.tokens = tokens;
      this.wall = wall;
    }

    MethodResult result(String name, double[] base) {
      double sum = 0;
      double wins = 0;
      for (int i = 0; i < rewards.length; i++) {
        sum += rewards[i];
        wins += rewards[i] > base[i] ? 1 : rewards[i] == base[i] ? 0.5 : 0;
      }
      return new MethodResult(name, sum / rewards.length, wins / rewards.length, tokens, wall, rewards, finalMeans);
    }
  }
}
