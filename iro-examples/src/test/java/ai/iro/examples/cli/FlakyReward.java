package ai.iro.examples.cli;

import ai.iro.core.reward.RewardModel;
import ai.iro.examples.reward.AfinnReward;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** AFINN, except that the call numbered {@link #FAIL_ON_CALL} throws: a crash in the middle of align. */
public final class FlakyReward implements RewardModel {
  static final AtomicInteger CALLS = new AtomicInteger();
  static volatile int FAIL_ON_CALL = -1;

  private final AfinnReward afinn = AfinnReward.load();

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    if (CALLS.incrementAndGet() == FAIL_ON_CALL) {
      throw new IllegalStateException("simulated crash in the reward model");
    }
    return afinn.score(prompts, responses);
  }
}
